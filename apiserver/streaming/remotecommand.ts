// exec and attach on the wire (remotecommand), server side: SPDY/3.1 with the channel protocols
// channel.k8s.io … v5.channel.k8s.io, and WebSocket with v5.channel.k8s.io / v4.channel.k8s.io.
//
// SPDY: the client opens one stream per channel (header `streamtype`: error, stdin, stdout, stderr, resize);
// the server replies to each, runs the process once the expected ones are there, and reports the end on the error
// stream (v4+: a Status JSON; before: the error text). WebSocket: binary messages whose first byte is the channel
// (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5 adds 255 = "close the channel in the next byte").
import type { IncomingMessage } from 'node:http';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { SpdySession, type SpdyStream } from './spdy.ts';
import { exitStatus, TerminalSizeQueue, type ExecRequest, type ExitResult, type ProcessIO, type StreamTarget } from './target.ts';
import { acceptSpdy, acceptWebSocket, headerValues, isWebSocketUpgrade, negotiate, refuseUpgrade } from './upgrade.ts';

export const spdyRemoteCommandProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;
export const webSocketRemoteCommandProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** How long the client has to open every stream it asked for (the kubelet's streamCreationTimeout). */
const streamCreationTimeoutMs = 30_000;

export interface RemoteCommandOptions {
  kind: 'exec' | 'attach';
  request: ExecRequest;
  target: StreamTarget;
}

/**
 * Serves an exec or attach upgrade (the `upgrade` event of the HTTP server, after authentication and
 * authorization): WebSocket when the client asks for it and offers a protocol k2 speaks, else SPDY.
 * Resolves once the session is over.
 */
export async function handleExecUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, options: RemoteCommandOptions): Promise<void> {
  if (isWebSocketUpgrade(req)) {
    const protocol = negotiate(headerValues(req, 'sec-websocket-protocol'), webSocketRemoteCommandProtocols);
    if (!protocol) {
      // Any non-101 makes kubectl 1.30+ retry with SPDY.
      return refuseUpgrade(socket, 400, 'BadRequest', `unsupported WebSocket subprotocols; supported: ${webSocketRemoteCommandProtocols.join(', ')}`);
    }
    const ws = await acceptWebSocket(req, socket, head, protocol);
    return serveWebSocket(ws, protocol, options);
  }
  const offered = headerValues(req, 'x-stream-protocol-version');
  const protocol = offered.length ? negotiate(offered, spdyRemoteCommandProtocols) : 'channel.k8s.io';
  if (!protocol) {
    return refuseUpgrade(socket, 403, 'Forbidden', `unable to upgrade: no common remotecommand protocol; supported: ${spdyRemoteCommandProtocols.join(', ')}`);
  }
  const session = new SpdySession(acceptSpdy(socket, head, offered.length ? protocol : undefined), { role: 'server' });
  return serveSpdy(session, protocol, options);
}

function protocolVersion(protocol: string): number {
  const match = /^v(\d+)\./.exec(protocol);
  return match ? Number(match[1]) : 1;
}

