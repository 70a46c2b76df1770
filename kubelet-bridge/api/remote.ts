// The node's API in a remote `k2 agent`: REST over HTTPS with the node's client certificate, and informers that
// list, then watch from the list's resourceVersion, resume from the last one seen after a dropped connection, and
// list again (delivering the differences) when the server says it is too old (410). While the server cannot be
// reached the informers keep what they have, so the node's pods keep running.
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { StatusError } from '../../apiserver/status.ts';
import { gitVersion } from '../../apiserver/version.ts';
import type { InformerHandlers } from '../../controllers/informer.ts';
import { isConflict, isNotFound, type NodeApi, type NodeDeleteOptions, type NodeResourceClient, type ResourceInformer, type TokenRequestSpec } from './node-api.ts';

/** As a kubelet introduces itself: its writes are the kubelet's in managedFields, as the in-process node's are. */
const userAgent = `kubelet/${gitVersion} (${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}) k2`;

export interface RemoteApiOptions {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  log: Logger;
}

/** Cluster-scoped kinds among those a node reads and writes; everything else it uses is namespaced. */
const clusterScoped = new Set(['/nodes', '/persistentvolumes']);

export function collectionPath(group: string, plural: string, namespace: string | undefined): string {
  const root = group ? `/apis/${group}/v1` : '/api/v1';
  return clusterScoped.has(`${group}/${plural}`) || !namespace ? `${root}/${plural}` : `${root}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
}

function statusFromBody(code: number, text: string): StatusError {
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string; code?: number };
    if (status.message) return new StatusError(status.code ?? code, status.reason ?? 'Unknown', status.message);
  } catch {
    // not a Status
  }
  return new StatusError(code, code === 404 ? 'NotFound' : 'InternalError', text.trim() || `HTTP ${code}`);
}

export class RemoteNodeApi implements NodeApi {
  readonly agent: Agent;
  private readonly informers = new Map<string, RemoteInformer>();

  constructor(readonly options: RemoteApiOptions) {
    this.agent = new Agent({ keepAlive: true, ca: options.caPem, cert: options.certPem, key: options.keyPem, maxSockets: 16 });
  }

  /** Starts a request; resolves with the response (any status) once its headers are in. */
  open(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(path, this.options.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method, agent: this.agent, signal, headers: { accept: 'application/json', 'user-agent': userAgent, ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) } }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A JSON request; non-2xx answers are thrown as StatusErrors. */
  async call<T = KubeObject>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.open(method, path, body);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = response.statusCode ?? 0;
    if (code < 200 || code >= 300) throw statusFromBody(code, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  resource(group: string, plural: string): NodeResourceClient {
    const item = (namespace: string | undefined, name: string) => `${collectionPath(group, plural, namespace)}/${encodeURIComponent(name)}`;
    const client: NodeResourceClient = {
      get: (namespace, name) => this.call('GET', item(namespace, name)),
      find: async (namespace, name) => {
        try {
          return await this.call('GET', item(namespace, name));
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      },
      create: (object) => this.call('POST', collectionPath(group, plural, object.metadata.namespace), object),
      update: (object) => this.call('PUT', item(object.metadata.namespace, object.metadata.name!), object),
      modify: async (namespace, name, mutate, options) => {
        for (let attempt = 0; ; attempt++) {
          const current = await this.call('GET', item(namespace, name));
          const changed = await mutate(structuredClone(current));
          try {
            return await this.call('PUT', `${item(namespace, name)}${options?.subresource ? `/${options.subresource}` : ''}`, changed);
          } catch (error) {
            if (!isConflict(error) || attempt >= 5) throw error;
          }
        }
      },
      delete: (namespace, name, options: NodeDeleteOptions = {}) =>
        this.call('DELETE', item(namespace, name), { apiVersion: 'v1', kind: 'DeleteOptions', ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}), ...(options.preconditions ? { preconditions: options.preconditions } : {}) }),
    };
    return client;
  }

  informer(group: string, plural: string, options: { fieldSelector?: string } = {}): ResourceInformer {
    const id = `${group}/${plural}?${options.fieldSelector ?? ''}`;
    let informer = this.informers.get(id);
    if (!informer) {
      informer = new RemoteInformer(this, collectionPath(group, plural, undefined), options.fieldSelector, this.options.log);
      this.informers.set(id, informer);
    }
    return informer;
  }

  async serviceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string | undefined> {
    try {
      const response = await this.call<{ status?: { token?: string } }>('POST', `${collectionPath('', 'serviceaccounts', namespace)}/${encodeURIComponent(serviceAccount)}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec,
      });
      return response.status?.token;
    } catch (error) {
      // The route itself missing (no TokenRequest on this server) is not the service account missing.
      if (isNotFound(error) && (error as Error).message === 'the server could not find the requested resource') return undefined;
      throw error;
    }
  }

  close(): void {
    for (const informer of this.informers.values()) informer.shutdown();
    this.agent.destroy();
  }
}

