// The generic REST store: create, get, list, update, delete and watch for any kind, on its stored
// form, with Kubernetes' semantics (optimistic concurrency on resourceVersion, generateName,
// finalizers and graceful deletion, status subresource rules, dry run). Every kind goes through
// here, whether the request came over HTTP or from an in-process controller.
import type { Datastore, KeyValue } from '../../datastore/types.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from '../../datastore/types.ts';
import type { AdmissionChain, AdmissionRequestContext } from '../admission/types.ts';
import type { UserInfo } from '../authn.ts';
import { errors, StatusError } from '../status.ts';
import { fieldError } from './field-errors.ts';
import { settleAsJson, writtenJson } from './object-json.ts';
import { cloneObject, deepEqual, dropEmptyMetadataFields, fillSystemFieldsForCreate, keepSystemFieldsOnUpdate, specChanged, timestamp, validateObjectMeta } from './object-meta.ts';
import { storageResource } from './registry.ts';
import { type FieldRequirement, LabelSelector } from './selectors.ts';
import type { KubeObject, ResourceDescription, WriteContext } from './types.ts';
import type { CacheEvent, ResourceEntries, WatchCache } from './watch-cache.ts';
import { checkObjectSize } from '../body-limits.ts';

export interface StoreDependencies {
  datastore: Datastore;
  cache: WatchCache;
  admission: AdmissionChain;
  /** Lists of up to this many objects are served whole from the cache, whatever their `limit`. */
  wholeListFromCache: number;
}

export interface ListOptions {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WriteOptions {
  user: UserInfo;
  dryRun?: boolean;
  subresource?: string;
  fieldManager?: string;
  /** The client's User-Agent (names the field manager when fieldManager is not given). */
  userAgent?: string;
  /** Server-side apply already recorded managedFields. */
  managedFieldsDone?: boolean;
  /** What admission webhooks see of the HTTP request (its apiVersion) and answer into (warnings). */
  admission?: AdmissionRequestContext;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Deprecated form of propagationPolicy=Orphan. */
  orphanDependents?: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** false when the object remains, with a deletionTimestamp, until finalizers and grace end. */
  deleted: boolean;
}

/** Hooks other modules plug into every write (managed fields, secrets encryption, …). */
export interface WriteHooks {
  /** Called with the object of a create or update as the client sent it (defaulted), before mutating admission (where kube-apiserver records managedFields). */
  beforeAdmission?(description: ResourceDescription, object: KubeObject, old: KubeObject | undefined, options: WriteOptions): void;
  /** Turns the stored JSON of the object under `key` into what the datastore keeps (e.g. encrypted). */
  encode?(description: ResourceDescription, json: string, key: string): string;
  /** The reverse of encode, for every value read back from the datastore. */
  decode?(key: string, value: string): string;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

function decodeContinue(text: string, prefix: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString()) as { v?: string; rv?: number; start?: string };
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad');
    if (parsed.start.includes('..') || parsed.start.startsWith('/')) throw new Error('bad');
    return { rv: parsed.rv, start: prefix + parsed.start };
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

function parseResourceVersion(value: string | undefined, what = 'resourceVersion'): number | undefined {
  if (value === undefined || value === '') return undefined;
  // Revisions are integers a double holds exactly; anything longer is no revision k2 can have.
  if (!/^\d{1,15}$/.test(value)) throw errors.badRequest(`invalid ${what}: ${value}`);
  return Number(value);
}

/** A field of an object by dotted path, for field selectors. */
function fieldValue(object: KubeObject, path: string, description: ResourceDescription): string | undefined {
  if (path === 'metadata.name') return object.metadata.name;
  if (path === 'metadata.namespace') return object.metadata.namespace ?? '';
  const extractor = description.fieldSelectors?.[path];
  if (!extractor) throw errors.badRequest(`field label not supported: ${path}`);
  return extractor(object) ?? '';
}

export function checkFieldSelector(description: ResourceDescription, requirements: FieldRequirement[]): void {
  for (const r of requirements) {
    if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace' && !description.fieldSelectors?.[r.field]) {
      throw errors.badRequest(`field label not supported: ${r.field}`);
    }
  }
}

export function matchesSelectors(object: KubeObject, description: ResourceDescription, labels?: LabelSelector, fields?: FieldRequirement[]): boolean {
  if (labels && !labels.empty && !labels.matches(object.metadata.labels)) return false;
  if (fields) {
    for (const requirement of fields) {
      const value = fieldValue(object, requirement.field, description);
      if ((value === requirement.value) !== (requirement.operator === '=')) return false;
    }
  }
  return true;
}

/** How long a pod bound to a node is kept after delete, for its containers to stop. */
function gracePeriodFor(description: ResourceDescription, object: KubeObject, requested: number | undefined): number {
  if (description.group !== '' || description.plural !== 'pods') return 0;
  const spec = object.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
  if (!spec?.nodeName) return 0; // never scheduled: nothing runs it, delete now
  if ((object.status as { phase?: string } | undefined)?.phase === 'Succeeded' || (object.status as { phase?: string } | undefined)?.phase === 'Failed') return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, grace);
}

