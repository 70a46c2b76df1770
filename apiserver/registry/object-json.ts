// The JSON forms of objects: stored (without metadata.resourceVersion, which the datastore's revision
// supplies) and served (computed once per cached object version and shared by every reader).
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

/** The stored form: the object's JSON without metadata.resourceVersion (the datastore's revision is the version). */
export function storedJson(object: KubeObject): string {
  const meta = object.metadata;
  const resourceVersion = meta.resourceVersion;
  delete meta.resourceVersion;
  const json = JSON.stringify(object);
  if (resourceVersion !== undefined) meta.resourceVersion = resourceVersion;
  return json;
}
