// Renders k2's OpenAPI documents from the served resources: one Swagger 2.0 document
// (/openapi/v2) and one OpenAPI 3.0 document per group version (/openapi/v3/apis/<g>/<v>), each
// with the definitions its operations reach. Schemas are the structure-only schema facts with k2's own
// descriptions (built-in kinds) or the CRD's own schema, shaped as kube-apiserver shapes CRD schemas.
import type { BuiltinSchemas } from './builtin-schemas.ts';
import { describedSchema } from './descriptions/index.ts';
import { definitionNameOfRef, referencedDefinitions } from './schema-refs.ts';
import {
  deleteOptionsDefinition,
  groupVersionRoot,
  patchDefinition,
  prettyParameter,
  resourcePaths,
  statusDefinition,
  watchEventDefinition,
  type ApiResourceInfo,
  type Operation,
  type Payload,
  type PathEntry,
  type QueryParameter,
} from './operations.ts';
import type { GroupVersionKind, OpenApiSchema } from './schema.ts';

type Json = Record<string, unknown>;

const objectMetaDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const listMetaDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const responseDescriptions: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 401: 'Unauthorized' };
const documentInfo = { title: 'Kubernetes', version: 'v1.33.1' };

/** The paths of one group version and the definitions they reach. */
export interface GroupVersionContent {
  /** `api/v1` or `apis/<group>/<version>`: the v3 document's key. */
  key: string;
  group: string;
  version: string;
  paths: PathEntry[];
  /** Definitions that only exist for this content (custom resources), v2 and v3 shapes. */
  customDefinitions: { v2: Map<string, OpenApiSchema>; v3: Map<string, OpenApiSchema> };
}

/** Groups the served resources by group version, with their operations. */
export function groupVersionContents(resources: ApiResourceInfo[], builtins: BuiltinSchemas): GroupVersionContent[] {
  const contents = new Map<string, GroupVersionContent>();
  for (const resource of resources) {
    const key = groupVersionRoot(resource.group, resource.version).slice(1);
    let content = contents.get(key);
    if (!content) {
      content = { key, group: resource.group, version: resource.version, paths: [], customDefinitions: { v2: new Map(), v3: new Map() } };
      contents.set(key, content);
    }
    const builtIn = resource.schema === undefined;
    const gvkDefinition = (gvk: GroupVersionKind) => builtins.definitionNameFor(gvk);
    let object: string;
    let list: string | undefined;
    if (builtIn) {
      const found = resource.definitionName ?? gvkDefinition(resource);
      if (!found) throw new Error(`no schema definition for ${resource.group}/${resource.version} ${resource.kind}`);
      object = found;
      list = gvkDefinition({ ...resource, kind: `${resource.kind}List` });
    } else {
      for (const v2 of [true, false]) {
        const target = v2 ? content.customDefinitions.v2 : content.customDefinitions.v3;
        for (const [name, schema] of customResourceDefinitions(resource, v2)) target.set(name, schema);
      }
      object = customModelName(resource.group, resource.version, resource.kind);
      list = `${object}List`;
    }
    content.paths.push(
      ...resourcePaths(resource, {
        object,
        list,
        builtIn,
        subresource: (name) => {
          const subresource = resource.subresources.find((s) => s.name === name)!;
          const sameKind = subresource.group === resource.group && subresource.version === resource.version && subresource.kind === resource.kind;
          return sameKind ? object : gvkDefinition(subresource);
        },
      }),
    );
  }
  for (const content of contents.values()) content.paths.sort((a, b) => a.path.localeCompare(b.path));
  return [...contents.values()].sort((a, b) => a.key.localeCompare(b.key));
}

// ---------------------------------------------------------------------------------------------
// Custom resources

/** `stable.example.com`, `v1`, `CronTab` → `com.example.stable.v1.CronTab`, as kube-apiserver names it. */
function customModelName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

function customResourceDefinitions(resource: ApiResourceInfo, v2: boolean): [string, OpenApiSchema][] {
  const name = customModelName(resource.group, resource.version, resource.kind);
  const ref = (definition: string): OpenApiSchema => ({ $ref: `#/definitions/${definition}` });
  const typeMeta = { apiVersion: { type: 'string' }, kind: { type: 'string' } };
  let object: OpenApiSchema;
  const source = resource.schema ?? { type: 'object' };
  if (v2 && source['x-kubernetes-preserve-unknown-fields']) {
    object = { type: 'object' };
  } else {
    object = structuredClone(v2 ? structuralSchemaForV2(source) : source);
    addEmbeddedResourceProperties(object, v2);
    object.properties = { ...object.properties, ...typeMeta, metadata: ref(objectMetaDefinition) };
  }
  object['x-kubernetes-group-version-kind'] = [{ group: resource.group, version: resource.version, kind: resource.kind }];
  const list: OpenApiSchema = {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref(name) }, metadata: ref(listMetaDefinition), ...typeMeta },
    'x-kubernetes-group-version-kind': [{ group: resource.group, version: resource.version, kind: `${resource.kind}List` }],
  };
  return [
    [name, object],
    [`${name}List`, list],
  ];
}

