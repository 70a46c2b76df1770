// HTTP handlers for every resource request: /api/v1/… and /apis/<group>/<version>/…, one generic
// path for all kinds (get, list, watch, create, update, patch, delete, deletecollection, and the
// status and scale subresources), plus a hook for custom subresources (log, exec, binding, …).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdmissionRequestContext } from '../admission/types.ts';
import { addAuditAnnotation } from '../audit/audit-log.ts';
import type { UserInfo } from '../authn.ts';
import { forbiddenError } from '../authz.ts';
import type { ApiCore } from '../core.ts';
import { fromServedVersion, toServedVersion } from '../registry/conversion.ts';
import { groupVersion, partSubresource, servedSubresources, storageResource, type ServedVersion } from '../registry/registry.ts';
import { parseFieldSelector, parseLabelSelector } from '../registry/selectors.ts';
import type { DeleteOptions, ListOptions, ResourceStore, WriteOptions } from '../registry/store.ts';
import type { KubeObject } from '../registry/types.ts';
import { pathSegmentNameErrors } from '../registry/field-errors.ts';
import { errors, StatusError } from '../status.ts';
import { decodeJson, decodeObjectBody, negotiateOutput, type OutputShape } from './content.ts';
import { builtinDecodeTarget, customResourceDecodeTarget, decodeRequestObject, type DecodeTarget } from '../openapi/request-decoding.ts';
import { Discovery } from './discovery.ts';
import { applyPatchBody, patchTypes } from './patch.ts';
import { PatchTypes } from '../patch/apply-patch.ts';
import { apply, keepManagedFieldsTimesOnNoop } from '../apply/field-manager.ts';
import { decodeApplyPatch } from '../apply/apply-patch-body.ts';
import type { JsonObject } from '../apply/go-format.ts';
import { fieldManagerContext } from '../managed-fields.ts';
import { parseRequestPath, type RequestInfo } from './request-info.ts';
import { getScale, scaleFromBody, writeScale } from './scale.ts';
import { renderList, renderObject, sendJson } from './output.ts';
import { serveWatch } from './watch.ts';

export type Query = Record<string, string | string[] | undefined>;

export interface ResourceRequest {
  info: RequestInfo;
  served: ServedVersion;
  store: ResourceStore;
  user: UserInfo;
  query: Query;
  request: FastifyRequest;
  reply: FastifyReply;
  /** What admission webhooks see of this request and answer into. */
  admission: AdmissionRequestContext;
}

/** A custom subresource: `pods/log`, `pods/exec`, `pods/binding`, … */
export type SubresourceHandler = (request: ResourceRequest) => Promise<unknown> | unknown;