export class ResourceStore {
  readonly resource: string;
  /** The cached objects of this resource (every key the store makes is in it). */
  readonly entries: ResourceEntries;
  readonly qualifiedName: { resource: string; group: string };

  constructor(
    readonly description: ResourceDescription,
    private readonly deps: StoreDependencies,
    private readonly hooks: WriteHooks = {},
  ) {
    this.resource = storageResource(description);
    this.qualifiedName = { resource: description.plural, group: description.group };
    this.entries = deps.cache.entriesOf(this.resource);
  }

  private get cache(): WatchCache {
    return this.deps.cache;
  }

  key(namespace: string | undefined, name: string): string {
    return this.description.namespaced ? `/registry/${this.resource}/${namespace}/${name}` : `/registry/${this.resource}/${name}`;
  }

  /** Prefix of a collection: every namespace, or one. */
  prefix(namespace?: string): string {
    return this.description.namespaced && namespace ? `/registry/${this.resource}/${namespace}/` : `/registry/${this.resource}/`;
  }

  private notFound(name: string): StatusError {
    return errors.notFound(this.description.plural, this.description.group, name);
  }

  /**
   * Writes `object` under its key: a create, or an update of `revision`. The watch cache keeps this
   * very object rather than decoding the value again, so it must not change afterwards.
   */
  private async write(object: KubeObject, revision?: number, old?: KubeObject): Promise<void> {
    const key = this.key(object.metadata.namespace, object.metadata.name!);
    // The cache (and readers) may keep the object itself only if it is what decoding the value would give.
    const settled = settleAsJson(object, old);
    const json = writtenJson(object);
    checkObjectSize(json.stored);
    const value = this.hooks.encode ? this.hooks.encode(this.description, json.stored, key) : json.stored;
    const options = { ttlSeconds: this.description.ttlSeconds };
    if (settled) this.cache.expectWrite(key, value, object, json);
    try {
      let kv: KeyValue;
      if (revision === undefined) kv = await this.deps.datastore.create(key, value, options);
      else {
        // The value being replaced, as the cache holds it, spares the datastore reading it again for the event.
        const replaced = this.entries.get(key);
        kv = await this.deps.datastore.update(key, value, revision, replaced?.revision === revision ? { ...options, previousValue: replaced.value } : options);
      }
      this.cache.noteWrite(kv.modRevision);
      object.metadata.resourceVersion = String(kv.modRevision);
      if (settled) json.serve(object, object.metadata.resourceVersion);
    } catch (error) {
      this.cache.forgetWrite(key, value);
      throw error;
    }
  }

  /** The current object, or 404. The returned object is shared: never mutate it. */
  async get(namespace: string | undefined, name: string, resourceVersion?: string): Promise<KubeObject> {
    const minimum = parseResourceVersion(resourceVersion);
    if (minimum === undefined) await this.cache.sync();
    else if (minimum > 0) await this.cache.waitForRevision(minimum);
    const entry = this.entries.get(this.key(namespace, name));
    if (!entry) throw this.notFound(name);
    return entry.object;
  }

  /** Like get, but undefined instead of 404. */
  async find(namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    await this.cache.sync();
    return this.entries.get(this.key(namespace, name))?.object;
  }

