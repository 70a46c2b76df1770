// Server-side apply and managedFields for kube-apiserver's write paths (apimachinery's managedfields
// field manager and its chain of managers, in the same order): `apply` for apply patches (conflicts,
// force, removal of fields a manager stops applying, kubectl's last-applied handling), `update` for
// every other write (create, update, JSON/merge/strategic patch), which records what the writer
// changed under an `Update` entry. Both take and return plain objects; managedFields are read from and
// written to metadata.managedFields as Kubernetes writes them.

import { goJsonMarshal, goQuote, isJsonObject, type JsonObject, type JsonValue } from './go-format.ts';
import { FieldSet } from './field-set.ts';
import { decodeManagedFields, emptyManaged, encodeManagedFields, isResetManagedFields, ManagedFieldsError, managerIdentifier, parseManagerIdentifier, type Managed, type ManagedFieldsEntry } from './managed-fields.ts';
import { typeOfKind } from './openapi-types.ts';
import { fieldElement, pathString, type Path } from './path.ts';
import type { KindSchema } from '../patch/kind-schema.ts';
import { canonicalJson, timestamp } from '../registry/object-meta.ts';
import { StatusError } from '../status.ts';
import { compare, toFieldSet, validate, withItemKeyCache, TypedValueError, type TypedValue } from './typed.ts';
import { ApplyConflicts, Updater, UpdaterError, type Conflict, type ManagerSets, type VersionConverter } from './updater.ts';
import type { TypeRef } from './type-model.ts';

export const lastAppliedConfigAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
const maxUpdateManagers = 10;
const annotationsSizeLimit = 256 * 1024;

function fieldPath(...names: string[]): Path {
  return names.map(fieldElement);
}

/**
 * Type and object metadata nobody owns (stripMetaManager), plus the deletion fields, which
 * kube-apiserver sets outside any field manager (so they never show up as owned there either).
 */
const strippedFields = FieldSet.of(
  fieldPath('apiVersion'),
  fieldPath('kind'),
  fieldPath('metadata'),
  fieldPath('metadata', 'name'),
  fieldPath('metadata', 'namespace'),
  fieldPath('metadata', 'creationTimestamp'),
  fieldPath('metadata', 'selfLink'),
  fieldPath('metadata', 'uid'),
  fieldPath('metadata', 'clusterName'),
  fieldPath('metadata', 'generation'),
  fieldPath('metadata', 'managedFields'),
  fieldPath('metadata', 'resourceVersion'),
  fieldPath('metadata', 'deletionTimestamp'),
  fieldPath('metadata', 'deletionGracePeriodSeconds'),
);

/** A field set from paths of field names, e.g. `fieldSetOf(['status'])` or `fieldSetOf(['spec'], ['metadata', 'labels'])`. */
export function fieldSetOf(...paths: string[][]): FieldSet {
  return FieldSet.of(...paths.map((p) => fieldPath(...p)));
}

/** What the main resource of a kind with a status subresource resets: status belongs to /status. */
export const mainResourceResetFields = fieldSetOf(['status']);
/** What /status resets: the spec (kube adds kind-specific fields, e.g. metadata.labels for Deployments). */
export const statusSubresourceResetFields = fieldSetOf(['spec']);

export interface FieldManagerOptions {
  /** The kind's schema at the request's version; undefined for kinds without one (deduced types). */
  schema: KindSchema | undefined;
  /** The request's group/version, e.g. `apps/v1` or `v1`; every entry records one. */
  apiVersion: string;
  /** The request's kind; applied objects must be of this group, version and kind. */
  kind: string;
  /** '' (default) for the resource itself, `status` or `scale` for subresources. */
  subresource?: string;
  /** Fields this endpoint resets and therefore nobody owns (kube's resetFields), at `apiVersion`. */
  resetFields?: FieldSet;
  /** Converts objects between versions when managers recorded other versions (default: one stored form). */
  converter?: VersionConverter;
  /** The clock for entry times. */
  now?: () => Date;
  /**
   * The object a create starts from (default: just apiVersion and kind). kube-apiserver starts from
   * its Go type's zero value, whose always-present structs (spec, template, …) are then not "added".
   */
  emptyObject?: JsonObject;
}