const objectKey = (object: KubeObject) => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

/** List+watch over HTTPS with the Informer interface of controllers/informer.ts. */
export class RemoteInformer implements ResourceInformer {
  private readonly handlers: InformerHandlers[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private resourceVersion = '';
  private running = false;
  private abort?: AbortController;
  private firstList?: Promise<void>;
  private retryMs = 500;

  constructor(
    private readonly api: RemoteNodeApi,
    private readonly path: string,
    private readonly fieldSelector: string | undefined,
    private readonly log: Logger,
  ) {}

  addHandlers(handlers: InformerHandlers): void {
    this.handlers.push(handlers);
    if (this.running) for (const object of this.objects.values()) handlers.add?.(object);
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(namespace?: string): KubeObject[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  start(): Promise<void> {
    if (!this.firstList) {
      this.running = true;
      this.firstList = this.relist();
      void this.firstList.then(() => this.watchLoop(), () => this.watchLoop());
    }
    return this.firstList;
  }

  shutdown(): void {
    this.running = false;
    this.abort?.abort();
  }

  private query(extra: Record<string, string>): string {
    const params = new URLSearchParams(extra);
    if (this.fieldSelector) params.set('fieldSelector', this.fieldSelector);
    return `${this.path}?${params}`;
  }

  private emit(kind: 'add' | 'update' | 'delete', object: KubeObject, old?: KubeObject): void {
    for (const handlers of this.handlers) {
      try {
        if (kind === 'add') handlers.add?.(object);
        else if (kind === 'update') handlers.update?.(old!, object);
        else handlers.delete?.(object);
      } catch (error) {
        this.log.warn({ err: error }, 'informer handler failed');
      }
    }
  }

  /** Lists everything and delivers the differences from what the informer held. */
  private async relist(): Promise<void> {
    const list = await this.api.call<{ items: KubeObject[]; metadata: { resourceVersion: string } }>('GET', this.query({}));
    const seen = new Set<string>();
    for (const object of list.items) {
      const key = objectKey(object);
      seen.add(key);
      const old = this.objects.get(key);
      this.objects.set(key, object);
      if (!old) this.emit('add', object);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.emit('update', object, old);
    }
    for (const [key, object] of this.objects) {
      if (seen.has(key)) continue;
      this.objects.delete(key);
      this.emit('delete', object);
    }
    this.resourceVersion = list.metadata.resourceVersion;
  }

  private async watchLoop(): Promise<void> {
    while (this.running) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watchOnce();
        this.retryMs = 500;
      } catch (error) {
        if (!this.running) return;
        if ((error as StatusError).code === 410) {
          this.resourceVersion = '';
          continue;
        }
        this.log.debug({ err: error, path: this.path }, 'watch failed; retrying');
        await new Promise((r) => setTimeout(r, this.retryMs));
        this.retryMs = Math.min(10_000, this.retryMs * 2);
      }
    }
  }

  private async watchOnce(): Promise<void> {
    this.abort = new AbortController();
    const response = await this.api.open('GET', this.query({ watch: 'true', resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true' }), undefined, this.abort.signal);
    if (response.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      throw statusFromBody(response.statusCode ?? 0, Buffer.concat(chunks).toString());
    }
    let buffer = '';
    for await (const chunk of response) {
      buffer += (chunk as Buffer).toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) this.handleEvent(JSON.parse(line) as { type: string; object: KubeObject & { code?: number; message?: string } });
      }
    }
  }

  private handleEvent(event: { type: string; object: KubeObject & { code?: number; message?: string } }): void {
    const object = event.object;
    if (event.type === 'ERROR') throw new StatusError(object.code ?? 500, 'Expired', object.message ?? 'watch error');
    if (object.metadata?.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
    if (event.type === 'BOOKMARK') return;
    const key = objectKey(object);
    const old = this.objects.get(key);
    if (event.type === 'DELETED') {
      this.objects.delete(key);
      if (old) this.emit('delete', object);
      return;
    }
    this.objects.set(key, object);
    if (old) this.emit('update', object, old);
    else this.emit('add', object);
  }
}
