// The REST operations k2 publishes in OpenAPI for each served resource, laid out as
// kube-apiserver lays them out (paths, operation ids, x-kubernetes-action, group/version/kind
// and the query parameters kubectl inspects), in a neutral form that renders to v2 and v3.
import type { GroupVersionKind, OpenApiSchema } from './schema.ts';

/** A served resource, as the resource registry describes it. */
export interface ApiResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** get list watch create update patch delete deletecollection */
  verbs: string[];
  subresources: { name: string; kind: string; group: string; version: string; verbs: string[] }[];
  /** Built-in kinds: the schema definition name. */
  definitionName?: string;
  /** CRDs: the version's inline openAPIV3Schema. */
  schema?: OpenApiSchema;
}

export type ParameterType = 'string' | 'boolean' | 'integer';

export interface QueryParameter {
  name: string;
  type: ParameterType;
  description: string;
}

export type KubernetesAction = 'get' | 'list' | 'put' | 'patch' | 'post' | 'delete' | 'deletecollection' | 'watch' | 'watchlist' | 'connect';

/** What an operation reads or returns: a definition, or plain text (logs, connect). */
export type Payload = { definition: string } | { text: true };

export interface Operation {
  method: 'get' | 'put' | 'post' | 'delete' | 'patch';
  operationId: string;
  description: string;
  tag: string;
  action: KubernetesAction;
  gvk: GroupVersionKind;
  query: QueryParameter[];
  body?: { payload: Payload; required: boolean; contentTypes: string[] };
  responses: { code: number; payload?: Payload }[];
  produces: string[];
}

export interface PathEntry {
  path: string;
  /** Path parameters in order of appearance, plus `pretty` (every Kubernetes path has it). */
  pathParameters: ('namespace' | 'name' | 'path')[];
  operations: Operation[];
}

const parameter = (name: string, type: ParameterType, description: string): QueryParameter => ({ name, type, description });