export interface ApplyOptions extends FieldManagerOptions {
  /** Take ownership of conflicting fields instead of failing (`?force=true`). */
  force?: boolean;
}

export interface FieldManagerResult {
  /** The object to store, with metadata.managedFields set (or removed when there are none). */
  object: JsonObject;
  managedFields: ManagedFieldsEntry[] | undefined;
}

class Context {
  readonly type: TypeRef;
  readonly updater: Updater;
  readonly subresource: string;

  constructor(readonly options: FieldManagerOptions) {
    this.type = typeOfKind(options.schema);
    this.subresource = options.subresource ?? '';
    const reset = options.resetFields;
    this.updater = new Updater({
      converter: options.converter,
      ignoreFilter: reset ? new Map([[options.apiVersion, (set: FieldSet) => set.recursiveDifference(reset)]]) : undefined,
    });
  }

  now(): string {
    return timestamp(this.options.now?.()); // metav1.Time: RFC 3339, whole seconds
  }

  /** objectGVKNN: how upstream names an object in its errors. */
  describe(obj: JsonObject): string {
    const meta = isJsonObject(obj.metadata) ? obj.metadata : {};
    const { group, version } = parseApiVersion(typeof obj.apiVersion === 'string' ? obj.apiVersion : '');
    return `${typeof meta.namespace === 'string' ? meta.namespace : ''}/${typeof meta.name === 'string' ? meta.name : ''}; ${gvkString(group, version, typeof obj.kind === 'string' ? obj.kind : '')}`;
  }

  /** `obj` as a typed value; the fields it shares with `checked` (converted already) are not checked again. */
  typed(obj: JsonObject, allowDuplicates: boolean, checked?: JsonObject): TypedValue {
    const errors = validate(obj, this.type, { allowDuplicates, checked });
    if (errors.length) throw new TypedValueError(errors);
    return { value: obj, type: this.type };
  }
}

/** schema.GroupVersionKind's String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkString(group: string, version: string, kind: string): string {
  return `${group}/${version}, Kind=${kind}`;
}

function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0]! };
  if (parts.length === 2) return { group: parts[0]!, version: parts[1]! };
  return { group: '', version: '' };
}

function metadataOf(obj: JsonObject): JsonObject | undefined {
  return isJsonObject(obj.metadata) ? obj.metadata : undefined;
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  const meta = metadataOf(obj);
  if (!meta || !Object.hasOwn(meta, 'managedFields')) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

function withManagedFields(obj: JsonObject, entries: ManagedFieldsEntry[] | undefined): JsonObject {
  const base = withoutManagedFields(obj);
  if (!entries) return base;
  return { ...base, metadata: { ...(metadataOf(base) ?? {}), managedFields: entries as unknown as JsonValue } };
}

function emptyObjectOf(ctx: Context): JsonObject {
  return ctx.options.emptyObject ?? { apiVersion: ctx.options.apiVersion, kind: ctx.options.kind };
}

function copyManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

// ---------------------------------------------------------------------------------------------
// The manager chain, innermost first

/** structuredMergeManager.Update, then stripMetaManager. */
function structuredUpdate(ctx: Context, live: JsonObject, obj: JsonObject, managed: Managed, manager: string): Managed {
  let newTyped: TypedValue;
  let liveTyped: TypedValue;
  // The fields a write leaves as they were (the very same values, as a status write leaves the spec and most of
  // the metadata) are validated in neither object: they are valid in the new object exactly when they are in the
  // live one. The live managedFields (which the new object no longer has) are the field manager's own encoding;
  // they are never owned (stripMeta), so they are left out of the comparison rather than walked.
  const liveFields = withoutManagedFields(live);
  try {
    newTyped = ctx.typed(obj, true, liveFields);
  } catch (e) {
    throw new Error(`failed to convert new object (${ctx.describe(obj)}) to smd typed: ${(e as Error).message}`);
  }
  try {
    liveTyped = ctx.typed(liveFields, true, obj);
  } catch (e) {
    throw new Error(`failed to convert live object (${ctx.describe(live)}) to smd typed: ${(e as Error).message}`);
  }
  let fields: ManagerSets;
  try {
    fields = ctx.updater.update(liveTyped, newTyped, ctx.options.apiVersion, managed.fields, manager).managers;
  } catch (e) {
    throw new Error(`failed to update ManagedFields (${ctx.describe(obj)}): ${(e as Error).message}`);
  }
  const result = { fields, times: new Map(managed.times) };
  stripMeta(result, manager);
  return result;
}

