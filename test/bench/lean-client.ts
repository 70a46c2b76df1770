// A lean HTTPS/1.1 load generator: one keep-alive TLS connection per concurrent client, one request at a
// time on it, replies read by Content-Length (or chunked). The benchmark client shares this 2-core machine
// with the server; node:https spends ~3× the CPU per request (agent lookup, ClientRequest and stream
// objects), which the server then cannot use. Go clients (kubectl, client-go) are lean like this one.
import { connect, type TLSSocket } from 'node:tls';
import type { Client } from './api.ts';

export interface Reply {
  status: number;
  text: string;
}

export class LeanConnection {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed before the reply can be complete (known once its head is read): fewer, and there is no point in joining chunks. */
  private needed = 0;
  private waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: TLSSocket,
    private readonly host: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      if (this.size >= this.needed) this.deliver();
    });
    const fail = (error: Error) => {
      this.failure = error;
      this.waiting?.reject(error);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(client: Client): Promise<LeanConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: client.host, port: client.port, ca: client.ca, cert: client.cert, key: client.key, ALPNProtocols: ['http/1.1'], servername: 'localhost' }, () => {
        socket.setNoDelay(true);
        resolve(new LeanConnection(socket, `${client.host}:${client.port}`));
      });
      socket.once('error', reject);
    });
  }

  request(method: string, path: string, body?: string): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('one request at a time on a connection'));
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.host}\r\nAccept: application/json\r\nUser-Agent: k2-bench\r\n` +
      (body === undefined ? '\r\n' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(body === undefined ? head : head + body);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(): void {
    if (!this.waiting) return;
    const data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [data];
    const headEnd = data.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = data.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body: Buffer;
    let rest: Buffer;
    if (length) {
      const end = headEnd + 4 + Number(length[1]);
      if (data.length < end) {
        this.needed = end;
        return;
      }
      body = data.subarray(headEnd + 4, end);
      rest = data.subarray(end);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const chunks: Buffer[] = [];
      let at = headEnd + 4;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(data.toString('latin1', at, lineEnd), 16);
        if (data.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          at = lineEnd + 4;
          break;
        }
        chunks.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(chunks);
      rest = data.subarray(at);
    } else {
      this.waiting.reject(new Error(`reply without a length: ${head.split('\r\n')[0]}`));
      this.waiting = undefined;
      return;
    }
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    this.needed = 0;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ status, text: body.toString() });
  }
}

/**
 * A lean watch: one TLS connection, a GET with `watch=1`, and `onLine` for each newline-terminated line of the
 * chunked body as it arrives (with the time its bytes arrived). The chunk framing is dropped by taking only what
 * lies between a chunk's size line and the next: the server writes one event per chunk.
 */
export class LeanWatch {
  private pending = '';
  private headDone = false;

  private constructor(
    private readonly socket: TLSSocket,
    onLine: (line: string, receivedAt: number) => void,
    onStatus: (status: number) => void,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      const now = performance.now();
      this.pending += text;
      if (!this.headDone) {
        const headEnd = this.pending.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        onStatus(Number(this.pending.slice(9, 12)));
        this.headDone = true;
        this.pending = this.pending.slice(headEnd + 4);
      }
      let newline: number;
      while ((newline = this.pending.indexOf('\n')) >= 0) {
        // Not a regular expression: on the benchmark's machine, its client's CPU is the server's too.
        const end = newline > 0 && this.pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        const line = this.pending.slice(0, end);
        this.pending = this.pending.slice(newline + 1);
        if (line && !/^[0-9a-f]+$/i.test(line)) onLine(line, now);
      }
    });
  }

  static open(client: Client, path: string, onLine: (line: string, receivedAt: number) => void): Promise<LeanWatch> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: client.host, port: client.port, ca: client.ca, cert: client.cert, key: client.key, ALPNProtocols: ['http/1.1'], servername: 'localhost' }, () => {
        socket.setNoDelay(true);
        const watch = new LeanWatch(socket, onLine, (status) => {
          if (status === 200) resolve(watch);
          else reject(new Error(`watch answered ${status}`));
        });
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${client.host}:${client.port}\r\nAccept: application/json\r\nUser-Agent: k2-bench\r\n\r\n`);
      });
      socket.once('error', reject);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