  async list(namespace: string | undefined, options: ListOptions = {}): Promise<ListResult> {
    const prefix = this.prefix(namespace);
    if (options.fieldSelector) checkFieldSelector(this.description, options.fieldSelector);
    let limit = options.limit && options.limit > 0 ? options.limit : 0;
    let startKey: string | undefined;
    let atRevision: number | undefined;
    if (options.continue) {
      const token = decodeContinue(options.continue, prefix);
      startKey = token.start;
      atRevision = token.rv;
    } else {
      const rv = parseResourceVersion(options.resourceVersion);
      if (options.resourceVersionMatch === 'Exact') {
        if (rv === undefined) throw errors.badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion ""');
        atRevision = rv;
      } else if (rv === undefined) {
        await this.cache.sync();
      } else if (rv > 0) {
        await this.cache.waitForRevision(rv);
      }
    }
    const filtered = Boolean((options.labelSelector && !options.labelSelector.empty) || options.fieldSelector?.length);
    const matches = (object: KubeObject) => !filtered || matchesSelectors(object, this.description, options.labelSelector, options.fieldSelector);

    // The cache answers unless the list must be consistent at an older revision it has moved past.
    if (atRevision === undefined || atRevision === this.cache.revision) {
      const revision = this.cache.revision;
      // A first page from the cache may hold everything (the API allows it, and kube-apiserver's watch
      // cache did so): one cheap response instead of many round trips, which clients also throttle.
      if (limit && !startKey && this.entries.count(prefix) <= this.deps.wholeListFromCache) limit = 0;
      const items: KubeObject[] = [];
      let nextKey: string | undefined;
      let scanned = 0;
      for (const entry of this.entries.list(prefix, startKey)) {
        if (limit && items.length >= limit) {
          nextKey = entry.key;
          break;
        }
        scanned++;
        if (matches(entry.object)) items.push(entry.object);
      }
      const result: ListResult = { items, resourceVersion: String(revision) };
      if (nextKey) {
        result.continue = encodeContinue({ rv: revision, start: nextKey.slice(prefix.length) });
        if (!filtered) result.remainingItemCount = this.entries.count(prefix) - scanned - (startKey ? this.countBefore(prefix, startKey) : 0);
      }
      return result;
    }
    return this.listFromDatastore(prefix, atRevision, startKey, limit, matches, filtered, Boolean(options.continue));
  }

  private countBefore(prefix: string, startKey: string): number {
    let n = 0;
    for (const entry of this.entries.list(prefix)) {
      if (entry.key >= startKey) break;
      n++;
    }
    return n;
  }

  private async listFromDatastore(
    prefix: string,
    revision: number,
    startKey: string | undefined,
    limit: number,
    matches: (object: KubeObject) => boolean,
    filtered: boolean,
    continuing: boolean,
  ): Promise<ListResult> {
    const items: KubeObject[] = [];
    let start = startKey;
    let more = false;
    let remaining: number | undefined;
    try {
      while (true) {
        const page = await this.deps.datastore.list(prefix, { revision, startKey: start, limit: limit ? limit - items.length + (filtered ? 100 : 0) : 0 });
        let last: KeyValue | undefined;
        for (const kv of page.kvs) {
          if (limit && items.length >= limit) {
            more = true;
            start = kv.key;
            break;
          }
          last = kv;
          const object = this.cache.decode(kv);
          if (matches(object)) items.push(object);
        }
        if (limit && items.length >= limit && !more && page.more) {
          more = true;
          start = `${last!.key}\u0000`;
        }
        if (more || !page.more) {
          remaining = page.remaining;
          break;
        }
        start = `${last!.key}\u0000`;
      }
    } catch (error) {
      if (error instanceof CompactedError) {
        if (continuing) {
          throw new StatusError(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          );
        }
        throw errors.gone(`too old resource version: ${revision} (${error.compacted})`);
      }
      throw error;
    }
    const result: ListResult = { items, resourceVersion: String(revision) };
    if (more && start) {
      result.continue = encodeContinue({ rv: revision, start: start.slice(prefix.length) });
      if (!filtered && remaining !== undefined) result.remainingItemCount = remaining;
    }
    return result;
  }

  private context(options: WriteOptions): WriteContext {
    return { user: options.user, subresource: options.subresource, dryRun: Boolean(options.dryRun) };
  }

  private invalid(name: string | undefined, causes: { field?: string; message?: string; reason?: string }[]): StatusError {
    return errors.invalid(this.description.kind, this.description.group, name ?? '', causes);
  }