function stripMeta(managed: Managed, manager: string): void {
  const versioned = managed.fields.get(manager);
  if (!versioned) return;
  const set = versioned.set.difference(strippedFields);
  if (set.empty()) managed.fields.delete(manager);
  else managed.fields.set(manager, { ...versioned, set });
}

/** buildManagerInfoManager + managedFieldsUpdater + capManagersManager for updates. */
function recordUpdate(ctx: Context, live: JsonObject, obj: JsonObject, managed: Managed, manager: string): Managed {
  const identifier = managerIdentifier({ manager: manager || 'unknown', operation: 'Update', apiVersion: ctx.options.apiVersion, subresource: ctx.subresource });
  // The write's changes are computed as a manager of their own, then merged into the writer's entry.
  const self = 'current-operation';
  const result = structuredUpdate(ctx, live, obj, managed, self);
  const changed = result.fields.get(self);
  if (changed) {
    result.fields.delete(self);
    const previous = result.fields.get(identifier);
    result.fields.set(identifier, previous ? { ...changed, set: changed.set.union(previous.set) } : changed);
    result.times.set(identifier, ctx.now());
  }
  capUpdateManagers(result);
  return result;
}

/** Past ten update managers, the oldest ones are merged into an `ancient-changes` entry per version. */
function capUpdateManagers(managed: Managed): void {
  const updaters = [...managed.fields].filter(([, v]) => !v.applied).map(([m]) => m);
  if (updaters.length <= maxUpdateManagers) return;
  const secondsOf = (m: string) => {
    const t = managed.times.get(m);
    return t ? Math.floor(Date.parse(t) / 1000) : 0;
  };
  updaters.sort((a, b) => secondsOf(a) - secondsOf(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
    const manager = updaters[i]!;
    const versioned = managed.fields.get(manager)!;
    const time = managed.times.get(manager);
    const bucket = managerIdentifier({ manager: 'ancient-changes', operation: 'Update', apiVersion: versioned.apiVersion });
    const first = firstOfVersion.get(versioned.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(versioned.apiVersion, manager);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      const s = managed.fields.get(first)!;
      managed.fields.delete(first);
      managed.fields.set(bucket, s);
    }
    managed.fields.set(bucket, { ...versioned, set: versioned.set.union(managed.fields.get(bucket)!.set) });
    managed.fields.delete(manager);
    length--;
    managed.times.set(bucket, time);
  }
}

/** structuredMergeManager.Apply, then stripMetaManager and managedFieldsUpdater. */
function structuredApply(ctx: Context, live: JsonObject, patch: JsonObject, managed: Managed, identifier: string, force: boolean): { object: JsonObject; managed: Managed } {
  const { group, version } = parseApiVersion(typeof patch.apiVersion === 'string' ? patch.apiVersion : '');
  const patchVersion = group ? `${group}/${version}` : version;
  if (patchVersion !== ctx.options.apiVersion) {
    throw new StatusError(400, 'BadRequest', `Incorrect version specified in apply patch. Specified patch version: ${patchVersion}, expected: ${ctx.options.apiVersion}`);
  }
  const patchMeta = metadataOf(patch);
  if (patchMeta && Array.isArray(patchMeta.managedFields)) throw new StatusError(400, 'BadRequest', 'metadata.managedFields must be nil');
  let patchTyped: TypedValue;
  let liveTyped: TypedValue;
  try {
    patchTyped = ctx.typed(patch, false);
  } catch (e) {
    // The patch is the client's: a 400, as kubernetes/kubernetes#139253 asks (kube-apiserver still says 500).
    throw new StatusError(400, 'BadRequest', `failed to create typed patch object (${ctx.describe(patch)}): ${(e as Error).message}`);
  }
  try {
    liveTyped = ctx.typed(live, true);
  } catch (e) {
    throw internalError(`failed to create typed live object (${ctx.describe(live)}): ${(e as Error).message}`);
  }
  let result: { object: TypedValue | undefined; managers: ManagerSets };
  try {
    result = ctx.updater.apply(liveTyped, patchTyped, ctx.options.apiVersion, managed.fields, identifier, force);
  } catch (e) {
    if (e instanceof ApplyConflicts) throw e;
    if (e instanceof UpdaterError) throw internalError(e.message);
    throw e;
  }
  const next: Managed = { fields: result.managers, times: new Map(managed.times) };
  stripMeta(next, identifier);
  if (result.object) {
    next.times.set(identifier, ctx.now());
    return { object: result.object.value as JsonObject, managed: next };
  }
  // Nothing changed: the live object stays, and so does the applier's time.
  return { object: withoutManagedFields(live), managed: next };
}

/** skipNonAppliedManager: the first apply to an untracked object gives its existing fields to `before-first-apply`. */
function applyTracked(ctx: Context, live: JsonObject, patch: JsonObject, managed: Managed, manager: string, force: boolean): { object: JsonObject; managed: Managed } {
  let current = managed;
  if (current.fields.size === 0) {
    try {
      current = recordUpdate(ctx, emptyObjectOf(ctx), live, current, 'before-first-apply');
    } catch (e) {
      throw internalError(`failed to create manager for existing fields: ${(e as Error).message}`);
    }
  }
  const identifier = managerIdentifier({ manager: manager || 'unknown', operation: 'Apply', apiVersion: ctx.options.apiVersion, subresource: ctx.subresource });
  return structuredApply(ctx, live, patch, current, identifier, force);
}

/**
 * lastAppliedManager: when `kubectl` (migrating from client-side apply) conflicts only on fields its
 * last-applied annotation still holds as live, it may take them.
 */
function applyAllowingLastApplied(ctx: Context, live: JsonObject, patch: JsonObject, managed: Managed, manager: string, force: boolean): { object: JsonObject; managed: Managed } {
  try {
    return applyTracked(ctx, live, patch, managed, manager, force);
  } catch (e) {
    if (manager !== 'kubectl' || !(e instanceof ApplyConflicts)) throw e;
    let allowed: FieldSet;
    try {
      allowed = allowedConflictsFromLastApplied(ctx, live);
    } catch {
      throw e;
    }
    const remaining = e.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw new ApplyConflicts(remaining);
    return applyTracked(ctx, live, patch, managed, manager, true);
  }
}

function allowedConflictsFromLastApplied(ctx: Context, live: JsonObject): FieldSet {
  const annotations = metadataOf(live)?.annotations;
  const text = isJsonObject(annotations) ? annotations[lastAppliedConfigAnnotation] : undefined;
  if (typeof text !== 'string' || text === '') throw new Error('no last applied annotation');
  const liveTyped = ctx.typed(live, false);
  const lastApplied = JSON.parse(text) as JsonValue;
  if (!isJsonObject(lastApplied)) throw new Error('failed to decode last applied obj');
  if (lastApplied.apiVersion !== ctx.options.apiVersion) throw new Error('expected version of last applied to match live object');
  const lastTyped = ctx.typed(lastApplied, false);
  const comparison = compare(lastTyped, liveTyped);
  return toFieldSet(lastTyped.value, lastTyped.type).difference(comparison.modified).difference(comparison.added).difference(comparison.removed);
}

function hasLastApplied(obj: JsonObject): boolean {
  const annotations = metadataOf(obj)?.annotations;
  const value = isJsonObject(annotations) ? annotations[lastAppliedConfigAnnotation] : undefined;
  return typeof value === 'string' && value.length > 0;
}

/** lastAppliedUpdater: kubectl's applies keep a last-applied annotation, when there is one, in step. */
function updateLastApplied(result: JsonObject, applied: JsonObject): JsonObject {
  const config = structuredClone(applied);
  const configMeta = metadataOf(config);
  if (configMeta && isJsonObject(configMeta.annotations)) delete configMeta.annotations[lastAppliedConfigAnnotation];
  const value = `${goJsonMarshal(config)}\n`;
  const meta = { ...(metadataOf(result) ?? {}) };
  const annotations: JsonObject = { ...(isJsonObject(meta.annotations) ? meta.annotations : {}), [lastAppliedConfigAnnotation]: value };
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += k.length + (typeof v === 'string' ? v.length : 0);
  if (size > annotationsSizeLimit) delete annotations[lastAppliedConfigAnnotation];
  meta.annotations = annotations;
  return { ...result, metadata: meta };
}

// ---------------------------------------------------------------------------------------------
// Errors

function internalError(message: string): StatusError {
  return new StatusError(500, '', message);
}

/** How a manager appears in conflict messages: `"name"`, plus subresource and version for updaters. */
export function printManager(identifier: string): string {
  const id = parseManagerIdentifier(identifier);
  let text = goQuote(id.manager ?? '');
  if (id.subresource) text = `${text} with subresource ${goQuote(id.subresource)}`;
  if (id.operation === 'Update') return `${text} using ${id.apiVersion ?? ''}`;
  return text;
}

/** The 409 kube-apiserver answers an apply with when other managers own fields it changes. */
export function applyConflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, Path[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path]);
    const lines: string[] = [];
    for (const manager of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${printManager(manager)}:`);
      for (const p of byManager.get(manager)!) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined when the object does not exist
 * yet). `managedFields` defaults to the live object's. Returns the object to store; throws a
 * StatusError: 409 on conflicts (unless `force`), 400 for a patch of another kind or version or with
 * managedFields, 500 (as kube-apiserver) for a patch that does not fit the schema.
 */
export function apply(live: JsonObject | undefined, applied: JsonObject, manager: string, managedFields: readonly JsonValue[] | undefined, options: ApplyOptions): FieldManagerResult {
  return withItemKeyCache(() => applyObject(live, applied, manager, managedFields, options));
}

function applyObject(live: JsonObject | undefined, applied: JsonObject, manager: string, managedFields: readonly JsonValue[] | undefined, options: ApplyOptions): FieldManagerResult {
  const ctx = new Context(options);
  const liveObject = live ?? emptyObjectOf(ctx);
  let managed: Managed;
  try {
    managed = decodeManagedFields(managedFields ?? (metadataOf(liveObject)?.managedFields as JsonValue[] | undefined));
  } catch (e) {
    if (e instanceof ManagedFieldsError) throw internalError(`failed to decode managed fields: ${e.message}`);
    throw e;
  }
  const { group, version } = parseApiVersion(typeof applied.apiVersion === 'string' ? applied.apiVersion : '');
  const want = parseApiVersion(options.apiVersion);
  const appliedKind = typeof applied.kind === 'string' ? applied.kind : '';
  if (group !== want.group || version !== want.version || appliedKind !== options.kind) {
    throw new StatusError(400, 'BadRequest', `invalid object type: ${gvkString(group, version, appliedKind)}`);
  }
  let result: { object: JsonObject; managed: Managed };
  try {
    result = applyAllowingLastApplied(ctx, liveObject, applied, managed, manager, options.force ?? false);
  } catch (e) {
    if (e instanceof ApplyConflicts) throw applyConflictError(e.conflicts);
    throw e;
  }
  let object = result.object;
  if (manager === 'kubectl' && hasLastApplied(object)) object = updateLastApplied(object, applied);
  const entries = encodeManagedFields(result.managed);
  return { object: withManagedFields(object, entries), managedFields: entries };
}

/** decodeLiveOrNew: the request's managedFields win when valid and non-empty; `[]` resets them. */
function managedForUpdate(ctx: Context, obj: JsonObject, liveEntries: readonly JsonValue[] | undefined): Managed {
  const fromLive = () => {
    try {
      return decodeManagedFields(liveEntries);
    } catch {
      return emptyManaged();
    }
  };
  if (ctx.subresource !== '') return fromLive();
  const requested = metadataOf(obj)?.managedFields;
  if (isResetManagedFields(requested)) return emptyManaged();
  if (Array.isArray(requested)) {
    try {
      const managed = decodeManagedFields(requested);
      if (managed.fields.size > 0) return managed;
    } catch {
      // Invalid entries in the request: keep the live ones.
    }
  }
  return fromLive();
}

/**
 * Records a non-apply write (create when `live` is undefined, update, or a JSON/merge/strategic patch)
 * by `manager`: it owns what it changed, under an `Update` entry at the request's version. Like
 * kube-apiserver this never fails: when the objects do not fit the schema, the live managedFields are
 * kept. Objects that exist without managedFields (or had them reset with `managedFields: []`) stay
 * untracked until their next apply.
 */
export function update(live: JsonObject | undefined, obj: JsonObject, manager: string, managedFields: readonly JsonValue[] | undefined, options: FieldManagerOptions): FieldManagerResult {
  const entries = updatedManagedFields(live, obj, manager, managedFields, options);
  return { object: withManagedFields(withoutManagedFields(obj), entries), managedFields: entries };
}

/** The managedFields an Update by `manager` leaves (update's entries, without building the object). */
export function updatedManagedFields(live: JsonObject | undefined, obj: JsonObject, manager: string, managedFields: readonly JsonValue[] | undefined, options: FieldManagerOptions): ManagedFieldsEntry[] | undefined {
  return withItemKeyCache(() => updateEntries(live, obj, manager, managedFields, options));
}

function updateEntries(live: JsonObject | undefined, obj: JsonObject, manager: string, managedFields: readonly JsonValue[] | undefined, options: FieldManagerOptions): ManagedFieldsEntry[] | undefined {
  if (live === undefined && managedFields === undefined && metadataOf(obj)?.managedFields === undefined && options.emptyObject === undefined) {
    return createdEntries(obj, manager, options);
  }
  return recordedEntries(live, obj, manager, managedFields, options);
}

function recordedEntries(live: JsonObject | undefined, obj: JsonObject, manager: string, managedFields: readonly JsonValue[] | undefined, options: FieldManagerOptions): ManagedFieldsEntry[] | undefined {
  const ctx = new Context(options);
  const liveEntries = managedFields ?? (live ? (metadataOf(live)?.managedFields as JsonValue[] | undefined) : undefined);
  const managed = managedForUpdate(ctx, obj, liveEntries);
  const newObject = withoutManagedFields(obj);
  const liveObject = live ?? emptyObjectOf(ctx);
  const liveUid = metadataOf(liveObject)?.uid;
  try {
    let next: Managed = copyManaged(managed);
    if (!(next.fields.size === 0 && typeof liveUid === 'string' && liveUid !== '')) {
      next = recordUpdate(ctx, liveObject, newObject, next, manager);
    }
    return encodeManagedFields(next);
  } catch {
    const kept = (liveEntries ?? undefined) as ManagedFieldsEntry[] | undefined;
    return kept && kept.length ? kept : undefined;
  }
}

/**
 * The entries of creates, by kind schema, then by writer and object shape (createShapeKey); undefined when a create
 * records none. Objects made alike (a workload's pods, a client's ConfigMaps) set the same fields, so a create
 * repeats neither the schema walk nor the encoding: it gets the entry of the first one, with its own time.
 */
const createdEntriesByType = new WeakMap<TypeRef, Map<string, readonly ManagedFieldsEntry[] | undefined>>();
const maxCreateShapes = 512;
/** Longer shapes (big lists, many keys) are not kept: 512 of them could hold hundreds of MB. */
const maxCreateShapeLength = 8192;
const resetFieldsIds = new WeakMap<FieldSet, number>();
let resetFieldsCount = 0;

/** What a create records (no live object, no managedFields asked for): as recordedEntries computes it. */
function createdEntries(obj: JsonObject, manager: string, options: FieldManagerOptions): ManagedFieldsEntry[] | undefined {
  const type = typeOfKind(options.schema);
  let byShape = createdEntriesByType.get(type);
  if (!byShape) createdEntriesByType.set(type, (byShape = new Map()));
  const reset = options.resetFields;
  if (reset && !resetFieldsIds.has(reset)) resetFieldsIds.set(reset, ++resetFieldsCount);
  const shape = createShapeKey(obj, false);
  if (shape.length > maxCreateShapeLength) return recordedEntries(undefined, obj, manager, undefined, options);
  const key = `${manager.length}:${manager}${options.apiVersion.length}:${options.apiVersion}${options.subresource ?? ''}|${reset ? resetFieldsIds.get(reset) : 0}|${shape}`;
  if (!byShape.has(key)) {
    const entries = recordedEntries(undefined, obj, manager, undefined, options);
    if (byShape.size >= maxCreateShapes) byShape.clear();
    byShape.set(key, entries?.map((entry) => ({ ...entry })));
    return entries;
  }
  const template = byShape.get(key);
  if (!template) return undefined;
  // The entry's time is the create's own (the spread keeps the key order encodeManagedFields writes).
  const time = timestamp(options.now?.());
  return template.map((entry) => ({ ...entry, time }));
}

/**
 * What decides the fields an object sets, as text: its keys and the JSON types of its scalars, and inside lists
 * every value (list items are keyed by their fields' values). Scalar values elsewhere set no field of their own,
 * and a create's only other input, the starting object (apiVersion and kind), is stripped from every entry.
 * Lengths prefix keys and strings, so two different shapes never read the same.
 */
export function createShapeKey(value: JsonValue | undefined, inList: boolean): string {
  if (value === undefined) return 'u';
  if (value === null) return 'z';
  switch (typeof value) {
    case 'string':
      return inList ? `s${value.length}:${value}` : 's';
    case 'number':
      return inList ? `n${value};` : 'n';
    case 'boolean':
      return inList ? (value ? 't' : 'f') : 'b';
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (const item of value) text += createShapeKey(item, true);
    return `${text}]`;
  }
  let text = '{';
  for (const key in value as JsonObject) {
    const field = (value as JsonObject)[key];
    // undefined reads as absent, as in the typed walk and the stored JSON.
    if (field !== undefined) text += `${key.length}:${key}${createShapeKey(field, inList)}`;
  }
  return `${text}}`;
}

/**
 * kube-apiserver's IgnoreManagedFieldsTimestampsTransformer: when a write changes nothing but the
 * times of managedFields entries, the old times are kept, so a repeated apply is a no-op.
 */
export function keepManagedFieldsTimesOnNoop(oldObj: JsonObject, newObj: JsonObject): JsonObject {
  const oldEntries = metadataOf(oldObj)?.managedFields;
  const newEntries = metadataOf(newObj)?.managedFields;
  if (!Array.isArray(oldEntries) || !Array.isArray(newEntries) || oldEntries.length !== newEntries.length || newEntries.length === 0) return newObj;
  const timeless = (e: JsonValue) => (isJsonObject(e) ? { ...e, time: null } : e);
  const allSame = newEntries.every((e, i) => isJsonObject(e) && isJsonObject(oldEntries[i]) && e.time === oldEntries[i].time);
  if (allSame) return newObj;
  if (canonicalJson(oldEntries.map(timeless)) !== canonicalJson(newEntries.map(timeless))) return newObj;
  if (canonicalJson(withoutManagedFields(oldObj)) !== canonicalJson(withoutManagedFields(newObj))) return newObj;
  return withManagedFields(newObj, oldEntries as unknown as ManagedFieldsEntry[]);
}

/** managerOrUserAgent: the fieldManager parameter, or the user agent's product (`kubectl` of `kubectl/v1.30.0 …`). */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  return (userAgent ?? '').split('/')[0]!;
}