/** Embedded resources get apiVersion, kind and metadata (not below preserve-unknown-fields in v2). */
function addEmbeddedResourceProperties(schema: OpenApiSchema, v2: boolean): void {
  for (const property of Object.values(schema.properties ?? {})) addEmbeddedResourceProperties(property, v2);
  if (schema.items) addEmbeddedResourceProperties(schema.items, v2);
  if (typeof schema.additionalProperties === 'object') addEmbeddedResourceProperties(schema.additionalProperties, v2);
  if (v2 && schema['x-kubernetes-preserve-unknown-fields']) return;
  if (!schema['x-kubernetes-embedded-resource']) return;
  schema.properties = {
    ...schema.properties,
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: `#/definitions/${objectMetaDefinition}` },
  };
  const required = new Set(schema.required ?? []);
  schema.required = [...(schema.required ?? []), ...['kind', 'apiVersion'].filter((k) => !required.has(k))];
}

/** What kube-apiserver drops from a CRD's structural schema for Swagger 2.0 (no nullable, no oneOf…). */
function structuralSchemaForV2(source: OpenApiSchema): OpenApiSchema {
  const schema = { ...source } as OpenApiSchema & Json;
  for (const key of ['allOf', 'oneOf', 'anyOf', 'not']) delete schema[key];
  if (schema.nullable) {
    delete schema.type;
    delete schema.nullable;
    delete schema.items;
    delete schema.properties;
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) {
    delete schema.items;
    delete schema.properties;
    if (schema.type === 'object') delete schema.type;
  }
  if (!schema.items && schema.type === 'array') delete schema.type;
  if (schema.properties) {
    const nullable = new Set(Object.entries(schema.properties).filter(([, p]) => p.nullable).map(([n]) => n));
    schema.properties = Object.fromEntries(Object.entries(schema.properties).map(([n, p]) => [n, structuralSchemaForV2(p)]));
    if (schema.required && nullable.size) {
      schema.required = schema.required.filter((r) => !nullable.has(r));
      if (schema.required.length === 0) delete schema.required;
    }
  }
  if (schema.items) schema.items = structuralSchemaForV2(schema.items);
  if (typeof schema.additionalProperties === 'object') {
    if (schema.additionalProperties.nullable) delete schema.required;
    schema.additionalProperties = structuralSchemaForV2(schema.additionalProperties);
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Definitions

function payloadDefinitions(paths: PathEntry[]): string[] {
  const names = new Set<string>();
  const add = (payload?: Payload) => {
    if (payload && 'definition' in payload) names.add(payload.definition);
  };
  for (const entry of paths) {
    for (const operation of entry.operations) {
      add(operation.body?.payload);
      for (const response of operation.responses) add(response.payload);
    }
  }
  return [...names];
}

/** The definitions reachable from the roots, sorted by name. */
function reachableDefinitions(roots: string[], lookup: (name: string) => OpenApiSchema | undefined): Map<string, OpenApiSchema> {
  const found = new Map<string, OpenApiSchema>();
  const pending = [...roots, deleteOptionsDefinition, statusDefinition, watchEventDefinition, patchDefinition];
  while (pending.length) {
    const name = pending.pop()!;
    if (found.has(name)) continue;
    const schema = lookup(name);
    if (!schema) throw new Error(`OpenAPI definition ${name} is referenced but unknown`);
    found.set(name, schema);
    referencedDefinitions(schema, pending);
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

// ---------------------------------------------------------------------------------------------
// Swagger 2.0

/** Query parameters are shared constants; sharing their JSON lets the protobuf encoder reuse bytes. */
const v2QueryParameters = new WeakMap<QueryParameter, Json>();
const v2PathParameters = new Map<string, Json>();

function v2Parameter(parameter: QueryParameter, location: 'query' | 'path' = 'query'): Json {
  const cache = location === 'query' ? v2QueryParameters.get(parameter) : v2PathParameters.get(parameter.name);
  if (cache) return cache;
  const json = { description: parameter.description, in: location, name: parameter.name, type: parameter.type, uniqueItems: true, ...(location === 'path' ? { required: true } : {}) };
  if (location === 'query') v2QueryParameters.set(parameter, json);
  else v2PathParameters.set(parameter.name, json);
  return json;
}

const pathParameterDescriptions = { name: 'Name of the object.', namespace: 'Namespace of the object.', path: 'Path to proxy to.' };

function v2Schema(payload: Payload): Json {
  return 'definition' in payload ? { $ref: `#/definitions/${payload.definition}` } : { type: 'string' };
}

function v2Operation(operation: Operation): Json {
  const parameters: Json[] = [];
  if (operation.body) {
    parameters.push({ in: 'body', name: 'body', required: operation.body.required, schema: v2Schema(operation.body.payload) });
  }
  parameters.push(...operation.query.map((p) => v2Parameter(p)));
  const responses: Json = {};
  for (const response of operation.responses) {
    responses[String(response.code)] = { description: responseDescriptions[response.code], ...(response.payload ? { schema: v2Schema(response.payload) } : {}) };
  }
  responses['401'] = { description: responseDescriptions[401] };
  return {
    description: operation.description,
    consumes: operation.body?.contentTypes ?? ['*/*'],
    produces: operation.produces,
    schemes: ['https'],
    tags: [operation.tag],
    operationId: operation.operationId,
    ...(parameters.length ? { parameters } : {}),
    responses,
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': operation.gvk,
  };
}

function v2PathItem(entry: PathEntry): Json {
  const item: Json = {};
  for (const operation of entry.operations) item[operation.method] = v2Operation(operation);
  item.parameters = [
    ...entry.pathParameters.map((name) => v2Parameter({ name, type: 'string', description: pathParameterDescriptions[name] }, 'path')),
    v2Parameter(prettyParameter),
  ];
  return item;
}

export function renderSwagger(contents: GroupVersionContent[], builtins: BuiltinSchemas): Json {
  const paths: Json = {};
  const custom = new Map<string, OpenApiSchema>();
  for (const content of contents) {
    for (const entry of content.paths) paths[entry.path] = v2PathItem(entry);
    for (const [name, schema] of content.customDefinitions.v2) custom.set(name, schema);
  }
  const roots = contents.flatMap((c) => payloadDefinitions(c.paths));
  const definitions: Json = {};
  for (const [name, schema] of reachableDefinitions(roots, (name) => custom.get(name) ?? builtins.definition(name))) {
    definitions[name] = custom.has(name) ? schema : describedSchema(name, schema);
  }
  return { swagger: '2.0', info: documentInfo, paths, definitions };
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0

/** v2 refs → v3 refs; a `$ref` with siblings is wrapped in `allOf`, as kube-openapi writes v3. */
function toV3Schema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV3Schema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  let ref: string | undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') ref = `#/components/schemas/${definitionNameOfRef(value)}`;
    else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, toV3Schema(property)]));
    } else if (key === 'default' || key === 'enum' || key === 'example' || key.startsWith('x-')) out[key] = value;
    else out[key] = toV3Schema(value);
  }
  if (ref === undefined) return out;
  if (Object.keys(out).length === 0) return { $ref: ref };
  return { allOf: [{ $ref: ref }], ...out };
}

