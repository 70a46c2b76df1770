// The JSON forms of objects: stored (without metadata.resourceVersion, which the datastore's revision
// supplies) and served (the stored form with the resourceVersion put back).
import { randomBytes } from 'node:crypto';
import type { KubeObject } from './types.ts';

/** A written object's served JSON, as the stored form (which the cache keeps) and the field to put back at `at`. */
interface ServedForm {
  stored: string;
  at: number;
  field: string;
}

/**
 * The served JSON of cached (immutable) objects. A written object's is put together from its stored form on each
 * use: readers use it once or share it per event (watches), and keeping it would hold a second copy of the text of
 * every object served once (25 MB for 10,000 watched pods). Other objects' JSON is computed once and kept.
 */
const servedSymbol = Symbol('k2.served');
/** The served JSON of objects that cannot take a property (frozen ones). */
const servedFrozen = new WeakMap<object, string | ServedForm>();

/**
 * The served JSON is a hidden property of the object (not enumerable: spreads, copies, JSON and key walks skip
 * it): a WeakMap of every cached object cost more to add to, and to mark in each full GC. An object served before
 * it is written gets its written form in place of the first.
 */
const served = {
  get(object: KubeObject): string | ServedForm | undefined {
    return (object as { [servedSymbol]?: string | ServedForm })[servedSymbol] ?? servedFrozen.get(object);
  },
  set(object: KubeObject, form: string | ServedForm): void {
    if (Object.isExtensible(object)) Object.defineProperty(object, servedSymbol, { value: form, writable: true });
    else servedFrozen.set(object, form);
  },
};

export function objectJson(object: KubeObject): string {
  const known = served.get(object);
  if (known === undefined) {
    const json = JSON.stringify(object);
    served.set(object, json);
    return json;
  }
  if (typeof known === 'string') return known;
  return known.stored.slice(0, known.at) + known.field + known.stored.slice(known.at);
}

/**
 * The served JSON as the pieces it is made of, for writers that copy it into a buffer (a watch's framed event):
 * joining them first would flatten a copy of the whole text per event.
 */
export function objectJsonPieces(object: KubeObject): string[] {
  const known = served.get(object);
  if (known === undefined || typeof known === 'string') return [objectJson(object)];
  return [known.stored.slice(0, known.at), known.field, known.stored.slice(known.at)];
}

/**
 * Makes `value` exactly what parsing its JSON would give, in place: properties that are undefined
 * go (arrays get null), as JSON.stringify leaves them out. False when something else would change
 * (a function, a non-finite number, a Date or other class instance): such an object must be decoded.
 * `settled` is an object known to be so (the stored one a write replaces): what `value` shares with it, property
 * by property, is not walked again.
 */
export function settleAsJson(value: unknown, settled?: unknown): boolean {
  if (typeof value !== 'object' || value === null || value === settled) return true;
  const counterpart = typeof settled === 'object' && settled !== null ? (settled as Record<string, unknown>) : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) value[i] = null;
      else if (!settleScalarOrObject(item, counterpart?.[i])) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (item === undefined) delete record[key];
    else if (!settleScalarOrObject(item, counterpart?.[key])) return false;
  }
  return true;
}

function settleScalarOrObject(value: unknown, settled: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      return value === settled || settleAsJson(value, settled);
    default:
      return false;
  }
}

/**
 * An object about to be written: its stored form (the JSON without metadata.resourceVersion, which the
 * datastore's revision supplies) and, once the write has its revision, its served form. One
 * JSON.stringify gives both: the object is encoded with a placeholder resourceVersion, which the
 * stored form leaves out and the served form replaces.
 */
export interface WrittenJson {
  stored: string;
  /** The served JSON, remembered for the object (whose metadata.resourceVersion is now `resourceVersion`). */
  serve(object: KubeObject, resourceVersion: string): void;
}

// A resourceVersion no client can send: a per-process random text behind a NUL character.
const placeholder = `\u0000k2-${randomBytes(12).toString('hex')}`;
const placeholderField = `"resourceVersion":${JSON.stringify(placeholder)}`;

export function writtenJson(object: KubeObject): WrittenJson {
  const meta = object.metadata;
  const had = Object.hasOwn(meta, 'resourceVersion');
  const resourceVersion = meta.resourceVersion;
  meta.resourceVersion = placeholder;
  let json: string;
  try {
    json = JSON.stringify(object);
  } finally {
    // The property was just added when absent: deleting the newest property keeps the object's fast shape.
    if (had) meta.resourceVersion = resourceVersion;
    else delete meta.resourceVersion;
  }
  const at = json.indexOf(placeholderField);
  if (at < 0) {
    // Metadata that does not serialize its own fields (a toJSON): no shortcut.
    return { stored: JSON.stringify({ ...object, metadata: { ...meta, resourceVersion: undefined } }), serve: () => {} };
  }
  const end = at + placeholderField.length;
  // Where the served form puts the resourceVersion back into the stored form, with the comma it needs.
  let stored: string;
  let insertAt: number;
  let field: (rv: string) => string;
  if (json[end] === ',') {
    stored = json.slice(0, at) + json.slice(end + 1);
    insertAt = at;
    field = (rv) => `"resourceVersion":${JSON.stringify(rv)},`;
  } else if (json[at - 1] === ',') {
    stored = json.slice(0, at - 1) + json.slice(end);
    insertAt = at - 1;
    field = (rv) => `,"resourceVersion":${JSON.stringify(rv)}`;
  } else {
    stored = json.slice(0, at) + json.slice(end);
    insertAt = at;
    field = (rv) => `"resourceVersion":${JSON.stringify(rv)}`;
  }
  let servedOnce = false;
  return {
    stored,
    // Built from the stored form (which the cache keeps anyway, flat once the datastore has read it),
    // so the served form costs a few bytes, not a second copy of the object's text.
    // Once per write: the cache serves the object as its event is applied, the writer after the datastore answered.
    serve: (written, rv) => {
      if (servedOnce) return;
      servedOnce = true;
      served.set(written, { stored, at: insertAt, field: field(rv) });
    },
  };
}
