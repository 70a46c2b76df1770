// A test-only API server for checking k2's OpenAPI documents, decoding checks and protobuf
// decoding against real kubectl before the resource registry exists: plain HTTP on loopback,
// a minimal legacy discovery document built from a resource list, k2's OpenAPI routes, and
// create/get/patch handlers that decode bodies as kube-apiserver does and record every request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { BuiltinSchemas } from '../../apiserver/openapi/builtin-schemas.ts';
import { decodeRequestObject, builtinDecodeTarget, customResourceDecodeTarget, type FieldValidation } from '../../apiserver/openapi/request-decoding.ts';
import type { ApiResourceInfo } from '../../apiserver/openapi/operations.ts';
import { OpenApiPublisher } from '../../apiserver/openapi/publisher.ts';
import { registerOpenApiRoutes } from '../../apiserver/openapi/routes.ts';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from '../../apiserver/protobuf/kubernetes-protobuf.ts';
import { StatusError } from '../../apiserver/status.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  contentType?: string;
  accept?: string;
  /** JSON bodies parsed; protobuf bodies decoded by k2's decoder. */
  body?: unknown;
}

export interface KubectlTestServer {
  url: string;
  kubeconfig: string;
  cacheDir: string;
  requests: RecordedRequest[];
  /** Objects GET answers with, by request path. */
  objects: Map<string, Record<string, unknown>>;
  publisher: OpenApiPublisher;
  close(): Promise<void>;
}

function statusReply(reply: FastifyReply, error: StatusError): FastifyReply {
  return reply.code(error.code).type('application/json').send(error.toStatus());
}

/** `/apis/apps/v1/namespaces/default/deployments[/name]` → the resource it addresses. */
function resolveResource(resources: ApiResourceInfo[], path: string): { resource: ApiResourceInfo; name?: string } | undefined {
  const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(?:namespaces\/[^/]+\/)?([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (!match) return undefined;
  const group = match[2] ?? '';
  const version = match[1] ?? match[3]!;
  const resource = resources.find((r) => r.group === group && r.version === version && r.plural === match[4]);
  return resource ? { resource, name: match[5] } : undefined;
}

export async function startKubectlTestServer(resources: ApiResourceInfo[], options: { minor?: string; schemas?: () => BuiltinSchemas } = {}): Promise<KubectlTestServer> {
  const app: FastifyInstance = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true } });
  const requests: RecordedRequest[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  const publisher = new OpenApiPublisher({ schemas: options.schemas });
  publisher.setResources(resources);

  app.addContentTypeParser('application/vnd.kubernetes.protobuf', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, decodeKubernetesProtobuf(body as Buffer).object);
    } catch (error) {
      done(error instanceof ProtobufDecodeError ? new StatusError(400, 'BadRequest', error.message) : (error as Error), undefined);
    }
  });
  const rawBodies = new WeakMap<FastifyRequest, string>();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    rawBodies.set(request, body as string);
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(new StatusError(400, 'BadRequest', (error as Error).message), undefined);
    }
  });
  for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => done(null, JSON.parse(body as string)));
  }
  app.addHook('onRequest', async (request) => {
    requests.push({ method: request.method, url: request.url, contentType: request.headers['content-type'], accept: request.headers.accept });
  });
  app.addHook('preHandler', async (request) => {
    requests[requests.length - 1]!.body = request.body;
  });
  app.setErrorHandler((error, _request, reply) => {
    statusReply(reply, error instanceof StatusError ? error : new StatusError(500, 'InternalError', String(error)));
  });

  // Minimal legacy discovery: /api, /apis and one APIResourceList per group version.
  const groupVersions = new Map<string, ApiResourceInfo[]>();
  for (const resource of resources) {
    const key = resource.group ? `${resource.group}/${resource.version}` : resource.version;
    groupVersions.set(key, [...(groupVersions.get(key) ?? []), resource]);
  }
  app.get('/version', async () => ({ major: '1', minor: options.minor ?? '33', gitVersion: `v1.${options.minor ?? '33'}.1`, platform: 'linux/amd64' }));
  app.get('/api', async () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }));
  app.get('/apis', async () => {
    const groups = new Map<string, string[]>();
    for (const key of groupVersions.keys()) {
      if (!key.includes('/')) continue;
      const [group, version] = key.split('/') as [string, string];
      groups.set(group, [...(groups.get(group) ?? []), version]);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => {
        const sorted = versions.sort((a, b) => (a === 'v1' ? -1 : b === 'v1' ? 1 : 0));
        return { name, versions: sorted.map((v) => ({ groupVersion: `${name}/${v}`, version: v })), preferredVersion: { groupVersion: `${name}/${sorted[0]}`, version: sorted[0] } };
      }),
    };
  });
  const resourceList = (key: string) => ({
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: key,
    resources: groupVersions.get(key)!.flatMap((r) => [
      { name: r.plural, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind, verbs: r.verbs },
      ...r.subresources.map((s) => ({ name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, group: s.group, version: s.version, kind: s.kind, verbs: s.verbs })),
    ]),
  });
  app.get('/api/v1', async () => resourceList('v1'));
  app.get('/apis/:group/:version', async (request: FastifyRequest<{ Params: { group: string; version: string } }>, reply) => {
    const key = `${request.params.group}/${request.params.version}`;
    if (!groupVersions.has(key)) return statusReply(reply, new StatusError(404, 'NotFound', 'the server could not find the requested resource'));
    return resourceList(key);
  });

  registerOpenApiRoutes(app, publisher);

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0]!;
    const target = resolveResource(resources, path);
    if (!target) return statusReply(reply, new StatusError(404, 'NotFound', 'the server could not find the requested resource'));
    const { resource, name } = target;
    const qualified = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
    if (request.method === 'GET') {
      const object = objects.get(path);
      if (!object) return statusReply(reply, new StatusError(404, 'NotFound', `${qualified} "${name}" not found`, { name, group: resource.group, kind: resource.plural }));
      return object;
    }
    if (request.method === 'PATCH') {
      const object = objects.get(path);
      if (!object) return statusReply(reply, new StatusError(404, 'NotFound', `${qualified} "${name}" not found`, { name, group: resource.group, kind: resource.plural }));
      return object;
    }
    // POST (create): decode the body as kube-apiserver does, then echo it.
    const query = request.query as { fieldValidation?: FieldValidation };
    const object = request.body as Record<string, unknown>;
    const gvk = { group: resource.group, version: resource.version, kind: resource.kind };
    const decodeTarget = resource.schema ? customResourceDecodeTarget(gvk, resource.schema) : builtinDecodeTarget(gvk)!;
    const rawJson = rawBodies.get(request);
    const { warnings } = decodeRequestObject(object, decodeTarget, { fieldValidation: query.fieldValidation ?? 'Warn', rawJson });
    for (const warning of warnings) reply.header('Warning', `299 - ${JSON.stringify(warning)}`);
    return reply.code(201).send(object);
  };
  app.route({ method: ['GET', 'POST', 'PATCH'], url: '/api/*', handler });
  app.route({ method: ['GET', 'POST', 'PATCH'], url: '/apis/*', handler });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'k2-openapi-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: url } }],
      users: [{ name: 'test', user: {} }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test', namespace: 'default' } }],
      'current-context': 'test',
    }),
  );
  return {
    url,
    kubeconfig,
    cacheDir: join(dir, 'cache'),
    requests,
    objects,
    publisher,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