function v3Parameter(parameter: QueryParameter, location: 'query' | 'path' = 'query'): Json {
  return {
    name: parameter.name,
    in: location,
    description: parameter.description,
    ...(location === 'path' ? { required: true } : {}),
    schema: { type: parameter.type, uniqueItems: true },
  };
}

function v3Content(payload: Payload, contentTypes: string[]): Json {
  const schema = 'definition' in payload ? { $ref: `#/components/schemas/${payload.definition}` } : { type: 'string' };
  return Object.fromEntries(contentTypes.map((type) => [type, { schema }]));
}

function v3Operation(operation: Operation): Json {
  const responses: Json = {};
  for (const response of operation.responses) {
    responses[String(response.code)] = {
      description: responseDescriptions[response.code],
      ...(response.payload ? { content: v3Content(response.payload, operation.produces) } : {}),
    };
  }
  responses['401'] = { description: responseDescriptions[401] };
  return {
    tags: [operation.tag],
    description: operation.description,
    operationId: operation.operationId,
    ...(operation.query.length ? { parameters: operation.query.map((p) => v3Parameter(p)) } : {}),
    ...(operation.body ? { requestBody: { content: v3Content(operation.body.payload, operation.body.contentTypes), required: operation.body.required } } : {}),
    responses,
    'x-kubernetes-action': operation.action,
    'x-kubernetes-group-version-kind': operation.gvk,
  };
}

/**
 * One group version's OpenAPI 3.0 document. `converted` memoizes v3 forms of definitions across
 * the documents of one resource set (most documents share the core definitions).
 */
export function renderOpenApiV3(content: GroupVersionContent, builtins: BuiltinSchemas, converted = new Map<string, unknown>()): Json {
  const paths: Json = {};
  for (const entry of content.paths) {
    const item: Json = {};
    for (const operation of entry.operations) item[operation.method] = v3Operation(operation);
    item.parameters = [
      ...entry.pathParameters.map((name) => v3Parameter({ name, type: 'string', description: pathParameterDescriptions[name] }, 'path')),
      v3Parameter(prettyParameter),
    ];
    paths[entry.path] = item;
  }
  const custom = content.customDefinitions.v3;
  const schemas: Json = {};
  for (const [name, schema] of reachableDefinitions(payloadDefinitions(content.paths), (name) => custom.get(name) ?? builtins.definition(name))) {
    if (custom.has(name)) {
      schemas[name] = toV3Schema(schema);
      continue;
    }
    let v3 = converted.get(name);
    if (v3 === undefined) {
      v3 = toV3Schema(describedSchema(name, builtins.v3Variant(name) ?? schema));
      converted.set(name, v3);
    }
    schemas[name] = v3;
  }
  return {
    openapi: '3.0.0',
    info: documentInfo,
    paths,
    components: { schemas, securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token authentication' } } },
    security: [{ BearerToken: [] }],
  };
}
