// The pod subresources only a node can complete: `pods/log` (text/plain, chunked while following) and the
// upgraded `pods/exec`, `pods/attach` and `pods/portforward` (SPDY/3.1 for every kubectl, WebSocket
// v5.channel.k8s.io for 1.30+, WebSocket-tunnelled SPDY port-forward for 1.31+). The API server finds the pod,
// checks the caller may do this, picks the container as Kubernetes does, and hands the rest to the pod's node.
// Upgrades through `pods/proxy` and `services/proxy` arrive here too and go on to proxy.ts.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { authenticate, type Authenticator } from '../authn.ts';
import { forbiddenError } from '../authz.ts';
import type { ApiCore } from '../core.ts';
import type { ContainerLogRequest, NodeConnector, PodRef, StreamKind } from '../nodes/node-endpoint.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors, StatusError } from '../status.ts';
import { refuseUpgrade } from '../streaming/upgrade.ts';
import { serveProxyUpgrade } from './proxy.ts';
import { parseRequestPath } from './request-info.ts';
import { queryBoolean, queryString, type Query, type ResourceHandlers, type ResourceRequest } from './resources.ts';

type Json = Record<string, any>;

/** An error a node (or a stream target) reported, as the Status the client gets. */
export function nodeStatusError(error: unknown): StatusError {
  if (error instanceof StatusError) return error;
  const e = error as { code?: unknown; reason?: unknown; message?: string };
  if (typeof e.code === 'number' && typeof e.reason === 'string') return new StatusError(e.code, e.reason, e.message ?? 'error');
  return errors.internal(e.message ?? String(error));
}

function containerNames(pod: KubeObject): { regular: string[]; init: string[]; ephemeral: string[] } {
  const spec = (pod.spec as Json | undefined) ?? {};
  const names = (list: Json[] | undefined) => (list ?? []).map((c) => c.name as string);
  return { regular: names(spec.containers), init: names(spec.initContainers), ephemeral: names(spec.ephemeralContainers) };
}

/** The container a request means: the one named, the pod's default-container annotation, or its only container. */
export function chooseContainer(pod: KubeObject, requested: string | undefined): string {
  const { regular, init, ephemeral } = containerNames(pod);
  const name = pod.metadata.name!;
  if (requested) {
    if (![...regular, ...init, ...ephemeral].includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && regular.includes(annotated)) return annotated;
  if (regular.length === 1) return regular[0]!;
  const initPart = init.length ? ` or one of the init containers: [${init.join(' ')}]` : '';
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${regular.join(' ')}]${initPart}`);
}

function podRef(pod: KubeObject): PodRef {
  return { namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! };
}

function nodeNameOf(pod: KubeObject): string {
  const nodeName = (pod.spec as Json | undefined)?.nodeName as string | undefined;
  if (!nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return nodeName;
}

function containerStatus(pod: KubeObject, container: string): Json | undefined {
  const status = (pod.status as Json | undefined) ?? {};
  return [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])].find((s: Json) => s.name === container);
}

function integer(query: Query, name: string): number | undefined {
  const value = queryString(query, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw errors.badRequest(`invalid ${name}: ${value}`);
  return Number(value);
}

async function endpointFor(connector: NodeConnector, nodeName: string) {
  const endpoint = await connector.endpoint(nodeName);
  if (!endpoint) throw errors.serviceUnavailable(`node ${nodeName} cannot be reached`);
  return endpoint;
}

export interface PodStreamOptions {
  connector: NodeConnector;
  /** Authenticators beyond client certificates (the HTTP server's list), for upgrade requests. */
  authenticators: Authenticator[];
}

export function registerPodStreamRoutes(app: FastifyInstance, core: ApiCore, handlers: ResourceHandlers, options: PodStreamOptions): void {
  const { connector } = options;

  handlers.addHandler('', 'pods', 'log', 'GET', async (context: ResourceRequest) => {
    const { info, store, query, reply, request } = context;
    const pod = await store.get(info.namespace, info.name!);
    const container = chooseContainer(pod, queryString(query, 'container'));
    const previous = queryBoolean(query, 'previous');
    const status = containerStatus(pod, container);
    const name = pod.metadata.name!;
    if (previous && !status?.lastState?.terminated) throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    if (!previous && status?.state?.waiting) throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${status.state.waiting.reason ?? 'ContainerCreating'}`);
    if (!previous && !status) throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    const endpoint = await endpointFor(connector, nodeNameOf(pod));
    const abort = new AbortController();
    const logRequest: ContainerLogRequest = {
      container,
      follow: queryBoolean(query, 'follow'),
      previous,
      tailLines: integer(query, 'tailLines'),
      sinceSeconds: integer(query, 'sinceSeconds'),
      sinceTime: queryString(query, 'sinceTime'),
      timestamps: queryBoolean(query, 'timestamps'),
      limitBytes: integer(query, 'limitBytes'),
      signal: abort.signal,
    };
    const out = new PassThrough();
    const close = () => abort.abort();
    core.streams.add(close);
    request.raw.on('close', close);
    let failure: unknown;
    const finished = endpoint.containerLog(podRef(pod), logRequest, out).then(
      () => out.end(),
      (error: unknown) => {
        failure = error;
        out.end();
      },
    );
    void finished.finally(() => core.streams.delete(close));
    // Until the first bytes, a failure is still the response's status; after them the stream just ends.
    await Promise.race([new Promise((resolve) => out.once('readable', resolve)), finished]);
    if (failure && out.readableLength === 0) throw nodeStatusError(failure);
    return reply.code(200).header('content-type', 'text/plain').send(out);
  });

  // Without an upgrade, the streaming subresources answer as Kubernetes does.
  for (const subresource of ['exec', 'attach', 'portforward']) {
    for (const method of ['GET', 'POST'] as const) handlers.addHandler('', 'pods', subresource, method, () => {
      throw errors.badRequest('Upgrade request required');
    });
  }

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    void serveUpgrade(core, options, req, socket, head).catch((error: unknown) => {
      const status = nodeStatusError(error);
      if (status.code >= 500) core.log.warn({ err: error, url: req.url }, 'stream upgrade failed');
      refuseUpgrade(socket, status.code, status.reason, status.message);
    });
  });
}

