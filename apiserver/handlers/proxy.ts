// `pods/proxy` and `services/proxy`: the API server forwards an HTTP request to a pod's port, or to one ready endpoint
// of a Service's port, as kube-apiserver does for URLs such as
// /api/v1/namespaces/<ns>/services/[https:]<name>[:<port>]/proxy/<path> (what `kubectl proxy` users open). The
// server reaches pods over the pod network, as kube-apiserver does: the pods of its own node, and those of nodes
// whose pod addresses it can route to. Upgrades (WebSocket) are passed through both ways once the pod answers; links to
// the pod's own paths in redirects and HTML pages are moved under the proxy path (proxy-rewrite.ts). `nodes/proxy`
// reaches the kubelet paths of a node.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tcpConnect, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { posix } from 'node:path';
import type { ApiCore } from '../core.ts';
import type { KubeletReply, NodeConnector } from '../nodes/node-endpoint.ts';
import { errors } from '../status.ts';
import { rewriteHtmlBody, rewriteProxyUrl, type ProxyUrlContext } from './proxy-rewrite.ts';
import type { ResourceHandlers, ResourceRequest } from './resources.ts';

type Json = Record<string, any>;

/** CORS headers of the pod's answers, which kube-apiserver's proxy removes (the API server's own CORS policy applies). */
const corsHeaders = ['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin'];
/** Hop-by-hop headers, and the caller's credentials, which stay with the API server. */
const droppedRequestHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'authorization', 'content-length']);
/** How long reaching the pod may take (kube-apiserver's proxy dialer: 30 s). */
const dialTimeoutMs = 30_000;
const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', ...corsHeaders]);