  /** Creates an object (stored form). Mutates and returns `object`. */
  async create(namespace: string | undefined, object: KubeObject, options: WriteOptions): Promise<KubeObject> {
    const { description } = this;
    object.metadata ??= {};
    const meta = object.metadata;
    if (description.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = meta.namespace || namespace;
    } else {
      delete meta.namespace;
    }
    const context = this.context(options);
    description.defaults?.(object);
    dropEmptyMetadataFields(meta);
    // As kube-apiserver's handlers: ownership is recorded for what the client sent (defaulted), before
    // mutating admission; fields that admission adds (a ServiceAccount token volume) belong to no manager.
    this.hooks.beforeAdmission?.(description, object, undefined, options);
    await this.deps.admission.mutate({ operation: 'CREATE', description, namespace: meta.namespace, name: meta.name, object, user: options.user, dryRun: context.dryRun, request: options.admission });
    fillSystemFieldsForCreate(meta, Boolean(description.generation));
    if (description.status && !description.prepareForCreate) delete object.status;
    await description.prepareForCreate?.(object, context);
    const causes = [...validateObjectMeta(meta, description.namespaced, description.nameValidation ?? 'subdomain'), ...(description.validate?.(object, undefined, context) ?? [])];
    if (causes.length) throw this.invalid(meta.name ?? meta.generateName, causes);
    await this.deps.admission.validate({ operation: 'CREATE', description, namespace: meta.namespace, name: meta.name, object, user: options.user, dryRun: context.dryRun, request: options.admission });
    if (context.dryRun) {
      if (this.entries.get(this.key(meta.namespace, meta.name!))) throw errors.alreadyExists(description.plural, description.group, meta.name!);
      return object;
    }
    try {
      await this.write(object);
      return object;
    } catch (error) {
      if (error instanceof KeyExistsError) throw errors.alreadyExists(description.plural, description.group, meta.name!);
      throw error;
    }
  }