async function serveSpdy(session: SpdySession, protocol: string, { kind, request, target }: RemoteCommandOptions): Promise<void> {
  const version = protocolVersion(protocol);
  const wanted = new Set(['error']);
  if (request.stdin) wanted.add('stdin');
  if (request.stdout) wanted.add('stdout');
  if (request.stderr && !request.tty) wanted.add('stderr');
  if (request.tty && version >= 3) wanted.add('resize');

  const streams = new Map<string, SpdyStream>();
  const abort = new AbortController();
  session.on('close', () => abort.abort());
  session.on('error', () => abort.abort());
  const sizes = new TerminalSizeQueue();
  abort.signal.addEventListener('abort', () => sizes.end());

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for the client to open streams ${[...wanted].filter((w) => !streams.has(w)).join(', ')}`)), streamCreationTimeoutMs);
    const check = () => {
      if ([...wanted].every((type) => streams.has(type))) {
        clearTimeout(timer);
        resolve();
      }
    };
    session.on('stream', (stream: SpdyStream) => {
      const type = stream.headers['streamtype'] ?? '';
      stream.on('error', () => {});
      void stream.reply().catch(() => {});
      if (streams.has(type) || !['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
        stream.reset();
        return;
      }
      streams.set(type, stream);
      if (type === 'resize') {
        const feed = sizes.parser();
        stream.on('data', feed);
      }
      check();
    });
    session.on('close', () => {
      clearTimeout(timer);
      reject(new Error('client closed the connection before opening its streams'));
    });
  });
  try {
    await ready;
  } catch {
    session.close();
    return;
  }

  const stdin = streams.get('stdin');
  const stdout = streams.get('stdout');
  const stderr = streams.get('stderr');
  const errorStream = streams.get('error')!;
  // The client never writes on stdout/stderr/error; drain them so their FIN is seen.
  for (const s of [stdout, stderr, errorStream]) s?.resume();
  const io: ProcessIO = {
    stdin,
    stdout,
    stderr,
    resizes: streams.has('resize') ? sizes : undefined,
    signal: abort.signal,
  };
  let result: ExitResult | Error;
  try {
    result = kind === 'exec' ? await target.exec(request, io) : await target.attach(request, io);
  } catch (error) {
    result = error as Error;
  }
  sizes.end();
  if (!session.closed) {
    await Promise.all([stdout, stderr].map((s) => endStream(s)));
    if (version >= 4) errorStream.write(JSON.stringify(exitStatus(result, request.command)));
    else if (result instanceof Error) errorStream.write(result.message);
    else if (result.exitCode !== 0) errorStream.write(String(exitStatus(result, request.command)['message']));
    await endStream(errorStream);
    stdin?.destroy();
    streams.get('resize')?.destroy();
    await session.goAway();
  }
}

function endStream(stream: Writable | undefined): Promise<void> {
  if (!stream || stream.writableFinished || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.end(() => resolve());
  });
}

const enum Channel {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  Error = 3,
  Resize = 4,
  Close = 255,
}

/** A Writable that sends each chunk as one WebSocket binary message prefixed with `channel`. */
function channelWriter(ws: WebSocket, channel: Channel): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) return callback();
      ws.send(Buffer.concat([Buffer.of(channel), chunk]), { binary: true }, () => callback());
    },
  });
}

async function serveWebSocket(ws: WebSocket, protocol: string, { kind, request, target }: RemoteCommandOptions): Promise<void> {
  const abort = new AbortController();
  const sizes = new TerminalSizeQueue();
  const stdin = request.stdin ? new PassThrough() : undefined;
  const feedSize = sizes.parser();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const payload = data.subarray(1);
    switch (data[0]) {
      case Channel.Stdin:
        if (stdin && !stdin.writableEnded) stdin.write(payload);
        break;
      case Channel.Resize:
        feedSize(payload);
        break;
      case Channel.Close:
        if (protocol.startsWith('v5.') && payload[0] === Channel.Stdin) stdin?.end();
        break;
    }
  });
  ws.on('close', () => {
    abort.abort();
    sizes.end();
    if (stdin && !stdin.writableEnded) stdin.end();
  });
  ws.on('error', () => abort.abort());
  const stdout = request.stdout ? channelWriter(ws, Channel.Stdout) : undefined;
  const stderr = request.stderr && !request.tty ? channelWriter(ws, Channel.Stderr) : undefined;
  let result: ExitResult | Error;
  try {
    const io: ProcessIO = { stdin, stdout, stderr, resizes: request.tty ? sizes : undefined, signal: abort.signal };
    result = kind === 'exec' ? await target.exec(request, io) : await target.attach(request, io);
  } catch (error) {
    result = error as Error;
  }
  sizes.end();
  await Promise.all([stdout, stderr].map((s) => endStream(s)));
  if (ws.readyState === ws.OPEN) {
    ws.send(Buffer.concat([Buffer.of(Channel.Error), Buffer.from(JSON.stringify(exitStatus(result, request.command)))]), { binary: true });
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(1000);
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 5000).unref();
    });
  }
}