/** `[scheme:]name[:port]`, as Kubernetes' SplitSchemeNamePort reads it; undefined when malformed. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || (scheme && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme || 'http', name, port };
}

/** Where a pod proxy request goes: the pod's IP and the port named, or its first container's first port. */
async function podLocation(core: ApiCore, namespace: string, id: string): Promise<{ scheme: string; host: string; port?: string }> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid pod request "${id}"`);
  const pod = await core.storeFor('', 'pods').get(namespace, parsed.name);
  let port = parsed.port;
  if (!port) {
    const withPorts = ((pod.spec as Json | undefined)?.containers as Json[] | undefined)?.find((c) => c.ports?.length);
    if (withPorts) port = String(withPorts.ports[0].containerPort);
  }
  const ip = (pod.status as Json | undefined)?.podIP as string | undefined;
  if (!ip || !isGlobalUnicast(ip)) throw errors.badRequest('address not allowed');
  return { scheme: parsed.scheme, host: ip, port: port || undefined };
}

/** As Go's IP.IsGlobalUnicast: not loopback, link-local (cloud metadata), multicast, broadcast or unspecified. */
function isGlobalUnicast(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return !(a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224);
  }
  if (isIP(ip) !== 6) return false;
  const first = ip.toLowerCase();
  return !(first === '::' || first === '::1' || /^fe[89ab]/.test(first) || first.startsWith('ff'));
}

/** An endpoint address the proxy may use: one of the pod it names (a hand-made Endpoints cannot point it elsewhere). */
async function isPodAddress(core: ApiCore, namespace: string, address: Json): Promise<boolean> {
  const ref = address.targetRef as Json | undefined;
  if (ref?.kind !== 'Pod' || (ref.namespace ?? namespace) !== namespace || !ref.name) return false;
  const pod = await core.storeFor('', 'pods').find(namespace, ref.name as string);
  const status = (pod?.status ?? {}) as Json;
  const ips = [status.podIP, ...((status.podIPs ?? []) as Json[]).map((p) => p.ip)];
  return ips.includes(address.ip);
}

/** Where a service proxy request goes: a ready pod address of a random endpoint subset that has the port. */
async function serviceLocation(core: ApiCore, namespace: string, id: string): Promise<{ scheme: string; host: string; port?: string }> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw errors.badRequest(`invalid service request "${id}"`);
  let portName = parsed.port;
  if (/^\d+$/.test(portName)) {
    const service = await core.storeFor('', 'services').get(namespace, parsed.name);
    const declared = ((service.spec as Json | undefined)?.ports as Json[] | undefined)?.find((p) => p.port === Number(portName));
    if (!declared) throw errors.serviceUnavailable(`no service port ${portName} found for service "${parsed.name}"`);
    portName = declared.name ?? '';
  }
  const endpoints = await core.storeFor('', 'endpoints').find(namespace, parsed.name);
  const subsets = ((endpoints as Json | undefined)?.subsets ?? []) as Json[];
  if (!subsets.length) throw errors.serviceUnavailable(`no endpoints available for service "${parsed.name}"`);
  const start = Math.floor(Math.random() * subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const subset = subsets[(start + i) % subsets.length]!;
    const addresses = (subset.addresses ?? []) as Json[];
    const port = ((subset.ports ?? []) as Json[]).find((p) => (p.name ?? '') === portName);
    if (!addresses.length || !port) continue;
    const first = Math.floor(Math.random() * addresses.length);
    for (let j = 0; j < addresses.length; j++) {
      const address = addresses[(first + j) % addresses.length]!;
      if (await isPodAddress(core, namespace, address)) return { scheme: parsed.scheme, host: address.ip as string, port: String(port.port) };
    }
  }
  throw errors.serviceUnavailable(`no endpoints available for service "${id}"`);
}

function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || droppedRequestHeaders.has(name) || name.startsWith('impersonate-')) continue;
    out[name] = value;
  }
  return out;
}

/** A proxy URL split into the proxy's own prefix (/api/v1/namespaces/<ns>/<resource>/<id>/proxy), the pod's path and the query. */
function splitProxyUrl(url: string, namespaced: boolean): { prefix: string; path: string; query: string } {
  const [rawPath, query] = [url.split('?')[0]!, url.includes('?') ? url.slice(url.indexOf('?')) : ''];
  const segments = rawPath.split('/');
  const prefix = segments.slice(0, segments.indexOf('proxy', namespaced ? 7 : 5) + 1).join('/');
  return { prefix, path: rawPath.slice(prefix.length), query };
}

async function proxy(core: ApiCore, context: ResourceRequest, locate: (namespace: string, id: string) => Promise<{ scheme: string; host: string; port?: string }>): Promise<unknown> {
  const { info, request, reply } = context;
  const { prefix, path, query: rawQuery } = splitProxyUrl(request.url, info.namespace !== undefined);
  const rawPath = `${prefix}${path}`;
  // As kube-apiserver: the root of a proxy without its slash is redirected to it (http://issue.k8s.io/4958).
  if (path === '') return reply.code(301).header('location', `${rawPath}/${rawQuery}`).send();
  const target = await locate(info.namespace!, info.name!);
  const body = Buffer.isBuffer(request.body) ? request.body : typeof request.body === 'string' ? Buffer.from(request.body) : undefined;
  const send = target.scheme === 'https' ? httpsRequest : httpRequest;
  const port = Number(target.port ?? (target.scheme === 'https' ? 443 : 80));
  const where = `${isIP(target.host) === 6 ? `[${target.host}]` : target.host}:${port}`;
  const headers = forwardedHeaders(request.headers);
  if (body?.length) headers['content-length'] = body.length;
  // As kube-apiserver's proxy transport: the pod sees its own address as Host, and where the client asked.
  headers.host = where;
  headers['x-forwarded-uri'] = posix.join(prefix, path); // keeps the path's trailing slash, as kube-apiserver does
  const links: ProxyUrlContext = { prefix, targetHost: where, requestHost: request.headers.host ?? '' };
  return new Promise<unknown>((resolve, reject) => {
    const outgoing = send({ host: target.host, port, method: request.method, path: `${path}${rawQuery}`, headers, rejectUnauthorized: false }, (response) => {
      // The time limit is for reaching the pod; an answer may stream for as long as it likes.
      outgoing.setTimeout(0);
      reply.code(response.statusCode ?? 502);
      const location = response.headers.location;
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined || droppedResponseHeaders.has(name)) continue;
        // A redirect to the pod's own paths stays within the proxy.
        reply.header(name, name === 'location' && typeof value === 'string' ? rewriteProxyUrl(value, links) : value);
      }
      request.raw.once('close', () => response.destroy());
      // Answers without a body (HEAD, 204, 304) keep their headers as they are.
      const bodyless = request.method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304;
      const html = !location && !bodyless && response.headers['content-type']?.split(';')[0]!.trim().toLowerCase() === 'text/html';
      if (!html) return resolve(reply.send(response));
      // A page's links to the pod's own paths are moved under the proxy path too: the page is read whole first.
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const original = Buffer.concat(chunks);
        let page: Buffer | undefined;
        try {
          page = rewriteHtmlBody(original, response.headers['content-encoding'], (url) => rewriteProxyUrl(url, links));
        } catch (error) {
          core.log.debug({ err: error, target: where }, 'could not rewrite the links of a proxied page');
        }
        reply.header('content-length', (page ?? original).length);
        resolve(reply.send(page ?? original));
      });
    });
    outgoing.setTimeout(dialTimeoutMs, () => outgoing.destroy(new Error(`dial tcp ${where}: i/o timeout`)));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'ECONNREFUSED' ? `dial tcp ${where}: connect: connection refused` : error.message;
      core.log.debug({ err: error, target: where }, 'proxy request failed');
      if (!reply.sent) reject(errors.serviceUnavailable(`error trying to reach service: ${reason}`));
    });
    outgoing.end(body);
  });
}

/**
 * An upgrade request (WebSocket) through `pods/proxy` or `services/proxy`, already authorized: the request goes to the
 * pod as it came (without the caller's credentials), and the two connections are joined.
 */
export async function serveProxyUpgrade(core: ApiCore, resource: 'pods' | 'services', namespace: string, id: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const target = await (resource === 'pods' ? podLocation(core, namespace, id) : serviceLocation(core, namespace, id));
  const { path, query } = splitProxyUrl(req.url ?? '/', true);
  const port = Number(target.port ?? (target.scheme === 'https' ? 443 : 80));
  const upstream = target.scheme === 'https' ? tlsConnect({ host: target.host, port, rejectUnauthorized: false }) : tcpConnect(port, target.host);
  const where = `${target.host}:${port}`;
  upstream.setTimeout(dialTimeoutMs, () => upstream.destroy(new Error(`dial tcp ${where}: i/o timeout`)));
  await new Promise<void>((resolve, reject) => {
    upstream.once(target.scheme === 'https' ? 'secureConnect' : 'connect', () => (upstream.setTimeout(0), resolve()));
    upstream.once('error', (error: NodeJS.ErrnoException) => reject(errors.serviceUnavailable(`error trying to reach service: ${error.code === 'ECONNREFUSED' ? `dial tcp ${where}: connect: connection refused` : error.message}`)));
  });
  const headers = Object.entries(forwardedHeaders(req.headers)).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
  upstream.write(`${req.method ?? 'GET'} ${path || '/'}${query} HTTP/1.1\r\nHost: ${where}\r\nConnection: Upgrade\r\nUpgrade: ${req.headers.upgrade ?? 'websocket'}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
  if (head.length) upstream.write(head);
  const close = () => (upstream.destroy(), socket.destroy());
  core.streams.add(close);
  upstream.on('error', close).on('close', close);
  socket.on('error', close).on('close', () => (core.streams.delete(close), upstream.destroy()));
  upstream.pipe(socket);
  socket.pipe(upstream);
}