  /**
   * Replaces an object (PUT). With `metadata.resourceVersion` set, only that version is replaced
   * (409 otherwise). `subresource: 'status'` changes only the status.
   */
  async update(namespace: string | undefined, name: string, object: KubeObject, options: WriteOptions & { allowCreate?: boolean }): Promise<{ object: KubeObject; created: boolean }> {
    const { description } = this;
    object.metadata ??= {};
    if (object.metadata.name && object.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (description.namespaced && object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata.name = name;
    await this.cache.sync();
    const current = this.entries.get(this.key(namespace, name));
    if (!current) {
      if (options.allowCreate && !options.subresource) return { object: await this.create(namespace, object, options), created: true };
      throw this.notFound(name);
    }
    const expected = object.metadata.resourceVersion;
    if (!expected && !description.allowUnconditionalUpdate && description.allowUnconditionalUpdate !== undefined) {
      throw this.invalid(name, [fieldError.invalid('metadata.resourceVersion', '0x0', 'must be specified for an update')]);
    }
    if (expected && parseResourceVersion(expected) !== current.revision) {
      throw errors.conflict(description.plural, description.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return { object: await this.replace(current.object, current.revision, object, options), created: false };
  }

  /**
   * Read-modify-write: `mutate` gets a private copy of the current object and returns the new one (with
   * `mutateCopies`, the shared object itself, which it must leave as it is). Retries when another writer got there
   * first (unless the result names a resourceVersion).
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    options: WriteOptions & { mutateCopies?: boolean },
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      await this.cache.sync();
      const current = this.entries.get(this.key(namespace, name));
      if (!current) throw this.notFound(name);
      const updated = await mutate(options.mutateCopies ? current.object : cloneObject(current.object));
      // A resourceVersion the mutation changed is a precondition (a patch or Scale that names one);
      // otherwise a conflict only means someone else wrote first, and the mutation runs again.
      const wanted = updated.metadata.resourceVersion;
      const precondition = wanted !== undefined && wanted !== current.object.metadata.resourceVersion ? wanted : undefined;
      if (precondition !== undefined) {
        throw errors.conflict(this.description.plural, this.description.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      try {
        return await this.replace(current.object, current.revision, updated, options);
      } catch (error) {
        const conflicted = error instanceof StatusError && error.code === 409 && error.reason === 'Conflict';
        if (!conflicted || attempt >= 10) throw error;
      }
    }
  }

  private async replace(old: KubeObject, revision: number, object: KubeObject, options: WriteOptions): Promise<KubeObject> {
    const { description } = this;
    const context = this.context(options);
    const meta = object.metadata;
    // Unchanged metadata may be the stored object's own (a mutation that copies what it changes): only set when it differs.
    if (!description.namespaced) delete meta.namespace;
    else if (meta.namespace !== old.metadata.namespace) meta.namespace = old.metadata.namespace;
    if (meta.uid && meta.uid !== old.metadata.uid) {
      throw errors.conflict(description.plural, description.group, meta.name!, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    const writesPart = options.subresource ? description.subresources?.[options.subresource]?.writesPart : undefined;
    if (writesPart) {
      // The part comes from what was written, the rest from the stored object; managedFields (an apply's) stay.
      const managedFields = object.metadata?.managedFields;
      object = writesPart(object, cloneObject(old));
      if (managedFields) object.metadata.managedFields = managedFields;
    }
    if (options.subresource === 'status' || options.subresource === 'approval') {
      // A status write changes the status only (ResetObjectMetaForStatus in Kubernetes); so does a CSR's approval.
      const status = object.status;
      const managedFields = meta.managedFields;
      // Only the metadata's own fields are set below (no admission plugin changes a subresource write; kinds'
      // prepareForUpdate replace labels and annotations whole), so a status write shares everything else with
      // `old`, which is never changed in place; the field manager then skips what is shared.
      object = options.subresource === 'status' ? { ...old, metadata: { ...old.metadata } } : cloneObject(old);
      if (status === undefined) delete object.status;
      else object.status = status;
      if (managedFields) object.metadata.managedFields = managedFields;
    } else {
      // A binding sets the node on the stored pod (which it shares its other fields with), undefaulted as in Kubernetes.
      if (options.subresource !== 'binding') description.defaults?.(object);
      // Writes to the main resource keep the status (bindings set a condition along with spec.nodeName).
      if (description.status && options.subresource !== 'binding') {
        if (old.status === undefined) delete object.status;
        else object.status = cloneObject(old.status);
      }
    }
    keepSystemFieldsOnUpdate(object.metadata, old.metadata);
    dropEmptyMetadataFields(object.metadata);
    this.hooks.beforeAdmission?.(description, object, old, options);
    await this.deps.admission.mutate({ operation: 'UPDATE', description, namespace: object.metadata.namespace, name: object.metadata.name, subresource: options.subresource, object, oldObject: old, user: options.user, dryRun: context.dryRun, request: options.admission });
    await description.prepareForUpdate?.(object, old, context);
    if (description.generation && options.subresource !== 'status' && specChanged(object, old)) {
      object.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    const causes = [...validateObjectMeta(object.metadata, description.namespaced, description.nameValidation ?? 'subdomain', old.metadata), ...(description.validate?.(object, old, context) ?? [])];
    if (causes.length) throw this.invalid(object.metadata.name, causes);
    await this.deps.admission.validate({ operation: 'UPDATE', description, namespace: object.metadata.namespace, name: object.metadata.name, subresource: options.subresource, object, oldObject: old, user: options.user, dryRun: context.dryRun, request: options.admission });
    // Like Kubernetes' storage (GuaranteedUpdate compares the encoded object), a write that changes nothing
    // is skipped: no new resourceVersion and no watch event, so a repeated apply is a true no-op.
    object.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(object, old)) return cloneObject(old);
    object.metadata.resourceVersion = String(revision);

    // An object being deleted goes once its last finalizer is removed.
    if (
      object.metadata.deletionTimestamp &&
      !object.metadata.finalizers?.length &&
      (object.metadata.deletionGracePeriodSeconds ?? 0) === 0 &&
      !description.keepOnDelete?.(cloneObject(object))
    ) {
      if (context.dryRun) return object;
      return (await this.removeKey(object.metadata.namespace, object.metadata.name!, revision)).object;
    }
    if (context.dryRun) return object;
    try {
      await this.write(object, revision, old);
      return object;
    } catch (error) {
      if (error instanceof ConflictError) {
        throw errors.conflict(description.plural, description.group, object.metadata.name!, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (error instanceof KeyNotFoundError) throw this.notFound(object.metadata.name!);
      throw error;
    }
  }

  private async removeKey(namespace: string | undefined, name: string, revision: number): Promise<DeleteResult> {
    try {
      const kv = await this.deps.datastore.delete(this.key(namespace, name), revision);
      this.cache.noteWrite(kv.deleteRevision);
      const object = this.cache.decode(kv);
      await this.description.afterDelete?.(object);
      return { object, deleted: true };
    } catch (error) {
      if (error instanceof ConflictError) {
        throw errors.conflict(this.description.plural, this.description.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      if (error instanceof KeyNotFoundError) throw this.notFound(name);
      throw error;
    }
  }

  async delete(namespace: string | undefined, name: string, options: DeleteOptions): Promise<DeleteResult> {
    const { description } = this;
    for (let attempt = 0; ; attempt++) {
      await this.cache.sync();
      const current = this.entries.get(this.key(namespace, name));
      if (!current) throw this.notFound(name);
      const old = current.object;
      const preconditions = options.preconditions;
      if (preconditions?.uid && preconditions.uid !== old.metadata.uid) {
        throw errors.conflict(description.plural, description.group, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`);
      }
      if (preconditions?.resourceVersion && preconditions.resourceVersion !== old.metadata.resourceVersion) {
        throw errors.conflict(
          description.plural,
          description.group,
          name,
          `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
        );
      }
      const context = this.context(options);
      await this.deps.admission.validate({ operation: 'DELETE', description, namespace, name, oldObject: old, user: options.user, dryRun: context.dryRun, request: options.admission });

      const object = cloneObject(old);
      const finalizers = new Set(object.metadata.finalizers ?? []);
      const policy = options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : undefined);
      if (policy === 'Foreground') {
        finalizers.add('foregroundDeletion');
        finalizers.delete('orphan');
      } else if (policy === 'Orphan') {
        finalizers.add('orphan');
        finalizers.delete('foregroundDeletion');
      } else if (policy === 'Background') {
        finalizers.delete('orphan');
        finalizers.delete('foregroundDeletion');
      }
      // Kubernetes only adds the GC finalizers for objects that are not already being deleted.
      const alreadyDeleting = Boolean(old.metadata.deletionTimestamp);
      const grace = options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds < 0 ? 0 : gracePeriodFor(description, old, options.gracePeriodSeconds);
      const keep = description.keepOnDelete?.(object) === true || finalizers.size > 0 || grace > 0;
      if (!keep) {
        if (context.dryRun) return { object: old, deleted: true };
        try {
          return await this.removeKey(namespace, name, current.revision);
        } catch (error) {
          if (error instanceof StatusError && error.reason === 'Conflict' && attempt < 10 && !preconditions) continue;
          throw error;
        }
      }
      if (alreadyDeleting) {
        // Deleting again may only shorten the grace period.
        const currentGrace = old.metadata.deletionGracePeriodSeconds ?? 0;
        if (grace >= currentGrace && finalizers.size === (old.metadata.finalizers?.length ?? 0)) return { object: old, deleted: false };
        // (keepOnDelete already ran on `object`; nothing else changes for an object already going.)
        if (grace < currentGrace) {
          object.metadata.deletionGracePeriodSeconds = grace;
          object.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
        }
      } else {
        object.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
        object.metadata.deletionGracePeriodSeconds = grace;
      }
      object.metadata.finalizers = [...finalizers];
      if (!object.metadata.finalizers.length) delete object.metadata.finalizers;
      if (context.dryRun) return { object, deleted: false };
      try {
        await this.write(object, current.revision);
        return { object, deleted: false };
      } catch (error) {
        if (error instanceof ConflictError && attempt < 10 && !preconditions) continue;
        if (error instanceof ConflictError) throw errors.conflict(description.plural, description.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
        if (error instanceof KeyNotFoundError) throw this.notFound(name);
        throw error;
      }
    }
  }

  /** DELETE on a collection: deletes every match, one by one, as Kubernetes does. */
  async deleteCollection(namespace: string | undefined, listOptions: ListOptions, options: DeleteOptions): Promise<KubeObject[]> {
    const { items } = await this.list(namespace, { labelSelector: listOptions.labelSelector, fieldSelector: listOptions.fieldSelector });
    const deleted: KubeObject[] = [];
    for (const item of items) {
      try {
        deleted.push((await this.delete(item.metadata.namespace, item.metadata.name!, options)).object);
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 404)) throw error;
      }
    }
    return deleted;
  }

  /**
   * Streams changes of the collection: `fromRevision` undefined or 0 first sends the current objects
   * as ADDED events. Returns a function that stops the watch.
   */
  async watch(
    namespace: string | undefined,
    resourceVersion: string | undefined,
    onEvent: (event: CacheEvent) => void,
    options: { sendInitialEvents?: boolean } = {},
  ): Promise<{ stop: () => void; initialRevision: number }> {
    const prefix = this.prefix(namespace);
    const from = parseResourceVersion(resourceVersion);
    const initial = from === undefined || from === 0 || options.sendInitialEvents === true;
    if (from === undefined || options.sendInitialEvents) await this.cache.sync();
    else if (from > 0) await this.cache.waitForRevision(from);
    if (initial) {
      const revision = this.cache.revision;
      const current = [...this.entries.list(prefix)];
      const stop = this.cache.subscribe(prefix, revision, onEvent);
      for (const entry of current) onEvent({ type: 'ADDED', revision: entry.revision, key: entry.key, object: entry.object });
      return { stop, initialRevision: revision };
    }
    return { stop: this.cache.subscribe(prefix, from!, onEvent), initialRevision: from! };
  }
}
