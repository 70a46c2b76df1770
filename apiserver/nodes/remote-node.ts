// The API server's client of a remote node's HTTPS endpoint (kubelet-bridge/node-server.ts): logs are streamed
// through, upgraded exec/attach/port-forward connections are handed on byte for byte (the node speaks the same
// SPDY and WebSocket protocols the client chose), and metrics are read as JSON. The node's serving certificate is
// verified against the cluster CA; the API server authenticates with its kubelet-client certificate.
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import type { Duplex, Writable } from 'node:stream';
import { connect } from 'node:tls';
import type { KubeObject } from '../registry/types.ts';
import { StreamTargetError } from '../streaming/target.ts';
import { type ContainerLogRequest, type KubeletReply, type NodeConnector, type NodeEndpoint, type PodRef, type StreamKind } from './node-endpoint.ts';

type Json = Record<string, any>;

export interface NodeClientTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Headers that belong to the hop between client and API server, not to the API server → node request. */
const hopHeaders = new Set(['host', 'authorization', 'content-length']);

async function readAll(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function failure(code: number, text: string): StreamTargetError {
  try {
    const status = JSON.parse(text) as { message?: string; reason?: string };
    return new StreamTargetError(status.message ?? text, code, status.reason ?? 'InternalError');
  } catch {
    return new StreamTargetError(text || `the node answered HTTP ${code}`, code >= 500 ? 502 : code);
  }
}

export class RemoteNodeEndpoint implements NodeEndpoint {
  constructor(
    readonly host: string,
    readonly port: number,
    private readonly tls: NodeClientTls,
  ) {}

  private get(path: string, signal?: AbortSignal, method = 'GET'): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, path, method, ca: this.tls.caPem, cert: this.tls.certPem, key: this.tls.keyPem, signal, timeout: 10_000 }, resolve);
      req.on('timeout', () => req.destroy(new StreamTargetError(`node ${this.host}:${this.port} does not answer`, 503, 'ServiceUnavailable')));
      req.on('error', (error) => reject(error instanceof StreamTargetError ? error : new StreamTargetError(`cannot reach the node at ${this.host}:${this.port}: ${error.message}`, 502, 'InternalError')));
      req.end();
    });
  }

  async containerLog(pod: PodRef, options: ContainerLogRequest, out: Writable): Promise<void> {
    const query = new URLSearchParams({ podUID: pod.uid });
    for (const [key, value] of Object.entries({ follow: options.follow, previous: options.previous, timestamps: options.timestamps, tailLines: options.tailLines, sinceSeconds: options.sinceSeconds, sinceTime: options.sinceTime, limitBytes: options.limitBytes })) {
      if (value !== undefined && value !== false) query.set(key, String(value));
    }
    const path = `/containerLogs/${[pod.namespace, pod.name, options.container].map(encodeURIComponent).join('/')}?${query}`;
    const response = await this.get(path, options.signal);
    if (response.statusCode !== 200) throw failure(response.statusCode ?? 502, await readAll(response));
    await new Promise<void>((resolve) => {
      response.on('data', (chunk: Buffer) => {
        if (!out.write(chunk)) {
          response.pause();
          out.once('drain', () => response.resume());
        }
      });
      response.on('end', resolve);
      response.on('close', resolve);
      response.on('error', () => resolve());
    });
  }

  async serveUpgrade(kind: StreamKind, pod: PodRef, container: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const incoming = new URL(req.url ?? '/', 'https://apiserver');
    const query = new URLSearchParams(incoming.search);
    query.set('podUID', pod.uid);
    const segments = kind === 'portforward' ? ['portForward', pod.namespace, pod.name] : [kind, pod.namespace, pod.name, container];
    const path = `/${segments.map(encodeURIComponent).join('/')}?${query}`;
    const upstream = connect({ host: this.host, port: this.port, ca: this.tls.caPem, cert: this.tls.certPem, key: this.tls.keyPem, servername: undefined, ALPNProtocols: ['http/1.1'] });
    await new Promise<void>((resolve, reject) => {
      upstream.once('secureConnect', resolve);
      upstream.once('error', (error) => reject(new StreamTargetError(`cannot reach the node at ${this.host}:${this.port}: ${error.message}`, 502)));
    });
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (!hopHeaders.has(req.rawHeaders[i]!.toLowerCase())) headers.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(`${req.method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n${headers.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    // From here on the node answers the client directly (its 101, or its refusal) through the two pipes.
    await new Promise<void>((resolve) => {
      const close = () => {
        upstream.destroy();
        socket.destroy();
        resolve();
      };
      upstream.on('error', close);
      socket.on('error', close);
      upstream.on('close', close);
      socket.on('close', close);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
  }

  async podMetrics(): Promise<Json[]> {
    const response = await this.get('/metrics/pods');
    const text = await readAll(response);
    if (response.statusCode !== 200) throw failure(response.statusCode ?? 502, text);
    return (JSON.parse(text) as { items: Json[] }).items;
  }

  async kubeletRead(method: string, path: string): Promise<KubeletReply> {
    const response = await this.get(`/${path.replace(/^\/+/, '')}`, undefined, method);
    return { status: response.statusCode ?? 502, contentType: response.headers['content-type'] ?? 'text/plain; charset=utf-8', body: await readAll(response) };
  }

  async nodeMetrics() {
    const response = await this.get('/metrics/node');
    const text = await readAll(response);
    if (response.statusCode !== 200) throw failure(response.statusCode ?? 502, text);
    return (JSON.parse(text) as { usage: Awaited<ReturnType<NodeEndpoint['nodeMetrics']>> | null }).usage ?? undefined;
  }
}

/** Where a Node says its endpoint is: its InternalIP (else first address) and daemonEndpoints' kubelet port. */
export function nodeAddress(node: KubeObject): { host: string; port: number } | undefined {
  const status = (node.status as Json | undefined) ?? {};
  const addresses: Json[] = status.addresses ?? [];
  const host = (addresses.find((a) => a.type === 'InternalIP') ?? addresses[0])?.address as string | undefined;
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port as number | undefined;
  return host && port ? { host, port } : undefined;
}

/** Nodes by name: the in-process one first, any other through its own HTTPS endpoint. */
export function nodeConnector(options: { local: () => { name: string; endpoint: NodeEndpoint } | undefined; node: (name: string) => Promise<KubeObject | undefined>; tls: NodeClientTls }): NodeConnector {
  const remote = new Map<string, RemoteNodeEndpoint>();
  return {
    endpoint: async (name) => {
      const local = options.local();
      if (local?.name === name) return local.endpoint;
      const node = await options.node(name);
      const address = node && nodeAddress(node);
      if (!address) return undefined;
      const known = remote.get(name);
      if (known && known.host === address.host && known.port === address.port) return known;
      const endpoint = new RemoteNodeEndpoint(address.host, address.port, options.tls);
      remote.set(name, endpoint);
      return endpoint;
    },
  };
}