/**
 * `nodes/proxy`: a request to the node's kubelet endpoint, as kube-apiserver makes it on the kubelet's port. k2's nodes
 * answer the kubelet's read-only paths (/healthz, /pods, /stats/summary, /metrics, /metrics/resource,
 * /metrics/cadvisor): the server's own node in process, a remote agent on its HTTPS endpoint.
 */
async function nodeProxy(core: ApiCore, connector: NodeConnector, context: ResourceRequest): Promise<unknown> {
  const { info, request, reply } = context;
  const { prefix, path, query } = splitProxyUrl(request.url, false);
  if (path === '') return reply.code(301).header('location', `${prefix}/${query}`).send();
  const parsed = splitSchemeNamePort(info.name!);
  if (!parsed) throw errors.badRequest(`invalid node request "${info.name}"`);
  await core.storeFor('', 'nodes').get(undefined, parsed.name);
  const endpoint = await connector.endpoint(parsed.name);
  if (!endpoint) throw errors.serviceUnavailable(`error trying to reach service: node ${parsed.name} has no kubelet endpoint`);
  let answer: KubeletReply;
  try {
    answer = await endpoint.kubeletRead(request.method, path);
  } catch (error) {
    throw errors.serviceUnavailable(`error trying to reach service: ${(error as Error).message}`);
  }
  return reply.code(answer.status).header('content-type', answer.contentType).send(request.method === 'HEAD' ? undefined : answer.body);
}

export function registerProxyRoutes(core: ApiCore, handlers: ResourceHandlers, nodes: NodeConnector): void {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    handlers.addHandler('', 'pods', 'proxy', method, (context) => proxy(core, context, (namespace, id) => podLocation(core, namespace, id)));
    handlers.addHandler('', 'services', 'proxy', method, (context) => proxy(core, context, (namespace, id) => serviceLocation(core, namespace, id)));
    handlers.addHandler('', 'nodes', 'proxy', method, (context) => nodeProxy(core, nodes, context));
  }
}

