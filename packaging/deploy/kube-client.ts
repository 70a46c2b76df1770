// A small Kubernetes REST client for the deploy engine: JSON over HTTPS (or HTTP) with the credentials of a
// kubeconfig (client certificate, bearer token, cluster CA). It speaks to any cluster, not only k2, so it
// uses nothing but the REST API.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readKubeconfig, type KubeconfigSpec } from '../../apiserver/kubeconfig.ts';

export type KubeObject = Record<string, any>;

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Default application/json when there is a body. */
  contentType?: string;
  timeoutMs?: number;
}

export interface KubeResponse {
  status: number;
  body: any;
}

/** An error answer of the API server, with the Status it returned. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly code: number,
    readonly reason: string,
    readonly status: KubeObject | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.code === 404;
}

const defaultTimeoutMs = 30_000;

export class KubeClient {
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly base: URL;

  constructor(private readonly spec: KubeconfigSpec) {
    this.base = new URL(spec.server);
    if (this.base.protocol === 'https:') {
      this.agent = new HttpsAgent({ keepAlive: true, maxSockets: 8, ca: spec.caPem || undefined, cert: spec.certPem, key: spec.keyPem });
    } else if (this.base.protocol === 'http:') {
      this.agent = new HttpAgent({ keepAlive: true, maxSockets: 8 });
    } else {
      throw new Error(`kubeconfig server ${spec.server}: only https:// and http:// are supported`);
    }
  }

  /** The current context of a kubeconfig file. */
  static async fromKubeconfig(path: string): Promise<KubeClient> {
    return new KubeClient(await readKubeconfig(path));
  }

  get server(): string {
    return this.spec.server;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  async get(path: string, query?: Record<string, string | undefined>): Promise<any> {
    return (await this.request('GET', path, { query })).body;
  }

  /** The object, or undefined when the server answers 404. */
  async find(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(path);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Answers with a status of 400 and above become KubeApiErrors carrying the server's message. */
  request(method: string, path: string, options: RequestOptions = {}): Promise<KubeResponse> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'k2-deploy' };
    if (payload !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      // A length, not chunked encoding: some servers answer a chunked DELETE before reading its body.
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (this.spec.token) headers.authorization = `Bearer ${this.spec.token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolveResponse, reject) => {
      const req = send(url, { method, headers, agent: this.agent, timeout: options.timeoutMs ?? defaultTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: keep the text for the error message
          }
          const status = res.statusCode ?? 0;
          if (status < 400) return resolveResponse({ status, body });
          const statusObject = body && typeof body === 'object' && body.kind === 'Status' ? (body as KubeObject) : undefined;
          const message = statusObject?.message ?? (typeof body === 'string' && body ? body.trim() : `HTTP ${status}`);
          reject(new KubeApiError(method, url.pathname, status, statusObject?.reason ?? '', statusObject, message));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer from ${this.spec.server} in ${options.timeoutMs ?? defaultTimeoutMs} ms`)));
      req.on('error', (error) => reject(error.message.includes(this.spec.server) ? error : new Error(`${method} ${url.pathname} on ${this.spec.server}: ${error.message}`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }
}
