// Watch responses: chunked JSON lines, one event per line, headers flushed at once (kubectl's
// informers wait for them). Served from the watch cache; selectors are applied per event, so an
// object that stops matching is reported DELETED and one that starts matching ADDED.
import type { Socket } from 'node:net';
import type { ApiCore } from '../core.ts';
import { toServedVersion } from '../registry/conversion.ts';
import { groupVersion } from '../registry/registry.ts';
import { parseFieldSelector, parseLabelSelector } from '../registry/selectors.ts';
import { checkFieldSelector, matchesSelectors } from '../registry/store.ts';
import type { KubeObject } from '../registry/types.ts';
import type { CacheEvent } from '../registry/watch-cache.ts';
import { StatusError } from '../status.ts';
import { negotiateOutput } from './content.ts';
import { parseIncludeObject, renderObjectTable } from '../tables/index.ts';
import { objectJson, objectJsonPieces } from '../registry/object-json.ts';
import { tableConvertorFor } from './output.ts';
import { queryBoolean, queryString, type ResourceRequest } from './resources.ts';

const bookmarkIntervalMs = 60_000;
const maxBufferedBytes = 32 * 1024 * 1024;

/** Serialized event lines, shared by every watcher of the same version. */
const lineCache = new WeakMap<CacheEvent, Map<string, string>>();
/** The same lines framed as chunks of a chunked body. */
const framedCache = new WeakMap<CacheEvent, Map<string, Buffer>>();

/** `texts`, one after the other, framed as one chunk of a chunked body, encoded straight into one buffer. */
function chunk(...texts: string[]): Buffer {
  let length = 0;
  for (const text of texts) length += Buffer.byteLength(text);
  const head = `${length.toString(16)}\r\n`;
  const framed = Buffer.allocUnsafe(head.length + length + 2);
  let at = framed.write(head, 0, 'latin1');
  for (const text of texts) at += framed.write(text, at, 'utf8');
  framed.write('\r\n', at, 'latin1');
  return framed;
}

/**
 * Frames the event's line as a chunk, shared by every watcher of this version. An object served whole is copied
 * into the frame from the pieces of its served JSON (no line of text is made); otherwise the line is, and the
 * cached text gives way to the frame (events stay cached for the watch window).
 */
function frameLine(event: CacheEvent, versionKey: string, line: () => string, body: KubeObject | undefined): Buffer {
  let framed: Buffer;
  if (body) framed = chunk(`{"type":"${event.type}","object":`, ...objectJsonPieces(body), '}\n');
  else {
    framed = chunk(line());
    lineCache.get(event)?.delete(versionKey);
  }
  let perVersion = framedCache.get(event);
  if (!perVersion) framedCache.set(event, (perVersion = new Map()));
  perVersion.set(versionKey, framed);
  return framed;
}

