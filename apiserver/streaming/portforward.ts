// port-forward on the wire, server side: SPDY/3.1 with protocol `portforward.k8s.io` (kubectl ≤ 1.30, and the
// fallback of later ones), and the same SPDY session tunnelled in WebSocket binary messages with subprotocol
// `SPDY/3.1+portforward.k8s.io` (kubectl 1.31+). For each local connection the client opens a pair of streams,
// `streamtype: error` and `streamtype: data`, both with headers `port` and `requestid`; the data stream is piped
// to a TCP connection to that port in the pod, and failures are written as text on the error stream.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream } from 'ws';
import { SpdySession, type SpdyStream } from './spdy.ts';
import type { StreamTarget } from './target.ts';
import { acceptSpdy, acceptWebSocket, headerValues, isWebSocketUpgrade, negotiate, refuseUpgrade } from './upgrade.ts';

export const portForwardProtocol = 'portforward.k8s.io';
export const tunnelledPortForwardProtocol = 'SPDY/3.1+portforward.k8s.io';

export async function handlePortForwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: StreamTarget): Promise<void> {
  let transport: Duplex;
  if (isWebSocketUpgrade(req)) {
    if (!negotiate(headerValues(req, 'sec-websocket-protocol'), [tunnelledPortForwardProtocol])) {
      return refuseUpgrade(socket, 400, 'BadRequest', `unsupported WebSocket subprotocols; supported: ${tunnelledPortForwardProtocol}`);
    }
    const ws = await acceptWebSocket(req, socket, head, tunnelledPortForwardProtocol);
    transport = createWebSocketStream(ws, { allowHalfOpen: false });
  } else {
    const offered = headerValues(req, 'x-stream-protocol-version');
    if (!negotiate(offered, [portForwardProtocol])) {
      return refuseUpgrade(socket, 403, 'Forbidden', `unable to upgrade: port-forward needs protocol ${portForwardProtocol}`);
    }
    transport = acceptSpdy(socket, head, portForwardProtocol);
  }
  return servePortForward(new SpdySession(transport, { role: 'server' }), target);
}

interface StreamPair {
  error?: SpdyStream;
  data?: SpdyStream;
  started: boolean;
}

function servePortForward(session: SpdySession, target: StreamTarget): Promise<void> {
  const abort = new AbortController();
  const pairs = new Map<string, StreamPair>();
  let anonymous = 0;
  session.on('stream', (stream: SpdyStream) => {
    stream.on('error', () => {});
    void stream.reply().catch(() => {});
    const type = stream.headers['streamtype'];
    // Clients before requestid existed sent the error stream, then the data stream, for one port at a time.
    const id = stream.headers['requestid'] ?? String(type === 'error' ? ++anonymous : anonymous);
    if (type !== 'error' && type !== 'data') return stream.reset();
    const pair = pairs.get(id) ?? { started: false };
    pairs.set(id, pair);
    if (pair[type]) return stream.reset();
    pair[type] = stream;
    if (type === 'error') stream.resume(); // the client does not write on it
    if (pair.error && pair.data && !pair.started) {
      pair.started = true;
      void forward(pair.data, pair.error, stream.headers['port'] ?? '', target, abort.signal).finally(() => pairs.delete(id));
    }
  });
  return new Promise((resolve) => {
    session.on('error', () => {});
    session.on('close', () => {
      abort.abort();
      resolve();
    });
  });
}

async function forward(data: SpdyStream, errorStream: SpdyStream, portHeader: string, target: StreamTarget, signal: AbortSignal): Promise<void> {
  const port = Number(portHeader);
  const fail = (message: string) => {
    if (!errorStream.destroyed) errorStream.end(message);
    data.end();
  };
  if (!/^\d+$/.test(portHeader) || port < 1 || port > 65535) return fail(`invalid port "${portHeader}"`);
  let connection: Duplex;
  try {
    connection = await target.portForward(port, signal);
  } catch (error) {
    return fail(`error forwarding port ${port}: ${(error as Error).message}`);
  }
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (!data.destroyed && !data.writableEnded) data.end();
      if (!errorStream.destroyed && !errorStream.writableEnded) errorStream.end();
      resolve();
    };
    connection.on('error', (error) => {
      // The runtime's own message already says "error forwarding port …"; pass it on as it is.
      if (!errorStream.destroyed && !errorStream.writableEnded) errorStream.write(error.message);
      connection.destroy();
      finish();
    });
    // Client → pod; the client's FIN half-closes the pod connection.
    data.pipe(connection);
    // Pod → client; the pod closing ends the data stream.
    connection.on('data', (chunk: Buffer) => {
      if (!data.destroyed && !data.writableEnded) data.write(chunk);
    });
    connection.on('end', finish);
    connection.on('close', finish);
    data.on('close', () => {
      connection.destroy();
      finish();
    });
    signal.addEventListener('abort', () => {
      connection.destroy();
      finish();
    });
  });
}
