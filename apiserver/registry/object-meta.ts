// ObjectMeta rules every kind shares: names, namespaces, labels, annotations, owner references,
// finalizers, and the system fields the server sets (uid, creationTimestamp, generation, …).
import { randomUUID } from 'node:crypto';
import type { StatusCause } from '../status.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, fieldError, labelValueErrors, pathSegmentNameErrors, qualifiedNameErrors } from './field-errors.ts';
import type { KubeObject, NameValidation, ObjectMeta } from './types.ts';

let lastSecond = -1;
let lastTimestamp = '';

/** Kubernetes' metav1.Time: RFC 3339 with second precision (the current second's text is reused: every write asks). */
export function timestamp(date?: Date): string {
  const ms = date ? date.getTime() : Date.now();
  const second = Math.floor(ms / 1000);
  if (second === lastSecond) return lastTimestamp;
  const text = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
  if (!date) {
    lastSecond = second;
    lastTimestamp = text;
  }
  return text;
}

/** metav1.MicroTime: microsecond precision (events, leases). */
export function microTimestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters, as Kubernetes' SimpleNameGenerator. */
export function generatedName(base: string): string {
  const maxBase = 63 - 5;
  const prefix = base.length > maxBase ? base.slice(0, maxBase) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
  return prefix + suffix;
}

export function nameErrors(name: string, validation: NameValidation): string[] {
  switch (validation) {
    case 'label':
      return dns1123LabelErrors(name);
    case 'path':
      return pathSegmentNameErrors(name);
    default:
      return dns1123SubdomainErrors(name);
  }
}

const maxAnnotationsBytes = 256 * 1024;

/** Validation of metadata common to every kind, on create (old undefined) or update. */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, validation: NameValidation, old?: ObjectMeta): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!meta.name) {
    if (!meta.generateName) causes.push(fieldError.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const message of nameErrors(meta.name, validation)) causes.push(fieldError.invalid('metadata.name', meta.name, message));
  }
  if (meta.generateName && !meta.name) {
    for (const message of nameErrors(generatedName(meta.generateName), validation)) causes.push(fieldError.invalid('metadata.generateName', meta.generateName, message));
  }
  if (namespaced) {
    if (!meta.namespace) causes.push(fieldError.required('metadata.namespace', ''));
    else for (const message of dns1123LabelErrors(meta.namespace)) causes.push(fieldError.invalid('metadata.namespace', meta.namespace, message));
  } else if (meta.namespace) {
    causes.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    for (const message of qualifiedNameErrors(key)) causes.push(fieldError.invalid('metadata.labels', key, message));
    if (typeof value !== 'string') causes.push(fieldError.invalid(`metadata.labels`, value, 'must be a string'));
    else for (const message of labelValueErrors(value)) causes.push(fieldError.invalid('metadata.labels', value, message));
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(meta.annotations ?? {})) {
    for (const message of qualifiedNameErrors(key.toLowerCase())) causes.push(fieldError.invalid('metadata.annotations', key, message));
    annotationBytes += key.length + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (annotationBytes > maxAnnotationsBytes) causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: must have at most ${maxAnnotationsBytes} bytes` });
  let controllers = 0;
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const path = `metadata.ownerReferences[${i}]`;
    if (!ref.apiVersion) causes.push(fieldError.invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) causes.push(fieldError.invalid(`${path}.kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) causes.push(fieldError.invalid(`${path}.name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) causes.push(fieldError.invalid(`${path}.uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers++;
  });
  if (controllers > 1) causes.push(fieldError.invalid('metadata.ownerReferences', meta.ownerReferences, 'Only one reference can have Controller set to true'));
  (meta.finalizers ?? []).forEach((finalizer, i) => {
    for (const message of qualifiedNameErrors(finalizer)) causes.push(fieldError.invalid(`metadata.finalizers[${i}]`, finalizer, message));
  });
  if (old) {
    if (meta.name !== old.name) causes.push(fieldError.immutable('metadata.name', meta.name));
    if ((meta.namespace ?? '') !== (old.namespace ?? '')) causes.push(fieldError.immutable('metadata.namespace', meta.namespace));
    if (meta.uid !== old.uid) causes.push(fieldError.immutable('metadata.uid', meta.uid));
  }
  return causes;
}

/** Sets what the server owns on create (BeforeCreate in Kubernetes). */
export function fillSystemFieldsForCreate(meta: ObjectMeta, trackGeneration: boolean): void {
  if (!meta.name && meta.generateName) meta.name = generatedName(meta.generateName);
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp();
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  delete meta.selfLink;
  if (trackGeneration) meta.generation = 1;
  else delete meta.generation;
}

/**
 * Drops the maps and lists of the metadata that are empty or null, as decoding into Kubernetes' ObjectMeta and
 * encoding again does (they are all `omitempty`): `annotations: {}` in a patch leaves no annotations, and no
 * manager owns them.
 */
export function dropEmptyMetadataFields(meta: ObjectMeta): void {
  for (const field of ['labels', 'annotations'] as const) {
    const value = meta[field];
    if (value === null || (value !== undefined && typeof value === 'object' && Object.keys(value).length === 0)) delete meta[field];
  }
  for (const field of ['finalizers', 'ownerReferences'] as const) {
    const value = meta[field];
    if (value === null || (Array.isArray(value) && value.length === 0)) delete meta[field];
  }
}

/** Keeps what a client may not change on update (BeforeUpdate in Kubernetes). */
export function keepSystemFieldsOnUpdate(meta: ObjectMeta, old: ObjectMeta): void {
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  if (!meta.uid) meta.uid = old.uid;
  meta.creationTimestamp = old.creationTimestamp;
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined && meta.deletionGracePeriodSeconds === undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  delete meta.selfLink;
}

/** Whether anything outside metadata and status changed: such updates bump metadata.generation. */
export function specChanged(object: KubeObject, old: KubeObject): boolean {
  for (const key of new Set([...Object.keys(object), ...Object.keys(old)])) {
    if (key === 'metadata' || key === 'status' || key === 'apiVersion' || key === 'kind') continue;
    if (!deepEqual(object[key], old[key])) return true;
  }
  return false;
}

/** JSON text with object keys sorted (undefined properties left out): equal exactly for values deepEqual finds equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Equality of JSON values, where a property that is undefined counts as absent (as in the JSON text). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const key in ra) {
    const value = ra[key];
    if (value === undefined) continue;
    defined++;
    if (!deepEqual(value, rb[key])) return false;
  }
  for (const key in rb) if (rb[key] !== undefined) defined--;
  return defined === 0;
}

/**
 * A deep copy of a JSON object (cached objects are shared and must never be mutated). Stored
 * objects are plain JSON, so a plain recursive copy does it, several times faster than structuredClone.
 */
export function cloneObject<T>(object: T): T {
  return copyJson(object) as T;
}

function copyJson(value: unknown): unknown {
  // Frozen parts (managedFields' FieldsV1 forms) cannot change, so copies share them.
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    const copy = new Array(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = copyJson(value[i]);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) copy[key] = copyJson((value as Record<string, unknown>)[key]);
  return copy;
}
