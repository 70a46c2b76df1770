// The JSON forms of objects: stored (without metadata.resourceVersion, which the datastore's revision
// supplies) and served (computed once per cached object version and shared by every reader).
import { randomBytes } from 'node:crypto';
import type { KubeObject } from './types.ts';

/** Served JSON of cached (immutable) objects, computed once per object version and shared by every reader. */
const served = new WeakMap<object, string>();

export function objectJson(object: KubeObject): string {
  let json = served.get(object);
  if (json === undefined) {
    json = JSON.stringify(object);
    served.set(object, json);
  }
  return json;
}

/**
 * Makes `value` exactly what parsing its JSON would give, in place: properties that are undefined
 * go (arrays get null), as JSON.stringify leaves them out. False when something else would change
 * (a function, a non-finite number, a Date or other class instance): such an object must be decoded.
 */
export function settleAsJson(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) value[i] = null;
      else if (!settleScalarOrObject(item)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (item === undefined) delete record[key];
    else if (!settleScalarOrObject(item)) return false;
  }
  return true;
}

function settleScalarOrObject(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      return settleAsJson(value);
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
      served.set(written, stored.slice(0, insertAt) + field(rv) + stored.slice(insertAt));
    },
  };
}
