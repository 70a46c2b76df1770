// A SPDY/3.1 session of k2's own: the framing kubectl (and the kubelet streaming servers of container runtimes)
// speak for exec, attach and port-forward. Only what those need: SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS,
// PING, GOAWAY, HEADERS, WINDOW_UPDATE and DATA frames, and zlib-compressed header blocks with the SPDY/3
// dictionary (one inflate and one deflate stream per connection, a sync flush per block). Flow control is not
// enforced, as the Go implementation kubectl uses (spdystream) does not enforce it either.
// No npm SPDY package works here: spdy-transport insists on HTTP's :method/:path pseudo-headers.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

const version = 3;
const enum FrameType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}
const flagFin = 0x01;
const maxDataFrame = 64 * 1024;
/** RST_STREAM status codes. */
export const RstStatus = { protocolError: 1, invalidStream: 2, refusedStream: 3, cancel: 5, internalError: 6, streamInUse: 8, streamAlreadyClosed: 9 } as const;

// The SPDY/3 header compression dictionary (draft 3, §2.6.10.1): these words, each prefixed with its length as
// a 32-bit big-endian number, then the tail as it is.
const dictionaryWords = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
  'keep-alive', 'origin',
];
const dictionaryTail =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const spdy3Dictionary: Buffer = Buffer.concat([
  ...dictionaryWords.map((word) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(word.length);
    return Buffer.concat([length, Buffer.from(word, 'latin1')]);
  }),
  Buffer.from(dictionaryTail, 'latin1'),
]);

export type SpdyHeaders = Record<string, string>;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const [name, value] of entries) {
    for (const text of [name.toLowerCase(), value]) {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      parts.push(length, bytes);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  let offset = 0;
  const read = () => {
    if (offset + 4 > block.length) throw new Error('truncated SPDY header block');
    const length = block.readUInt32BE(offset);
    offset += 4;
    if (offset + length > block.length) throw new Error('truncated SPDY header block');
    const text = block.toString('utf8', offset, offset + length);
    offset += length;
    return text;
  };
  if (block.length < 4) throw new Error('truncated SPDY header block');
  const count = block.readUInt32BE(0);
  offset = 4;
  for (let i = 0; i < count; i++) {
    const name = read().toLowerCase();
    // Several values of one name are NUL-separated; k2's peers send one.
    headers[name] = read().split('\0').join(',');
  }
  return headers;
}

/** One persistent zlib stream, fed a block at a time with a sync flush: SPDY's header compression context. */
class ZlibContext {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly stream: zlib.Deflate | zlib.Inflate) {
    stream.on('error', () => {}); // surfaced through process()
  }

  process(block: Buffer): Promise<Buffer> {
    const result = this.queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const onData = (chunk: Buffer) => chunks.push(chunk);
          const onError = (error: Error) => {
            this.stream.off('data', onData);
            reject(error);
          };
          this.stream.on('data', onData);
          this.stream.once('error', onError);
          this.stream.write(block);
          this.stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            this.stream.off('data', onData);
            this.stream.off('error', onError);
            resolve(Buffer.concat(chunks));
          });
        }),
    );
    this.queue = result.catch(() => {});
    return result;
  }

  close(): void {
    this.stream.close();
  }
}

/**
 * One SPDY stream: a Duplex whose writes become DATA frames (end() sends FIN) and whose readable side ends when
 * the peer sends FIN. `headers` are those of the SYN_STREAM that opened it.
 */
export class SpdyStream extends Duplex {
  remoteClosed = false;
  localClosed = false;
  private replied = false;
  private replyWaiters: Array<(error?: Error) => void> = [];

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
  }

  /** Accepts a peer-opened stream (SYN_REPLY). */
  reply(headers: SpdyHeaders = {}): Promise<void> {
    return this.session.sendSynReply(this.id, headers);
  }

  /** Resolves when the peer has replied to a stream this side opened. */
  whenReplied(): Promise<void> {
    if (this.replied) return Promise.resolve();
    return new Promise((resolve, reject) => this.replyWaiters.push((error) => (error ? reject(error) : resolve())));
  }

  /** Abandons the stream (RST_STREAM CANCEL). */
  reset(status: number = RstStatus.cancel): void {
    if (!this.destroyed) this.session.sendRst(this.id, status);
    this.destroy();
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.localClosed = true;
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => {
      callback();
      this.session.maybeForget(this);
    }, callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.session.forget(this.id);
    for (const waiter of this.replyWaiters.splice(0)) waiter(error ?? new Error('SPDY stream closed before the reply'));
    callback(error);
  }

  /** Called by the session. */
  onReply(): void {
    this.replied = true;
    for (const waiter of this.replyWaiters.splice(0)) waiter();
  }

  /** Called by the session. */
  onRemoteFin(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.session.maybeForget(this);
  }
}

