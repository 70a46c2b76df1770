// A remote node's own HTTPS endpoint (the kubelet's port 10250): the API server calls it, with a client certificate
// the cluster CA signed for the API server, for container logs, exec/attach/port-forward upgrades and metrics of
// the node's pods. Paths follow the kubelet's: /containerLogs/<ns>/<pod>/<container>, /exec|attach/<ns>/<pod>/
// <container>, /portForward/<ns>/<pod>, plus /metrics/pods and /metrics/node (metrics.k8s.io items), and the
// kubelet's read-only paths the API server's `nodes/proxy` reaches (/pods, /stats/summary, /metrics…).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Writable, type Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { NodeEndpoint, StreamKind } from '../apiserver/nodes/node-endpoint.ts';
import { refuseUpgrade } from '../apiserver/streaming/upgrade.ts';

/** The identity the API server calls nodes with (its kubelet-client certificate). */
import { apiserverKubeletClient } from '../apiserver/pki.ts';

export interface NodeServerOptions {
  caPem: string;
  certPem: string;
  keyPem: string;
  host: string;
  port: number;
  /** The node's endpoint once the agent runs (undefined before: requests get 503). */
  endpoint: () => NodeEndpoint | undefined;
  log: Logger;
}

function authorized(socket: TLSSocket): boolean {
  if (!socket.authorized) return false;
  const subject = socket.getPeerCertificate()?.subject;
  const organizations = subject?.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
  return subject?.CN === apiserverKubeletClient.commonName || organizations.includes('system:masters');
}

function fail(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function errorParts(error: unknown): { code: number; reason: string; message: string } {
  const e = error as { code?: unknown; reason?: unknown; message?: string };
  return typeof e.code === 'number' && typeof e.reason === 'string' ? { code: e.code, reason: e.reason, message: e.message ?? '' } : { code: 500, reason: 'InternalError', message: e.message ?? String(error) };
}

const integer = (value: string | null) => (value === null || value === '' ? undefined : Number(value));

export class NodeServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: NodeServerOptions): Promise<NodeServer> {
    const server = createServer({ key: options.keyPem, cert: options.certPem, ca: options.caPem, requestCert: true, rejectUnauthorized: true });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void NodeServer.serve(options, req, res).catch((error: unknown) => {
        const { code, reason, message } = errorParts(error);
        if (!res.headersSent) fail(res, code, reason, message);
        else res.destroy();
      });
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {});
      void NodeServer.upgrade(options, req, socket, head).catch((error: unknown) => {
        const { code, reason, message } = errorParts(error);
        refuseUpgrade(socket, code, reason, message);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    const address = server.address();
    return new NodeServer(server, typeof address === 'object' && address ? address.port : options.port);
  }

  private static endpoint(options: NodeServerOptions, socket: TLSSocket): NodeEndpoint {
    if (!authorized(socket)) throw Object.assign(new Error('only the API server may call the node'), { code: 403, reason: 'Forbidden' });
    const endpoint = options.endpoint();
    if (!endpoint) throw Object.assign(new Error('the node agent is starting'), { code: 503, reason: 'ServiceUnavailable' });
    return endpoint;
  }

  private static async serve(options: NodeServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://node');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    const endpoint = NodeServer.endpoint(options, req.socket as TLSSocket);
    if (req.method === 'GET' && parts[0] === 'containerLogs' && parts.length === 4) {
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const query = url.searchParams;
      const flag = (name: string) => query.get(name) === 'true';
      let started = false;
      const out = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (!started) {
            started = true;
            res.writeHead(200, { 'content-type': 'text/plain' });
          }
          if (res.write(chunk)) callback();
          else res.once('drain', () => callback());
        },
      });
      await endpoint.containerLog(
        { namespace: parts[1]!, name: parts[2]!, uid: query.get('podUID') ?? '' },
        { container: parts[3]!, follow: flag('follow'), previous: flag('previous'), timestamps: flag('timestamps'), tailLines: integer(query.get('tailLines')), sinceSeconds: integer(query.get('sinceSeconds')), sinceTime: query.get('sinceTime') ?? undefined, limitBytes: integer(query.get('limitBytes')), signal: abort.signal },
        out,
      );
      if (!started) res.writeHead(200, { 'content-type': 'text/plain' });
      res.end();
      return;
    }
    if (req.method === 'GET' && parts[0] === 'metrics' && parts[1] === 'pods') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: await endpoint.podMetrics() }));
    if (req.method === 'GET' && parts[0] === 'metrics' && parts[1] === 'node') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ usage: (await endpoint.nodeMetrics()) ?? null }));
    // The kubelet's read-only paths (pods, stats/summary, metrics, metrics/resource, metrics/cadvisor), or its 404.
    const reply = await endpoint.kubeletRead(req.method ?? 'GET', url.pathname);
    res.writeHead(reply.status, { 'content-type': reply.contentType }).end(req.method === 'HEAD' ? undefined : reply.body);
  }

  private static async upgrade(options: NodeServerOptions, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://node');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const kinds: Record<string, StreamKind> = { exec: 'exec', attach: 'attach', portForward: 'portforward' };
    const kind = kinds[parts[0] ?? ''];
    if (!kind || parts.length < (kind === 'portforward' ? 3 : 4)) throw Object.assign(new Error(`${url.pathname} is not a stream the node serves`), { code: 404, reason: 'NotFound' });
    const endpoint = NodeServer.endpoint(options, req.socket as TLSSocket);
    await endpoint.serveUpgrade(kind, { namespace: parts[1]!, name: parts[2]!, uid: url.searchParams.get('podUID') ?? '' }, parts[3] ?? '', req, socket, head);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