async function serveUpgrade(core: ApiCore, options: PodStreamOptions, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://apiserver');
  const info = parseRequestPath(url.pathname);
  const kind = info?.subresource as StreamKind | undefined;
  const proxied = info?.subresource === 'proxy' && (info.resource === 'pods' || info.resource === 'services');
  if (!info || info.group !== '' || !info.namespace || !info.name || !kind || (!proxied && (info.resource !== 'pods' || !['exec', 'attach', 'portforward'].includes(kind)))) {
    throw errors.routeNotFound();
  }
  const user = await authenticate(req, options.authenticators);
  if (!user) throw errors.unauthorized();
  // Kubernetes 1.31+ asks for `create` on the streams whether the client uses POST (SPDY) or GET (WebSocket); a
  // proxied upgrade is the verb of its method, as any proxy request.
  const verb = proxied ? (req.method === 'GET' ? 'get' : 'create') : 'create';
  const attributes = { user, verb, namespace: info.namespace, apiGroup: '', apiVersion: info.version, resource: info.resource!, subresource: kind, name: info.name, resourceRequest: true };
  const decision = await core.authorizer.authorize(attributes);
  if (!decision.allowed) throw forbiddenError(attributes, decision.reason);
  if (proxied) return serveProxyUpgrade(core, info.resource as 'pods' | 'services', info.namespace, info.name, req, socket, head);
  const pod = await core.storeFor('', 'pods').get(info.namespace, info.name);
  const container = kind === 'portforward' ? '' : chooseContainer(pod, url.searchParams.get('container') ?? undefined);
  if (kind !== 'portforward') {
    const state = containerStatus(pod, container)?.state;
    if (!state?.running) throw errors.badRequest(`container ${container} is not running${state?.waiting?.reason ? ` (${state.waiting.reason})` : ''}`);
  } else if ((pod.status as Json | undefined)?.phase !== 'Running') {
    throw errors.badRequest(`pod ${info.name} is not running`);
  }
  const endpoint = await endpointFor(options.connector, nodeNameOf(pod));
  const close = () => socket.destroy();
  core.streams.add(close);
  try {
    await endpoint.serveUpgrade(kind, podRef(pod), container, req, socket, head);
  } finally {
    core.streams.delete(close);
  }
}
