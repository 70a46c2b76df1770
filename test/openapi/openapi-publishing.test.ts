// k2's OpenAPI documents: the v2 protobuf (decoded independently with protobufjs and gnostic's
// message facts) says what the v2 JSON says; both carry the operations and patch metadata kubectl
// relies on; v3 documents are self-contained, hashed and cached as kube-openapi serves them.
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinSchemas } from '../../apiserver/openapi/builtin-schemas.ts';
import { builtinDescriptions } from '../../apiserver/openapi/descriptions/index.ts';
import { readSharedJson } from '../../apiserver/openapi/generator/shared-material.ts';
import type { ApiResourceInfo } from '../../apiserver/openapi/operations.ts';
import { OpenApiPublisher } from '../../apiserver/openapi/publisher.ts';
import { openApiV2ProtobufType, registerOpenApiRoutes } from '../../apiserver/openapi/routes.ts';
import type { OpenApiSchema } from '../../apiserver/openapi/schema.ts';
import { crontabSchema, servedResources } from './served-resources.ts';

type Json = Record<string, any>;

/** gnostic's openapi.v2 package, built here from ../shared's facts (not from k2's descriptor). */
function gnosticDocumentType(): protobuf.Type {
  const facts = readSharedJson<{ messages: Record<string, { fields: { name: string; number: number; type: string; repeated?: boolean }[] }> }>('protobuf', 'openapi-v2-messages.json');
  const root = new protobuf.Root();
  root.define('google.protobuf').add(new protobuf.Type('Any').add(new protobuf.Field('type_url', 1, 'string')).add(new protobuf.Field('value', 2, 'bytes')));
  const v2 = root.define('openapi.v2');
  for (const [name, message] of Object.entries(facts.messages)) {
    const type = new protobuf.Type(name.slice('openapi.v2.'.length));
    for (const field of message.fields) type.add(new protobuf.Field(field.name, field.number, field.type, field.repeated ? 'repeated' : 'optional'));
    v2.add(type);
  }
  root.resolveAll();
  return root.lookupType('openapi.v2.Document');
}

/** gnostic Document → Swagger 2.0 JSON, the way kube-openapi reads it back (Any.yaml is JSON). */
function swaggerFromGnostic(document: Json): Json {
  const extensions = (list: Json[] = []) => Object.fromEntries(list.map((e) => [e.name, JSON.parse(e.value.yaml)]));
  const schema = (s: Json): Json => {
    const out: Json = {};
    if (s._ref) out.$ref = s._ref;
    if (s.format) out.format = s.format;
    if (s.description) out.description = s.description;
    if (s.required?.length) out.required = s.required;
    if (s.type?.value?.length) out.type = s.type.value[0];
    if (s.items) out.items = schema(s.items.schema[0]);
    if (s.properties) out.properties = Object.fromEntries(s.properties.additional_properties.map((p: Json) => [p.name, schema(p.value)]));
    if (s.additional_properties) out.additionalProperties = s.additional_properties.schema ? schema(s.additional_properties.schema) : s.additional_properties.boolean;
    if (s.default) out.default = JSON.parse(s.default.yaml);
    return { ...out, ...extensions(s.vendor_extension) };
  };
  const parameter = (p: Json): Json => {
    if (p.parameter.body_parameter) {
      const b = p.parameter.body_parameter;
      return { in: b.in, name: b.name, required: b.required ?? false, schema: schema(b.schema) };
    }
    const [sub] = Object.values(p.parameter.non_body_parameter) as Json[];
    return { description: sub!.description, in: sub!.in, name: sub!.name, type: sub!.type, uniqueItems: sub!.unique_items, ...(sub!.required ? { required: true } : {}) };
  };
  const operation = (o: Json): Json => ({
    description: o.description,
    consumes: o.consumes,
    produces: o.produces,
    schemes: o.schemes,
    tags: o.tags,
    operationId: o.operation_id,
    ...(o.parameters?.length ? { parameters: o.parameters.map(parameter) } : {}),
    responses: Object.fromEntries(
      o.responses.response_code.map((r: Json) => [r.name, { description: r.value.response.description, ...(r.value.response.schema ? { schema: schema(r.value.response.schema.schema) } : {}) }]),
    ),
    ...extensions(o.vendor_extension),
  });
  const paths = Object.fromEntries(
    document.paths.path.map((p: Json) => {
      const item: Json = {};
      for (const method of ['get', 'put', 'post', 'delete', 'patch']) if (p.value[method]) item[method] = operation(p.value[method]);
      item.parameters = p.value.parameters.map(parameter);
      return [p.name, item];
    }),
  );
  const definitions = Object.fromEntries(document.definitions.additional_properties.map((d: Json) => [d.name, schema(d.value)]));
  return { swagger: document.swagger, info: { title: document.info.title, version: document.info.version }, paths, definitions };
}

