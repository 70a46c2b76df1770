// metadata.managedFields as kube-apiserver reads and writes it: each entry is a manager (name,
// operation, API version, subresource) with the time of its last change and the fields it owns in the
// FieldsV1 format. Managers are identified internally as upstream does, by the JSON of their entry
// without time and fields (and without apiVersion for Apply, so an applier keeps one entry across
// versions).

import { FieldSet } from './field-set.ts';
import { compareGoStrings, goJsonString, isJsonObject, type JsonObject, type JsonValue } from './go-format.ts';
import type { ManagerSets } from './updater.ts';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: JsonObject;
  subresource?: string;
}

/** Fields owned per manager identifier, and when each manager last changed something. */
export interface Managed {
  fields: ManagerSets;
  times: Map<string, string | undefined>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

export class ManagedFieldsError extends Error {}

interface ManagerIdentity {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
}

/** BuildManagerIdentifier: the entry as JSON, in ManagedFieldsEntry's field order, empty fields omitted. */
export function managerIdentifier(entry: ManagerIdentity): string {
  const parts: string[] = [];
  if (entry.manager) parts.push(`"manager":${goJsonString(entry.manager)}`);
  if (entry.operation) parts.push(`"operation":${goJsonString(entry.operation)}`);
  if (entry.apiVersion && entry.operation !== 'Apply') parts.push(`"apiVersion":${goJsonString(entry.apiVersion)}`);
  if (entry.subresource) parts.push(`"subresource":${goJsonString(entry.subresource)}`);
  return `{${parts.join(',')}}`;
}

const parsedIdentifiers = new Map<string, ManagerIdentity>();

/** The identity in an identifier; shared (never mutate it), as a few identifiers recur on every write. */
export function parseManagerIdentifier(identifier: string): ManagerIdentity {
  let id = parsedIdentifiers.get(identifier);
  if (!id) {
    if (parsedIdentifiers.size >= 1024) parsedIdentifiers.clear();
    id = Object.freeze(parseIdentifier(identifier));
    parsedIdentifiers.set(identifier, id);
  }
  return id;
}

function parseIdentifier(identifier: string): ManagerIdentity {
  try {
    const parsed = JSON.parse(identifier) as unknown;
    if (isJsonObject(parsed)) return parsed as ManagerIdentity;
  } catch {
    // Not an identifier: a bare manager name (tests and older callers use those).
  }
  return { manager: identifier };
}

function describeEntry(entry: ManagedFieldsEntry): string {
  return `{${entry.manager ?? ''} ${entry.operation ?? ''} ${entry.apiVersion ?? ''} ${entry.time ?? '<nil>'} ${entry.fieldsType ?? ''} ${entry.fieldsV1 ? 'FieldsV1' : '<nil>'} ${entry.subresource ?? ''}}`;
}

/** DecodeManagedFields: the entries as field sets; throws ManagedFieldsError with upstream's messages. */
export function decodeManagedFields(entries: readonly JsonValue[] | undefined): Managed {
  const managed = emptyManaged();
  (entries ?? []).forEach((raw, i) => {
    const entry = (isJsonObject(raw) ? raw : {}) as ManagedFieldsEntry;
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    if (!entry.apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    if (!entry.fieldsType) throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (entry.fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${goJsonString(entry.fieldsType)} in managed fields entry ${i}`);
    const identifier = managerIdentifier(entry);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(entry.fieldsV1 ?? {});
    } catch (e) {
      throw new ManagedFieldsError(`error decoding versioned set from ${describeEntry(entry)}: error decoding set: ${(e as Error).message}`);
    }
    managed.fields.set(identifier, { set, apiVersion: entry.apiVersion, applied: entry.operation === 'Apply' });
    managed.times.set(identifier, typeof entry.time === 'string' ? entry.time : undefined);
  });
  return managed;
}

function seconds(time: string | undefined): number {
  if (!time) return 0;
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** encodeManagedFields: entries sorted by operation, time, manager, apiVersion, subresource; undefined when none. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] | undefined {
  if (managed.fields.size === 0) return undefined;
  const entries: ManagedFieldsEntry[] = [];
  for (const [identifier, versioned] of managed.fields) {
    const id = parseManagerIdentifier(identifier);
    const entry: ManagedFieldsEntry = {};
    if (id.manager) entry.manager = id.manager;
    const operation = versioned.applied ? 'Apply' : id.operation;
    if (operation) entry.operation = operation;
    if (versioned.apiVersion) entry.apiVersion = versioned.apiVersion;
    const time = managed.times.get(identifier);
    if (time) entry.time = time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = versioned.set.toFieldsV1();
    if (id.subresource) entry.subresource = id.subresource;
    entries.push(entry);
  }
  return entries.sort((p, q) => {
    if (p.operation !== q.operation) return compareGoStrings(p.operation ?? '', q.operation ?? '');
    const ps = seconds(p.time);
    const qs = seconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return compareGoStrings(p.manager ?? '', q.manager ?? '');
    if (p.apiVersion !== q.apiVersion) return compareGoStrings(p.apiVersion ?? '', q.apiVersion ?? '');
    return compareGoStrings(p.subresource ?? '', q.subresource ?? '');
  });
}

/** A managedFields value that asks for ownership to be reset: `[]`, or a single empty entry. */
export function isResetManagedFields(value: JsonValue | undefined): boolean {
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  return value.length === 1 && isJsonObject(value[0]) && Object.keys(value[0]).length === 0;
}
