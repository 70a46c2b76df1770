// HTTP/1.1 upgrade plumbing shared by exec, attach and port-forward: protocol negotiation, the 101 answer,
// refusing an upgrade with a Status body (kubectl then falls back from WebSocket to SPDY), and WebSocket
// accepts for subprotocols the `ws` package would refuse.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export const maxWebSocketPayload = 32 * 1024 * 1024;

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3.1');
}

/** Every value of a comma-separated header that may also be repeated (Node joins repeats with ", "). */
export function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name.toLowerCase()];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The first protocol the client offers that the server supports, as the kubelet negotiates. */
export function negotiate(offered: string[], supported: readonly string[]): string | undefined {
  return offered.find((protocol) => supported.includes(protocol));
}

/** Answers an upgrade request with an error Status instead of 101, and closes the socket. */
export function refuseUpgrade(socket: Duplex, code: number, reason: string, message: string): void {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  const statusText = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[code] ?? 'Error';
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${code} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  } else socket.destroy();
}

/** Writes the SPDY 101 and hands back the socket with any bytes that came with the request put back in front. */
export function acceptSpdy(socket: Duplex, head: Buffer, protocol: string | undefined): Duplex {
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      (protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : '') +
      '\r\n',
  );
  if (head.length) socket.unshift(head);
  return socket;
}

const chosenProtocol = new WeakMap<IncomingMessage, string>();
const untokenProtocol = new WeakSet<IncomingMessage>();
const webSockets = new WebSocketServer({
  noServer: true,
  maxPayload: maxWebSocketPayload,
  perMessageDeflate: false,
  handleProtocols: (_offered, req) => chosenProtocol.get(req) ?? false,
});
// `ws` accepts only RFC token characters in subprotocols; `SPDY/3.1+portforward.k8s.io` has '/' and '+'. Such a
// request has its header removed before ws parses it, and the chosen protocol is added to the 101 here.
webSockets.on('headers', (headers: string[], req: IncomingMessage) => {
  if (untokenProtocol.has(req)) headers.push(`Sec-WebSocket-Protocol: ${chosenProtocol.get(req)}`);
});

/** Completes a WebSocket handshake with `protocol` as the subprotocol. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  chosenProtocol.set(req, protocol);
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(protocol)) {
    delete req.headers['sec-websocket-protocol'];
    untokenProtocol.add(req);
  }
  return new Promise((resolve) => webSockets.handleUpgrade(req, socket, head, resolve));
}