export interface SpdySessionOptions {
  /** Server sessions accept odd (client-opened) stream ids and open even ones; clients the other way round. */
  role: 'server' | 'client';
}

/**
 * A SPDY/3.1 session over any byte stream (a socket after the 101, or a WebSocket turned into a Duplex).
 * Emits `stream` for each stream the peer opens, `close` once the transport is gone, `error` for protocol errors
 * (after which the session is closed).
 */
export class SpdySession extends EventEmitter {
  private input: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate = new ZlibContext(zlib.createInflate({ dictionary: spdy3Dictionary }));
  private readonly deflate = new ZlibContext(zlib.createDeflate({ dictionary: spdy3Dictionary }));
  /** Frames in and out are handled strictly in order; header (de)compression is asynchronous. */
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private nextStreamId: number;
  private lastPeerStreamId = 0;
  closed = false;

  constructor(
    private readonly transport: Duplex,
    readonly options: SpdySessionOptions,
  ) {
    super();
    this.nextStreamId = options.role === 'client' ? 1 : 2;
    transport.on('data', (chunk: Buffer) => this.onData(chunk));
    // Frames still being handled (header inflation is asynchronous) are delivered before the session closes.
    const closeAfterInbound = () => void this.inbound.then(() => this.close());
    transport.on('end', closeAfterInbound);
    transport.on('close', closeAfterInbound);
    transport.on('error', () => this.close());
  }