export function queryString(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

export function queryBoolean(query: Query, name: string): boolean {
  const value = queryString(query, name);
  return value === 'true' || value === '1';
}

function queryInteger(query: Query, name: string): number | undefined {
  const value = queryString(query, name);
  if (value === undefined || value === '') return undefined;
  if (!/^-?\d+$/.test(value)) throw errors.badRequest(`invalid ${name}: ${value}`);
  return Number(value);
}

export function dryRunOf(query: Query): boolean {
  const values = ([] as string[]).concat(query.dryRun ?? []);
  for (const value of values) {
    if (value !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${value}": supported values: "All"`);
  }
  return values.length > 0;
}

function listOptionsOf(query: Query): ListOptions {
  const match = queryString(query, 'resourceVersionMatch');
  if (match !== undefined && match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
    throw errors.badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
  }
  const limit = queryInteger(query, 'limit');
  const cont = queryString(query, 'continue');
  const resourceVersion = queryString(query, 'resourceVersion');
  if (cont && resourceVersion && resourceVersion !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
  return {
    labelSelector: parseLabelSelector(queryString(query, 'labelSelector')),
    fieldSelector: parseFieldSelector(queryString(query, 'fieldSelector')),
    limit,
    continue: cont || undefined,
    resourceVersion,
    resourceVersionMatch: (match || undefined) as ListOptions['resourceVersionMatch'],
  };
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The fieldValidation directive (Kubernetes' default is Warn). */
export function fieldValidationOf(query: Query): FieldValidation {
  const value = queryString(query, 'fieldValidation');
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw errors.badRequest(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`);
}

/** Sends `Warning: 299 - "<text>"` headers, which kubectl prints as `Warning: <text>`. */
export function addWarnings(reply: FastifyReply, warnings: string[]): void {
  if (!warnings.length) return;
  const existing = reply.getHeader('warning');
  const previous = existing === undefined ? [] : Array.isArray(existing) ? existing.map(String) : [String(existing)];
  reply.header('warning', [...previous, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)]);
}

export interface DecodeContext {
  core: ApiCore;
  served: ServedVersion;
  reply: FastifyReply;
  fieldValidation: FieldValidation;
}

/** The object a create/update body holds, checked against the URL and its schema, in the stored form. */
export function decodeWrittenObject(context: DecodeContext, contentType: string | undefined, body: Buffer | undefined): KubeObject {
  const isJson = !contentType || contentType.split(';')[0]!.trim() === 'application/json';
  if (!isJson || !body?.length) return toStoredObject(context, decodeObjectBody(contentType, body));
  // The text is kept for the duplicate-field check that typed decoding does.
  const text = body.toString('utf8');
  return toStoredObject(context, decodeJson(text), text);
}

/**
 * Checks a decoded object (of the client's version) as typed decoding does — unknown fields per
 * fieldValidation, type errors — then converts it to the stored form.
 */
export function toStoredObject({ core, served, reply, fieldValidation }: DecodeContext, decoded: unknown, rawJson?: string): KubeObject {
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw errors.badRequest(`Object '${served.kind}' is not a JSON object`);
  }
  const object = decoded as KubeObject;
  for (const field of ['apiVersion', 'kind'] as const) {
    const value: unknown = object[field];
    if (value === null) delete object[field];
    else if (value !== undefined && typeof value !== 'string') {
      const goType = Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value;
      throw errors.badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${goType} into Go struct field .${field} of type string`);
    }
  }
  const expected = groupVersion(served.group, served.version);
  let through = served;
  if (object.kind !== undefined && object.kind !== served.kind) {
    throw errors.badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`);
  }
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    // Another version of the same kind (e.g. apps/v1beta2 posted to apps/v1) is converted, as Kubernetes does.
    const [g, v] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
    const other = core.registry.lookupKind(g!, v!, served.kind);
    if (!other || other.description !== served.description) {
      throw errors.badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`);
    }
    through = other;
  }
  // ObjectMeta.initializers (1.7–1.13): k2 has no initializers, so an object is initialized when
  // written; manifests that still carry the field keep applying.
  if (object.metadata && typeof object.metadata === 'object') delete (object.metadata as Record<string, unknown>).initializers;
  const target = decodeTargetFor(through);
  if (target) {
    const { warnings } = decodeRequestObject(object as Record<string, unknown>, target, { fieldValidation, rawJson });
    addWarnings(reply, warnings);
  }
  object.metadata ??= {};
  return fromServedVersion(through, object);
}

/** The schema a body of this served version is decoded against (built-in definition or CRD schema). */
function decodeTargetFor(served: ServedVersion): DecodeTarget | undefined {
  const gvk = { group: served.group, version: served.version, kind: served.kind };
  const inline = served.versionDescription.schema;
  if (inline) return customResourceDecodeTarget(gvk, inline, served.versionDescription.preserveUnknownFields);
  return builtinDecodeTarget(gvk);
}

function deleteOptionsOf(core: ApiCore, request: FastifyRequest, query: Query, user: UserInfo): DeleteOptions {
  const options: DeleteOptions = { user, dryRun: dryRunOf(query) };
  const body = request.body as Buffer | undefined;
  if (body && body.length) {
    const parsed = decodeObjectBody(request.headers['content-type'], body) as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null) throw errors.badRequest('DeleteOptions must be a JSON object');
    if (Array.isArray(parsed.dryRun) && parsed.dryRun.length) options.dryRun = true;
    if (typeof parsed.gracePeriodSeconds === 'number') options.gracePeriodSeconds = parsed.gracePeriodSeconds;
    if (typeof parsed.propagationPolicy === 'string') options.propagationPolicy = parsed.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (typeof parsed.orphanDependents === 'boolean') options.orphanDependents = parsed.orphanDependents;
    if (parsed.preconditions && typeof parsed.preconditions === 'object') options.preconditions = parsed.preconditions as DeleteOptions['preconditions'];
  }
  const grace = queryInteger(query, 'gracePeriodSeconds');
  if (grace !== undefined) options.gracePeriodSeconds = grace;
  const policy = queryString(query, 'propagationPolicy');
  if (policy) options.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  if (queryString(query, 'orphanDependents') !== undefined) options.orphanDependents = queryBoolean(query, 'orphanDependents');
  if (options.propagationPolicy && !['Foreground', 'Background', 'Orphan'].includes(options.propagationPolicy)) {
    throw errors.invalid('DeleteOptions', '', '', [
      { reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: "${options.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"` },
    ]);
  }
  void core;
  return options;
}

/** Status returned when an object was deleted at once (Kubernetes' generic store does the same). */
function deletedStatus(served: ServedVersion, object: KubeObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: object.metadata.name, group: served.description.group || undefined, kind: served.description.plural, uid: object.metadata.uid },
  };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export class ResourceHandlers {
  private readonly custom = new Map<string, Partial<Record<Method, SubresourceHandler>>>();
  readonly discovery: Discovery;

  constructor(private readonly core: ApiCore) {
    this.discovery = new Discovery(core.registry);
  }

  /**
   * Serves `<resource>/<subresource>` for `method` with a custom handler; an empty subresource
   * means the collection itself (POST to a virtual kind such as a review).
   */
  addHandler(group: string, plural: string, subresource: string, method: Method, handler: SubresourceHandler): void {
    const key = `${storageResource({ group, plural })}/${subresource}`;
    this.custom.set(key, { ...this.custom.get(key), [method]: handler });
  }

  private customHandler(served: ServedVersion, subresource: string, method: Method): SubresourceHandler | undefined {
    return this.custom.get(`${storageResource(served.description)}/${subresource}`)?.[method];
  }

  register(app: FastifyInstance): void {
    const handler = (request: FastifyRequest, reply: FastifyReply) => this.handle(request, reply);
    for (const url of ['/api', '/apis', '/api/*', '/apis/*']) {
      app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url, handler });
    }
  }

  private resolve(info: RequestInfo): ServedVersion {
    const served = this.core.registry.lookup(info.group, info.version, info.resource!);
    if (!served) throw errors.routeNotFound();
    if (info.namespace !== undefined && !served.description.namespaced) throw errors.routeNotFound();
    return served;
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const path = request.url.split('?')[0]!;
    const info = parseRequestPath(path);
    if (!info?.resource) {
      if (request.method === 'GET' && this.discovery.serve(path, request, reply)) return reply;
      throw errors.routeNotFound();
    }
    const served = this.resolve(info);
    const store = this.core.store(served.description);
    const query = request.query as Query;
    const admission: AdmissionRequestContext = {
      served,
      fieldManager: queryString(query, 'fieldManager'),
      subresource: info.subresource,
      warn: (text) => addWarnings(reply, [text]),
      annotate: (key, value) => addAuditAnnotation(request, key, value),
    };
    const context: ResourceRequest = { info, served, store, user: request.user!, query, request, reply, admission };
    const method = request.method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    await this.authorize(context, method);

    if (info.subresource && info.subresource !== 'status' && info.subresource !== 'scale' && !partSubresource(served, info.subresource)) {
      // Only the versions that declare a subresource serve it (deployments/rollback: extensions/v1beta1, apps/v1beta1).
      const declared = servedSubresources(served).some((s) => s.subresource === info.subresource);
      const custom = declared ? this.customHandler(served, info.subresource, method) : undefined;
      if (!custom) throw errors.routeNotFound();
      return custom(context);
    }
    if (served.description.virtual) {
      // POST to the collection (reviews, bindings), or GET of objects computed on read (metrics.k8s.io).
      const custom = method === 'GET' || (!info.name && method === 'POST') ? this.customHandler(served, '', method) : undefined;
      if (!custom) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
      return custom(context);
    }
    if (info.subresource === 'status' && !served.description.status) throw errors.routeNotFound();
    if (info.subresource === 'scale' && !served.description.scale) throw errors.routeNotFound();

    // The verbs of the resource itself; status and scale have their own.
    const verbs = info.subresource ? undefined : (served.versionDescription.verbs ?? served.description.verbs);
    const allow = (verb: string) => {
      if (verbs && !verbs.includes(verb)) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    };

    switch (method) {
      case 'GET': {
        if (!info.name) {
          if (queryBoolean(query, 'watch') || info.legacyWatch) {
            allow('watch');
            return serveWatch(this.core, context);
          }
          allow('list');
          return this.list(context);
        }
        allow('get');
        if (info.subresource === 'scale') return sendJson(reply, 200, getScale(served, await store.get(info.namespace, info.name)));
        return this.get(context);
      }
      case 'POST':
        if (info.name) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        allow('create');
        return this.create(context);
      case 'PUT':
        if (!info.name) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        allow('update');
        return this.update(context);
      case 'PATCH':
        if (!info.name) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        allow('patch');
        return this.patch(context);
      case 'DELETE':
        if (!info.name) {
          allow('deletecollection');
          return this.deleteCollection(context);
        }
        allow('delete');
        return this.delete(context);
    }
  }

  /** Kubernetes' verb for a request: get/list/watch/create/update/patch/delete/deletecollection. */
  private async authorize({ info, served, user, query }: ResourceRequest, method: Method): Promise<void> {
    const watch = queryBoolean(query, 'watch') || info.legacyWatch;
    const verb = {
      GET: info.name ? 'get' : watch ? 'watch' : 'list',
      POST: 'create',
      PUT: 'update',
      PATCH: 'patch',
      DELETE: info.name ? 'delete' : 'deletecollection',
    }[method];
    const attributes = {
      user,
      verb,
      namespace: info.namespace,
      apiGroup: served.group,
      apiVersion: served.version,
      resource: served.plural,
      subresource: info.subresource,
      name: info.name ?? (verb === 'list' || verb === 'watch' ? selectedName(query) : undefined),
      resourceRequest: true,
    };
    const decision = await this.core.authorizer.authorize(attributes);
    if (!decision.allowed) throw forbiddenError(attributes, decision.reason);
  }

  private output(context: ResourceRequest): OutputShape {
    return negotiateOutput(context.request.headers.accept);
  }

  private async get({ info, served, store, query, request, reply }: ResourceRequest): Promise<unknown> {
    const shape = negotiateOutput(request.headers.accept);
    const object = await store.get(info.namespace, info.name!, queryString(query, 'resourceVersion'));
    return renderObject(reply, served, toServedVersion(served, object), shape, 200, query);
  }

  private async list(context: ResourceRequest): Promise<unknown> {
    const { info, served, store, query, reply } = context;
    const shape = this.output(context);
    const result = await store.list(info.namespace, listOptionsOf(query));
    return renderList(reply, served, result, shape, query);
  }

  private async create(context: ResourceRequest): Promise<unknown> {
    const { info, served, store, query, request, reply, user, admission } = context;
    const shape = this.output(context);
    const object = decodeWrittenObject({ core: this.core, served, reply, fieldValidation: fieldValidationOf(query) }, request.headers['content-type'], request.body as Buffer | undefined);
    const created = await store.create(info.namespace, object, { user, dryRun: dryRunOf(query), fieldManager: queryString(query, 'fieldManager'), userAgent: request.headers['user-agent'], admission });
    return renderObject(reply, served, toServedVersion(served, created), shape, 201, query);
  }

  private async update(context: ResourceRequest): Promise<unknown> {
    const { info, served, store, query, request, reply, user, admission } = context;
    const shape = this.output(context);
    const options = { user, dryRun: dryRunOf(query), fieldManager: queryString(query, 'fieldManager'), userAgent: request.headers['user-agent'], subresource: info.subresource, admission };
    if (info.subresource === 'scale') {
      const scale = scaleFromBody(request.headers['content-type'], request.body as Buffer | undefined);
      const updated = await writeScale(store, served, info.namespace, info.name!, () => scale, options);
      return sendJson(reply, 200, getScale(served, updated));
    }
    const object = decodeWrittenObject({ core: this.core, served, reply, fieldValidation: fieldValidationOf(query) }, request.headers['content-type'], request.body as Buffer | undefined);
    const { object: updated, created } = await store.update(info.namespace, info.name!, object, { ...options, allowCreate: served.description.allowCreateOnUpdate });
    return renderObject(reply, served, toServedVersion(served, updated), shape, created ? 201 : 200, query);
  }

  private async patch(context: ResourceRequest): Promise<unknown> {
    const { info, served, store, query, request, reply, user, admission } = context;
    const shape = this.output(context);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!patchTypes.has(contentType)) throw errors.unsupportedMediaType(contentType);
    const body = request.body as Buffer | undefined;
    if (!body || !body.length) throw errors.badRequest('the body of the request was empty');
    const options = { user, dryRun: dryRunOf(query), fieldManager: queryString(query, 'fieldManager'), userAgent: request.headers['user-agent'], subresource: info.subresource, admission };
    if (contentType === PatchTypes.apply) return this.serverSideApply(context, body, options);
    if (info.subresource === 'scale') {
      const updated = await writeScale(store, served, info.namespace, info.name!, (current) => applyPatchBody(contentType, current, body, undefined) as KubeObject, options);
      return sendJson(reply, 200, getScale(served, updated));
    }
    const isCustomResource = Boolean(served.versionDescription.schema);
    const updated = await store.guaranteedUpdate(
      info.namespace,
      info.name!,
      (current) => {
        const patched = applyPatchBody(contentType, toServedVersion(served, current), body, this.core.kindSchema(served), isCustomResource) as KubeObject;
        return toStoredObject({ core: this.core, served, reply, fieldValidation: fieldValidationOf(query) }, patched);
      },
      options,
    );
    return renderObject(reply, served, toServedVersion(served, updated), shape, 200, query);
  }

  /** PATCH application/apply-patch+yaml: server-side apply, creating the object when it is missing. */
  private async serverSideApply(context: ResourceRequest, body: Buffer, options: WriteOptions): Promise<unknown> {
    const { info, served, store, query, reply } = context;
    const shape = this.output(context);
    const manager = options.fieldManager;
    if (!manager) {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
    }
    if (info.subresource === 'scale') throw errors.methodNotAllowed('server-side apply of the scale subresource is not supported');
    const applied = decodeApplyPatch(body);
    const force = queryBoolean(query, 'force');
    const fieldManager = fieldManagerContext(this.core, served, info.subresource);
    const decode = { core: this.core, served, reply, fieldValidation: fieldValidationOf(query) };
    const applyOnto = (live: KubeObject | undefined): KubeObject => {
      const result = apply(live as JsonObject | undefined, applied, manager, undefined, { ...fieldManager, force });
      const object = live ? keepManagedFieldsTimesOnNoop(live as JsonObject, result.object) : result.object;
      return toStoredObject(decode, structuredClone(object));
    };
    const write = { ...options, managedFieldsDone: true };
    if (!(await store.find(info.namespace, info.name!))) {
      if (info.subresource) throw errors.notFound(served.description.plural, served.description.group, info.name!);
      try {
        const object = applyOnto(undefined);
        object.metadata.name ??= info.name;
        if (object.metadata.name !== info.name) throw errors.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${info.name})`);
        const created = await store.create(info.namespace, object, write);
        return renderObject(reply, served, toServedVersion(served, created), shape, 201, query);
      } catch (error) {
        // Someone created it meanwhile: apply onto theirs.
        if (!(error instanceof StatusError && error.reason === 'AlreadyExists')) throw error;
      }
    }
    const updated = await store.guaranteedUpdate(
      info.namespace,
      info.name!,
      (current) => {
        const object = applyOnto(toServedVersion(served, current));
        const wanted = (applied.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
        if (wanted) object.metadata.resourceVersion = wanted;
        else delete object.metadata.resourceVersion;
        return object;
      },
      write,
    );
    return renderObject(reply, served, toServedVersion(served, updated), shape, 200, query);
  }


  private async delete(context: ResourceRequest): Promise<unknown> {
    const { info, served, store, query, request, reply, user } = context;
    const shape = this.output(context);
    const options = { ...deleteOptionsOf(this.core, request, query, user), admission: context.admission };
    const { object, deleted } = await store.delete(info.namespace, info.name!, options);
    if (deleted && !served.description.returnDeletedObject) return sendJson(reply, 200, deletedStatus(served, object));
    const status = !deleted && options.orphanDependents === false ? 202 : 200;
    return renderObject(reply, served, toServedVersion(served, object), shape, status, query);
  }

  private async deleteCollection(context: ResourceRequest): Promise<unknown> {
    const { info, served, store, query, request, reply, user } = context;
    const shape = this.output(context);
    const options = { ...deleteOptionsOf(this.core, request, query, user), admission: context.admission };
    const deleted = await store.deleteCollection(info.namespace, listOptionsOf(query), options);
    return renderList(reply, served, { items: deleted, resourceVersion: '' }, shape, query);
  }
}

/** A list or watch of one object by `fieldSelector=metadata.name=x` is authorized as that object (as Kubernetes' RequestInfo). */
function selectedName(query: Query): string | undefined {
  let requirements;
  try {
    requirements = parseFieldSelector(queryString(query, 'fieldSelector'));
  } catch {
    return undefined; // the handler reports the bad selector
  }
  const name = requirements.find((r) => r.field === 'metadata.name' && r.operator === '=')?.value;
  return name && !pathSegmentNameErrors(name).length ? name : undefined;
}

export function isStatusError(error: unknown, code: number): boolean {
  return error instanceof StatusError && error.code === code;
}