describe('OpenAPI documents', () => {
  const publisher = new OpenApiPublisher();
  publisher.setResources(servedResources);
  const swagger = JSON.parse(publisher.v2Json().body.toString()) as Json;

  it('encode the same Swagger document as gnostic protobuf and as JSON', () => {
    const type = gnosticDocumentType();
    const decoded = type.toObject(type.decode(publisher.v2Protobuf().body), { defaults: false, arrays: true, longs: Number }) as Json;
    expect(swaggerFromGnostic(decoded)).toEqual(swagger);
  });

  it('carry every patch and list extension of the schema facts', () => {
    const facts = builtinSchemas();
    let checked = 0;
    for (const [name, definition] of Object.entries(swagger.definitions as Record<string, OpenApiSchema>)) {
      const source = facts.definition(name);
      if (!source) continue;
      for (const [property, schema] of Object.entries(source.properties ?? {})) {
        for (const key of ['x-kubernetes-patch-merge-key', 'x-kubernetes-patch-strategy', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'] as const) {
          if (schema[key] === undefined) continue;
          expect(definition.properties![property]![key], `${name}.${property} ${key}`).toEqual(schema[key]);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(swagger.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
  });

  it('advertise fieldValidation, dryRun, fieldManager and force on each PATCH, with the group/version/kind', () => {
    const patch = swagger.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch['x-kubernetes-action']).toBe('patch');
    expect(patch.operationId).toBe('patchAppsV1NamespacedDeployment');
    expect(patch.parameters.map((p: Json) => p.name)).toEqual(['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(patch.consumes).toContain('application/strategic-merge-patch+json');
    for (const [path, item] of Object.entries(swagger.paths as Record<string, Json>)) {
      for (const method of ['put', 'post', 'patch']) {
        const operation = item[method];
        if (!operation || operation['x-kubernetes-action'] === 'connect') continue;
        const names = operation.parameters.map((p: Json) => p.name);
        expect(names, `${method} ${path}`).toEqual(expect.arrayContaining(['dryRun', 'fieldManager', 'fieldValidation']));
      }
    }
  });

  it('lay paths out as kube-apiserver does', () => {
    const paths = Object.keys(swagger.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/namespaces/{namespace}/pods',
        '/api/v1/namespaces/{namespace}/pods/{name}',
        '/api/v1/namespaces/{namespace}/pods/{name}/log',
        '/api/v1/namespaces/{namespace}/pods/{name}/exec',
        '/api/v1/namespaces/{namespace}/pods/{name}/eviction',
        '/api/v1/pods',
        '/api/v1/watch/namespaces/{namespace}/pods',
        '/api/v1/namespaces/{name}',
        '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status',
      ]),
    );
    const scale = swagger.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scale.put['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(scale.put.operationId).toBe('replaceAppsV1NamespacedDeploymentScale');
    expect(scale.put.parameters[0].schema).toEqual({ $ref: '#/definitions/io.k8s.api.autoscaling.v1.Scale' });
    const exec = swagger.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'];
    expect(exec.get.operationId).toBe('connectCoreV1GetNamespacedPodExec');
    expect(exec.post['x-kubernetes-action']).toBe('connect');
    expect(swagger.paths['/api/v1/namespaces/{namespace}/pods/{name}/log'].get.responses['200'].schema).toEqual({ type: 'string' });
    expect(swagger.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'].post).toBeDefined();
    expect(swagger.paths['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'].get).toBeUndefined();
    expect(swagger.paths['/apis/extensions/v1beta1/namespaces/{namespace}/ingresses/{name}'].get.responses['200'].schema.$ref).toBe('#/definitions/io.k8s.api.extensions.v1beta1.Ingress');
  });

  it('shape custom resource schemas for Swagger 2.0 as kube-apiserver does', () => {
    const crontab = swagger.definitions['com.example.stable.v1.CronTab'];
    expect(crontab['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
    expect(crontab.properties.metadata).toEqual({ $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });
    expect(crontab.properties.spec.properties.replicas).toEqual({}); // nullable: no type in v2
    expect(crontab.properties.spec.required).toEqual(['cronSpec']); // nullable fields are not required
    expect(crontab.properties.spec.properties.config).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect(crontab.properties.spec.properties.template.properties.apiVersion).toEqual({ type: 'string' });
    expect(crontab.properties.spec.properties.template.required).toEqual(['kind', 'apiVersion']);
    expect(swagger.definitions['com.example.stable.v1.CronTabList'].properties.items).toEqual({ type: 'array', items: { $ref: '#/definitions/com.example.stable.v1.CronTab' } });
    const patch = swagger.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch;
    expect(patch.consumes).not.toContain('application/strategic-merge-patch+json');
  });

  it('split v3 into self-contained group version documents with the same operations', () => {
    const root = JSON.parse(publisher.v3Root().body.toString()) as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(root.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/apps/v1beta1', 'apis/stable.example.com/v1']));
    for (const [key, { serverRelativeURL }] of Object.entries(root.paths)) {
      const document = publisher.v3(key)!;
      expect(serverRelativeURL).toBe(`/openapi/v3/${key}?hash=${document.hash}`);
      expect(document.hash).toMatch(/^[0-9A-F]{128}$/);
      const v3 = JSON.parse(document.body.toString()) as Json;
      expect(v3.openapi).toBe('3.0.0');
      const text = document.body.toString();
      for (const [, name] of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) expect(v3.components.schemas[name!], `${key}: ${name}`).toBeDefined();
      expect(text).not.toContain('#/definitions/');
    }
    const apps = JSON.parse(publisher.v3('apis/apps/v1')!.body.toString()) as Json;
    const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters.find((p: Json) => p.name === 'fieldValidation')).toMatchObject({ in: 'query', schema: { type: 'string' } });
    expect(Object.keys(patch.requestBody.content)).toContain('application/strategic-merge-patch+json');
    // A $ref with siblings (k2's description among them) is wrapped in allOf, as kube-openapi writes v3.
    expect(apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy).toEqual({
      allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }],
      default: {},
      description: builtinDescriptions().get('apps.DeploymentSpec')!.strategy,
      'x-kubernetes-patch-strategy': 'retainKeys',
    });
    expect(apps.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({
      description: builtinDescriptions().get('intstr.IntOrString')!['']!,
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    });
    const crontabs = JSON.parse(publisher.v3('apis/stable.example.com/v1')!.body.toString()) as Json;
    expect(crontabs.components.schemas['com.example.stable.v1.CronTab'].properties.spec.properties.replicas).toEqual({ type: 'integer', nullable: true });
  });

  it('rebuild documents when the resources change, changing only the affected hashes', () => {
    const changing = new OpenApiPublisher();
    const base = servedResources.filter((r) => r.group !== 'stable.example.com');
    changing.setResources(base);
    const appsHash = changing.v3('apis/apps/v1')!.hash;
    const v2Hash = changing.v2Json().hash;
    expect(changing.v3('apis/stable.example.com/v1')).toBeUndefined();

    const crd: ApiResourceInfo = { group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', namespaced: true, verbs: ['get', 'list', 'create'], subresources: [], schema: crontabSchema };
    changing.setResources([...base, crd]);
    const first = changing.v3('apis/stable.example.com/v1')!.hash;
    expect(changing.v3('apis/apps/v1')!.hash).toBe(appsHash);
    expect(changing.v2Json().hash).not.toBe(v2Hash);

    const widened: OpenApiSchema = structuredClone(crontabSchema);
    widened.properties!.spec!.properties!.newField = { type: 'string' };
    changing.setResources([...base, { ...crd, schema: widened }]);
    expect(changing.v3('apis/stable.example.com/v1')!.hash).not.toBe(first);
    expect(JSON.parse(changing.v3Root().body.toString()).paths['apis/stable.example.com/v1'].serverRelativeURL).toContain(changing.v3('apis/stable.example.com/v1')!.hash);
  });
});

describe('OpenAPI routes', () => {
  const app = Fastify();
  const publisher = new OpenApiPublisher();
  publisher.setResources(servedResources);
  registerOpenApiRoutes(app, publisher);
  beforeAll(() => app.ready());
  afterAll(() => app.close());

  it('serve /openapi/v2 as gnostic protobuf when kubectl asks for it, else as JSON', async () => {
    for (const accept of ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf']) {
      const response = await app.inject({ url: '/openapi/v2', headers: { accept } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe(openApiV2ProtobufType);
      expect(response.rawPayload.equals(publisher.v2Protobuf().body)).toBe(true);
    }
    for (const accept of [undefined, 'application/json', '*/*', 'application/json, */*']) {
      const response = await app.inject({ url: '/openapi/v2', headers: accept ? { accept } : {} });
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json().swagger).toBe('2.0');
    }
    expect((await app.inject({ url: '/openapi/v2', headers: { accept: 'text/html' } })).statusCode).toBe(406);
    const old = await app.inject({ url: '/swagger-2.0.0.pb-v1' });
    expect(old.headers['content-type']).toBe(openApiV2ProtobufType);
  });

  it('gzip when asked, answer 304 to a current ETag', async () => {
    const zipped = await app.inject({ url: '/openapi/v2', headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).equals(publisher.v2Protobuf().body)).toBe(true);
    const etag = zipped.headers.etag as string;
    expect(etag).toBe(`"${publisher.v2Json().hash}"`);
    const again = await app.inject({ url: '/openapi/v2', headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
  });

  it('serve v3 documents immutable under their hash, redirect old hashes, and 404 unknown ones', async () => {
    const root = await app.inject({ url: '/openapi/v3' });
    const url = (root.json() as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/apps/v1']!.serverRelativeURL;
    const hashed = await app.inject({ url, headers: { accept: 'application/json' } });
    expect(hashed.statusCode).toBe(200);
    expect(hashed.headers['cache-control']).toBe('public, immutable');
    expect(Date.parse(hashed.headers.expires as string)).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    expect(hashed.headers.etag).toBe(`"${publisher.v3('apis/apps/v1')!.hash}"`);
    expect(hashed.json().paths['/apis/apps/v1/namespaces/{namespace}/deployments']).toBeDefined();
    const plain = await app.inject({ url: '/openapi/v3/apis/apps/v1' });
    expect(plain.headers['cache-control']).toBe('no-cache, private');
    const stale = await app.inject({ url: '/openapi/v3/apis/apps/v1?hash=0123' });
    expect(stale.statusCode).toBe(301);
    expect(stale.headers.location).toBe(url);
    const missing = await app.inject({ url: '/openapi/v3/apis/nothing.example.com/v1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
  });
});