  private onData(chunk: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
    while (this.input.length >= 8) {
      const length = this.input.readUInt32BE(4) & 0xffffff;
      if (this.input.length < 8 + length) break;
      const frame = this.input.subarray(0, 8 + length);
      this.input = this.input.subarray(8 + length);
      this.inbound = this.inbound.then(() => this.handleFrame(frame)).catch((error: Error) => this.fail(error));
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.emit('error', error);
    this.close();
  }

  private async handleFrame(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = frame[4]!;
    const payload = frame.subarray(8);
    if (!(frame[0]! & 0x80)) {
      const id = frame.readUInt32BE(0) & 0x7fffffff;
      const stream = this.streams.get(id);
      if (!stream) return; // data for a stream already reset or forgotten
      if (payload.length && !stream.remoteClosed) stream.push(Buffer.from(payload));
      if (flags & flagFin) stream.onRemoteFin();
      return;
    }
    const frameVersion = frame.readUInt16BE(0) & 0x7fff;
    if (frameVersion !== version) throw new Error(`SPDY version ${frameVersion} is not supported (want 3)`);
    const type = frame.readUInt16BE(2);
    switch (type) {
      case FrameType.SynStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflate.process(payload.subarray(10)));
        if (this.streams.has(id) || id <= this.lastPeerStreamId) {
          this.sendRst(id, RstStatus.protocolError);
          return;
        }
        this.lastPeerStreamId = id;
        const stream = new SpdyStream(this, id, headers);
        this.streams.set(id, stream);
        if (flags & flagFin) stream.onRemoteFin();
        this.emit('stream', stream);
        return;
      }
      case FrameType.SynReply: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        await this.inflate.process(payload.subarray(4));
        const stream = this.streams.get(id);
        if (!stream) return;
        stream.onReply();
        if (flags & flagFin) stream.onRemoteFin();
        return;
      }
      case FrameType.Headers: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        await this.inflate.process(payload.subarray(4)); // keep the compression context in step
        if (flags & flagFin) this.streams.get(id)?.onRemoteFin();
        return;
      }
      case FrameType.RstStream: {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        this.streams.get(id)?.destroy();
        return;
      }
      case FrameType.Ping: {
        // Echo the peer's pings (odd ids from clients, even from servers); ignore answers to our own.
        const id = payload.readUInt32BE(0);
        if ((id % 2 === 1) === (this.options.role === 'server')) this.writeControl(FrameType.Ping, 0, payload.subarray(0, 4));
        return;
      }
      case FrameType.GoAway:
        return; // the peer opens no more streams; those open finish, and its closing the transport ends the session
      case FrameType.Settings:
      case FrameType.WindowUpdate:
      default:
        return; // no flow control (see the top of the file); unknown control frames are ignored, as SPDY says
    }
  }

  private writeControl(type: FrameType, flags: number, payload: Buffer): Promise<void> {
    return this.enqueue(async () => frameBytes(type, flags, payload));
  }

  /** Serialises outbound frames; `build` may compress headers. Resolves once the frame is handed to the transport. */
  private enqueue(build: () => Promise<Buffer>): Promise<void> {
    const sent = this.outbound.then(async () => {
      if (this.closed) throw new Error('SPDY session is closed');
      const bytes = await build();
      if (this.closed) throw new Error('SPDY session is closed');
      await new Promise<void>((resolve, reject) => {
        const ok = this.transport.write(bytes, (error) => (error ? reject(error) : undefined));
        if (ok) resolve();
        else this.transport.once('drain', resolve);
      });
    });
    this.outbound = sent.catch(() => {});
    return sent;
  }

  sendSynReply(id: number, headers: SpdyHeaders): Promise<void> {
    return this.enqueue(async () => {
      const block = await this.deflate.process(encodeHeaderBlock(headers));
      const payload = Buffer.alloc(4 + block.length);
      payload.writeUInt32BE(id, 0);
      block.copy(payload, 4);
      return frameBytes(FrameType.SynReply, 0, payload);
    });
  }

  /** Opens a stream to the peer and waits for its SYN_REPLY. */
  async openStream(headers: SpdyHeaders, options: { replyTimeoutMs?: number } = {}): Promise<SpdyStream> {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new SpdyStream(this, id, headers);
    this.streams.set(id, stream);
    await this.enqueue(async () => {
      const block = await this.deflate.process(encodeHeaderBlock(headers));
      const payload = Buffer.alloc(10 + block.length);
      payload.writeUInt32BE(id, 0);
      payload.writeUInt32BE(0, 4); // not associated with another stream
      payload.writeUInt16BE(0, 8); // priority 0, slot 0
      block.copy(payload, 10);
      return frameBytes(FrameType.SynStream, 0, payload);
    });
    const timeout = options.replyTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        stream.whenReplied(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no SYN_REPLY to SPDY stream ${id} within ${timeout} ms`)), timeout))),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return stream;
  }

  sendData(id: number, data: Buffer, fin: boolean): Promise<void> {
    if (!fin && data.length === 0) return Promise.resolve();
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < data.length; offset += maxDataFrame) chunks.push(data.subarray(offset, offset + maxDataFrame));
    if (!chunks.length) chunks.push(Buffer.alloc(0));
    let last: Promise<void> = Promise.resolve();
    chunks.forEach((chunk, i) => {
      last = this.enqueue(async () => {
        const header = Buffer.alloc(8);
        header.writeUInt32BE(id & 0x7fffffff, 0);
        header.writeUInt32BE(((fin && i === chunks.length - 1 ? flagFin : 0) << 24) | chunk.length, 4);
        return Buffer.concat([header, chunk]);
      });
    });
    return last;
  }

  sendRst(id: number, status: number): void {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(id & 0x7fffffff, 0);
    payload.writeUInt32BE(status, 4);
    this.writeControl(FrameType.RstStream, 0, payload).catch(() => {});
  }

  /** Drops a stream from the table once both directions are closed. */
  maybeForget(stream: SpdyStream): void {
    if (stream.remoteClosed && stream.localClosed) this.streams.delete(stream.id);
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  /**
   * Sends GOAWAY after the frames already queued, ends the transport once they are written, and closes the
   * session when the peer closes its side (or after `lingerMs`).
   */
  async goAway(lingerMs = 5000): Promise<void> {
    if (this.closed) return;
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(this.lastPeerStreamId, 0);
    payload.writeUInt32BE(0, 4);
    await this.writeControl(FrameType.GoAway, 0, payload).catch(() => {});
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.close();
        resolve();
      }, lingerMs);
      timer.unref();
      this.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.transport.end();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    if (!this.transport.destroyed) this.transport.destroy();
    this.emit('close');
  }
}

function frameBytes(type: FrameType, flags: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(0x8000 | version, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([header, payload]);
}