/** Every Kubernetes path takes `pretty`. */
export const prettyParameter = parameter('pretty', 'string', 'Pretty-prints the response when "true".');
const dryRun = parameter('dryRun', 'string', 'With "All", the request is processed in full but nothing is stored.');
const fieldManager = parameter('fieldManager', 'string', 'Names the actor making this change; recorded in managedFields.');
const fieldValidation = parameter('fieldValidation', 'string', 'What to do with unknown or duplicate fields in the body: Ignore, Warn or Strict.');
const force = parameter('force', 'boolean', 'Apply patches only: take over fields another manager owns.');
const listParameters = [
  parameter('allowWatchBookmarks', 'boolean', 'Watches only: also send BOOKMARK events.'),
  parameter('continue', 'string', 'The continue token of the previous page of a paginated list.'),
  parameter('fieldSelector', 'string', 'Only objects whose fields match this selector.'),
  parameter('labelSelector', 'string', 'Only objects whose labels match this selector.'),
  parameter('limit', 'integer', 'At most this many objects; the rest follow with the continue token.'),
  parameter('resourceVersion', 'string', 'The resource version the list or watch starts from.'),
  parameter('resourceVersionMatch', 'string', 'How resourceVersion applies to a list: Exact or NotOlderThan.'),
  parameter('sendInitialEvents', 'boolean', 'Watches only: start with the current objects as ADDED events.'),
  parameter('timeoutSeconds', 'integer', 'End the list or watch after this many seconds.'),
  parameter('watch', 'boolean', 'Stream changes instead of returning a list.'),
];
const deleteParameters = [
  dryRun,
  parameter('gracePeriodSeconds', 'integer', 'Seconds to wait before the object is deleted; 0 deletes at once.'),
  parameter('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  parameter('propagationPolicy', 'string', 'What happens to dependents: Orphan, Background or Foreground.'),
];
const writeParameters = [dryRun, fieldManager, fieldValidation];
const connectParameters: Record<string, QueryParameter[]> = {
  exec: [
    parameter('command', 'string', 'The command to run, one argument per parameter.'),
    parameter('container', 'string', 'The container to run it in.'),
    parameter('stderr', 'boolean', 'Stream standard error.'),
    parameter('stdin', 'boolean', 'Stream standard input.'),
    parameter('stdout', 'boolean', 'Stream standard output.'),
    parameter('tty', 'boolean', 'Allocate a terminal.'),
  ],
  attach: [
    parameter('container', 'string', 'The container to attach to.'),
    parameter('stderr', 'boolean', 'Stream standard error.'),
    parameter('stdin', 'boolean', 'Stream standard input.'),
    parameter('stdout', 'boolean', 'Stream standard output.'),
    parameter('tty', 'boolean', 'Allocate a terminal.'),
  ],
  portforward: [parameter('ports', 'integer', 'The ports to forward.')],
  proxy: [parameter('path', 'string', 'The path to proxy to.')],
};
const logParameters = [
  parameter('container', 'string', 'The container whose log to read.'),
  parameter('follow', 'boolean', 'Keep streaming new log lines.'),
  parameter('insecureSkipTLSVerifyBackend', 'boolean', 'Do not verify the serving certificate of the node.'),
  parameter('limitBytes', 'integer', 'Stop after this many bytes.'),
  parameter('previous', 'boolean', 'The log of the previous, terminated container.'),
  parameter('sinceSeconds', 'integer', 'Only lines newer than this many seconds.'),
  parameter('sinceTime', 'string', 'Only lines since this RFC 3339 time.'),
  parameter('stream', 'string', 'Which stream: All, Stdout or Stderr.'),
  parameter('tailLines', 'integer', 'Only this many lines from the end.'),
  parameter('timestamps', 'boolean', 'Prefix every line with its timestamp.'),
];

/** Subresources served by upgrading the connection (operation ids `connect…`). */
const connectSubresources = new Set(['exec', 'attach', 'portforward', 'proxy']);

const jsonProduces = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const listProduces = [...jsonProduces, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const patchContentTypes = (builtIn: boolean) => [
  'application/json-patch+json',
  'application/merge-patch+json',
  ...(builtIn ? ['application/strategic-merge-patch+json'] : []),
  'application/apply-patch+yaml',
];

export const statusDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
export const deleteOptionsDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const watchEventDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent';
export const patchDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';

/** `rbac.authorization.k8s.io` → `RbacAuthorization`; `""` → `Core` (operation ids). */
function groupIdentifier(group: string): string {
  if (group === '') return 'Core';
  const trimmed = group.endsWith('.k8s.io') ? group.slice(0, -'.k8s.io'.length) : group;
  return trimmed
    .split(/[.-]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** `apps_v1`, `core_v1`, `rbacAuthorization_v1`: the tag kube-apiserver gives a group version. */
function groupVersionTag(group: string, version: string): string {
  const identifier = groupIdentifier(group);
  return `${identifier[0]!.toLowerCase()}${identifier.slice(1)}_${version}`;
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionRoot(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export interface ResourceDefinitions {
  /** The definition of the resource's kind. */
  object: string;
  /** The definition of its list kind. */
  list?: string;
  /** The definition of a subresource's kind. */
  subresource(name: string): string | undefined;
  builtIn: boolean;
}

/** Every path and operation of one resource. */
export function resourcePaths(resource: ApiResourceInfo, definitions: ResourceDefinitions): PathEntry[] {
  const { group, version, kind } = resource;
  const gvk: GroupVersionKind = { group, version, kind };
  const root = groupVersionRoot(group, version);
  const idPrefix = `${groupIdentifier(group)}${version[0]!.toUpperCase()}${version.slice(1)}`;
  const tag = groupVersionTag(group, version);
  const scope = resource.namespaced ? 'Namespaced' : '';
  const verbs = new Set(resource.verbs);
  const object: Payload = { definition: definitions.object };
  const list: Payload | undefined = definitions.list ? { definition: definitions.list } : undefined;
  const status: Payload = { definition: statusDefinition };
  const watchEvent: Payload = { definition: watchEventDefinition };
  const collectionPath = resource.namespaced ? `${root}/namespaces/{namespace}/${resource.plural}` : `${root}/${resource.plural}`;
  const itemPath = `${collectionPath}/{name}`;
  const collectionParameters: PathEntry['pathParameters'] = resource.namespaced ? ['namespace'] : [];
  const itemParameters: PathEntry['pathParameters'] = resource.namespaced ? ['name', 'namespace'] : ['name'];
  const op = (method: Operation['method'], verb: string, action: KubernetesAction, description: string, rest: Partial<Operation>): Operation => ({
    method,
    operationId: `${verb}${idPrefix}${rest.operationId ?? `${scope}${kind}`}`,
    description,
    tag,
    action,
    gvk,
    query: [],
    responses: [],
    produces: jsonProduces,
    ...rest,
  });
  const entries: PathEntry[] = [];

  const collection: Operation[] = [];
  if (verbs.has('list') && list) {
    collection.push(op('get', 'list', 'list', `Lists ${kind} objects.`, { query: listParameters, responses: [{ code: 200, payload: list }], produces: listProduces }));
  }
  if (verbs.has('create')) {
    collection.push(
      op('post', 'create', 'post', `Creates a ${kind}.`, {
        query: writeParameters,
        body: { payload: object, required: true, contentTypes: ['*/*'] },
        responses: [200, 201, 202].map((code) => ({ code, payload: object })),
      }),
    );
  }
  if (verbs.has('deletecollection')) {
    collection.push(
      op('delete', 'delete', 'deletecollection', `Deletes a collection of ${kind} objects.`, {
        operationId: `Collection${scope}${kind}`,
        query: [...listParameters.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...deleteParameters],
        body: { payload: { definition: deleteOptionsDefinition }, required: false, contentTypes: ['*/*'] },
        responses: [{ code: 200, payload: status }],
      }),
    );
  }
  if (collection.length) entries.push({ path: collectionPath, pathParameters: collectionParameters, operations: collection });

  const item: Operation[] = [];
  if (verbs.has('get')) item.push(op('get', 'read', 'get', `Reads a ${kind}.`, { responses: [{ code: 200, payload: object }] }));
  if (verbs.has('update')) {
    item.push(
      op('put', 'replace', 'put', `Replaces a ${kind}.`, {
        query: writeParameters,
        body: { payload: object, required: true, contentTypes: ['*/*'] },
        responses: [200, 201].map((code) => ({ code, payload: object })),
      }),
    );
  }
  if (verbs.has('patch')) {
    item.push(
      op('patch', 'patch', 'patch', `Patches a ${kind}.`, {
        query: [...writeParameters, force],
        body: { payload: { definition: patchDefinition }, required: true, contentTypes: patchContentTypes(definitions.builtIn) },
        responses: [200, 201].map((code) => ({ code, payload: object })),
      }),
    );
  }
  if (verbs.has('delete')) {
    item.push(
      op('delete', 'delete', 'delete', `Deletes a ${kind}.`, {
        query: deleteParameters,
        body: { payload: { definition: deleteOptionsDefinition }, required: false, contentTypes: ['*/*'] },
        responses: [200, 202].map((code) => ({ code, payload: status })),
      }),
    );
  }
  if (item.length) entries.push({ path: itemPath, pathParameters: itemParameters, operations: item });

  if (verbs.has('watch')) {
    const watchRoot = resource.namespaced ? `${root}/watch/namespaces/{namespace}/${resource.plural}` : `${root}/watch/${resource.plural}`;
    const watch = (verb: 'watchlist' | 'watch', path: string, parameters: PathEntry['pathParameters'], id: string) =>
      entries.push({
        path,
        pathParameters: parameters,
        operations: [op('get', 'watch', verb, `Watches changes to ${kind} objects.`, { operationId: id, query: listParameters, responses: [{ code: 200, payload: watchEvent }], produces: listProduces })],
      });
    watch('watchlist', watchRoot, collectionParameters, `${scope}${kind}List`);
    watch('watch', `${watchRoot}/{name}`, itemParameters, `${scope}${kind}`);
    if (resource.namespaced) watch('watchlist', `${root}/watch/${resource.plural}`, [], `${kind}ListForAllNamespaces`);
  }
  if (resource.namespaced && verbs.has('list') && list) {
    entries.push({
      path: `${root}/${resource.plural}`,
      pathParameters: [],
      operations: [op('get', 'list', 'list', `Lists ${kind} objects in every namespace.`, { operationId: `${kind}ForAllNamespaces`, query: listParameters, responses: [{ code: 200, payload: list }], produces: listProduces })],
    });
  }

  for (const subresource of resource.subresources) {
    entries.push(...subresourcePaths(resource, subresource, definitions, { itemPath, itemParameters, idPrefix, scope, tag }));
  }
  return entries;
}

function subresourcePaths(
  resource: ApiResourceInfo,
  subresource: ApiResourceInfo['subresources'][number],
  definitions: ResourceDefinitions,
  context: { itemPath: string; itemParameters: PathEntry['pathParameters']; idPrefix: string; scope: string; tag: string },
): PathEntry[] {
  const name = subresource.name;
  const title = name[0]!.toUpperCase() + name.slice(1);
  const gvk: GroupVersionKind = { group: subresource.group, version: subresource.version, kind: subresource.kind };
  const path = `${context.itemPath}/${name}`;
  const verbs = new Set(subresource.verbs);
  const definition = definitions.subresource(name);
  const payload: Payload = definition ? { definition } : { text: true };
  const base = (method: Operation['method'], verb: string, action: KubernetesAction, description: string): Operation => ({
    method,
    operationId: `${verb}${context.idPrefix}${context.scope}${resource.kind}${title}`,
    description,
    tag: context.tag,
    action,
    gvk,
    query: [],
    responses: [],
    produces: jsonProduces,
  });
  const operations: Operation[] = [];
  if (connectSubresources.has(name)) {
    for (const method of ['get', 'post'] as const) {
      const operation = base(method, 'connect', 'connect', `Connects to ${name} of a ${resource.kind}.`);
      operations.push({
        ...operation,
        // connectCoreV1GetNamespacedPodExec: the HTTP method follows the group version.
        operationId: `connect${context.idPrefix}${method === 'get' ? 'Get' : 'Post'}${context.scope}${resource.kind}${title}`,
        query: connectParameters[name] ?? [],
        responses: [{ code: 200, payload: { text: true } }],
        produces: ['*/*'],
      });
    }
    return [{ path, pathParameters: context.itemParameters, operations }];
  }
  if (verbs.has('get')) {
    const operation = base('get', 'read', 'get', `Reads the ${name} of a ${resource.kind}.`);
    const isLog = name === 'log';
    operations.push({
      ...operation,
      query: isLog ? logParameters : [],
      responses: [{ code: 200, payload: isLog ? { text: true } : payload }],
      produces: isLog ? ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] : jsonProduces,
    });
  }
  if (verbs.has('create')) {
    operations.push({
      ...base('post', 'create', 'post', `Creates the ${name} of a ${resource.kind}.`),
      query: writeParameters,
      body: { payload, required: true, contentTypes: ['*/*'] },
      responses: [200, 201, 202].map((code) => ({ code, payload })),
    });
  }
  if (verbs.has('update')) {
    operations.push({
      ...base('put', 'replace', 'put', `Replaces the ${name} of a ${resource.kind}.`),
      query: writeParameters,
      body: { payload, required: true, contentTypes: ['*/*'] },
      responses: [200, 201].map((code) => ({ code, payload })),
    });
  }
  if (verbs.has('patch')) {
    operations.push({
      ...base('patch', 'patch', 'patch', `Patches the ${name} of a ${resource.kind}.`),
      query: [...writeParameters, force],
      body: { payload: { definition: patchDefinition }, required: true, contentTypes: patchContentTypes(definitions.builtIn) },
      responses: [200, 201].map((code) => ({ code, payload })),
    });
  }
  return operations.length ? [{ path, pathParameters: context.itemParameters, operations }] : [];
}
