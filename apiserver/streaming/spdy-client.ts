// The client side of a SPDY/3.1 upgrade: what k2 uses to reach a container runtime's streaming server (the URL
// CRI Exec/Attach/PortForward return), and what tests use to speak to k2 as kubectl does.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { SpdySession } from './spdy.ts';

export interface SpdyConnection {
  session: SpdySession;
  /** The protocol the server chose (X-Stream-Protocol-Version). */
  protocol: string;
}

export interface SpdyDialOptions {
  method?: string;
  protocols: string[];
  headers?: Record<string, string>;
  /** For https URLs. */
  tls?: https.RequestOptions;
  timeoutMs?: number;
}

export function dialSpdy(url: string, options: SpdyDialOptions): Promise<SpdyConnection> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(target, {
      method: options.method ?? 'POST',
      headers: {
        connection: 'Upgrade',
        upgrade: 'SPDY/3.1',
        'x-stream-protocol-version': options.protocols,
        'content-length': '0',
        ...options.headers,
      },
      ...(options.tls ?? {}),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no SPDY upgrade from ${target.host} within ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000);
    req.on('upgrade', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      clearTimeout(timer);
      if (head.length) socket.unshift(head);
      const protocol = String(res.headers['x-stream-protocol-version'] ?? '');
      resolve({ session: new SpdySession(socket, { role: 'client' }), protocol });
    });
    req.on('response', (res: http.IncomingMessage) => {
      clearTimeout(timer);
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => reject(new Error(`SPDY upgrade to ${target.host}${target.pathname} refused: ${res.statusCode} ${body.trim()}`)));
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