export async function serveWatch(core: ApiCore, context: ResourceRequest): Promise<void> {
  const { info, served, store, query, request, reply } = context;
  const shape = negotiateOutput(request.headers.accept);
  const labelSelector = parseLabelSelector(queryString(query, 'labelSelector'));
  const fieldSelector = parseFieldSelector(queryString(query, 'fieldSelector'));
  checkFieldSelector(served.description, fieldSelector);
  const filtered = !labelSelector.empty || fieldSelector.length > 0;
  const matches = (object: KubeObject | undefined) => object !== undefined && (!filtered || matchesSelectors(object, served.description, labelSelector, fieldSelector));
  const bookmarks = queryBoolean(query, 'allowWatchBookmarks');
  const sendInitialEvents = queryString(query, 'sendInitialEvents') === 'true';
  const timeoutParam = queryString(query, 'timeoutSeconds');
  const timeoutSeconds = timeoutParam && /^\d+$/.test(timeoutParam) && Number(timeoutParam) > 0 ? Number(timeoutParam) : 1800 + Math.floor(Math.random() * 1800);
  const apiVersion = groupVersion(served.group, served.version);
  const versionKey = `${apiVersion}|${shape.shape}`;
  const tableVersion = shape.shape === 'table' ? shape.version : 'v1';

  const res = reply.raw;
  let open = true;
  let started = false;
  const pending: string[] = [];

  const includeObject = parseIncludeObject(queryString(query, 'includeObject'));
  let headersSent = false;
  const lineFor = (type: string, object: KubeObject, event?: CacheEvent): string => {
    if (shape.shape === 'table') {
      // Column definitions go with the first event only, as Kubernetes sends them.
      const table = renderObjectTable(tableConvertorFor(served), object, {
        apiVersion: `meta.k8s.io/${tableVersion}`,
        includeObject,
        convertObject: (item) => toServedVersion(served, item),
        noHeaders: headersSent,
      });
      headersSent = true;
      return `${JSON.stringify({ type, object: table })}\n`;
    }
    const body = shape.shape === 'partial' ? { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${shape.version}`, metadata: object.metadata } : toServedVersion(served, object);
    if (!event || type !== event.type) return `${JSON.stringify({ type, object: body })}\n`;
    let perVersion = lineCache.get(event);
    if (!perVersion) lineCache.set(event, (perVersion = new Map()));
    let line = perVersion.get(versionKey);
    if (!line) perVersion.set(versionKey, (line = `{"type":"${type}","object":${shape.shape === 'object' ? objectJson(body as KubeObject) : JSON.stringify(body)}}\n`));
    return line;
  };

  // Once the headers are out, each line goes to the socket as one chunk of the chunked body, framed once per event
  // and shared by every watcher, without ServerResponse's framing per write. The events of one commit arrive in one
  // turn of the event loop: the socket is corked until the turn ends, so they leave in one write.
  let socket: Socket | undefined;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket?.uncork();
  };
  const write = (line: string, framed?: Buffer) => {
    if (!open) return;
    if (!started) {
      pending.push(line);
      return;
    }
    if (!socket) {
      res.write(line);
      if (res.writableLength > maxBufferedBytes) close(); // a watcher this far behind must relist
      return;
    }
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(framed ?? chunk(line));
    if (socket.writableLength > maxBufferedBytes) close();
  };

  const onEvent = (event: CacheEvent) => {
    if (!filtered) {
      // Table lines differ per watcher (column definitions go with a watcher's first event): framed per write.
      if (socket && shape.shape !== 'table') {
        const framed =
          framedCache.get(event)?.get(versionKey) ??
          frameLine(event, versionKey, () => lineFor(event.type, event.object, event), shape.shape === 'object' ? toServedVersion(served, event.object) : undefined);
        return write('', framed);
      }
      write(lineFor(event.type, event.object, event));
      return;
    }
    const now = event.type !== 'DELETED' && matches(event.object);
    const before = event.type === 'MODIFIED' ? matches(event.previous) : event.type === 'DELETED' ? matches(event.object) : false;
    if (event.type === 'ADDED' && now) write(lineFor('ADDED', event.object, event));
    else if (event.type === 'DELETED' && before) write(lineFor('DELETED', event.object, event));
    else if (event.type === 'MODIFIED') {
      if (now && before) write(lineFor('MODIFIED', event.object, event));
      else if (now) write(lineFor('ADDED', event.object));
      else if (before) write(lineFor('DELETED', event.object));
    }
  };

  const bookmark = (revision: number, initialEventsEnd = false) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(revision) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: served.kind, apiVersion, metadata } })}\n`);
  };

  let stopWatch: (() => void) | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const close = () => {
    if (!open) return;
    open = false;
    stopWatch?.();
    clearTimeout(timeoutTimer);
    clearInterval(bookmarkTimer);
    core.streams.delete(close);
    if (!res.writableEnded) res.end();
  };

  let errorLine: string | undefined;
  try {
    const watch = await store.watch(info.namespace, queryString(query, 'resourceVersion'), onEvent, { sendInitialEvents });
    stopWatch = watch.stop;
    if (sendInitialEvents && bookmarks) bookmark(watch.initialRevision, true);
  } catch (error) {
    // Kubernetes reports an expired resourceVersion as an ERROR event on a 200 stream.
    if (!(error instanceof StatusError)) throw error;
    errorLine = `${JSON.stringify({ type: 'ERROR', object: error.toStatus() })}\n`;
  }

  reply.hijack();
  res.writeHead(200, {
    'Content-Type': shape.shape === 'table' ? `application/json;as=Table;v=${tableVersion};g=meta.k8s.io` : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  started = true;
  // HTTP/1.1 with the chunked encoding set above (k2 serves no HTTP/2); anything else keeps ServerResponse's writes.
  if (request.raw.httpVersionMajor === 1 && (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding && res.socket) socket = res.socket;
  if (errorLine) {
    res.end(errorLine);
    return;
  }
  if (pending.length) write(pending.join(''));
  pending.length = 0;
  core.streams.add(close);
  res.on('close', close);
  timeoutTimer = setTimeout(close, timeoutSeconds * 1000);
  if (bookmarks) bookmarkTimer = setInterval(() => bookmark(core.cache.revision), bookmarkIntervalMs);
}
