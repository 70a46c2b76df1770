// RFC 7386 JSON merge patch as kube-apiserver applies it (evanphx/json-patch v4's MergePatch): null
// deletes, objects merge recursively, anything else replaces. Values added where nothing (or null)
// was have their nulls pruned, including inside objects within arrays; a replacing non-object keeps
// its nulls. A patch that is an array replaces the whole document; null or a scalar is rejected.

import { isJsonObject, type JsonObject, type JsonValue } from '../apply/go-format.ts';
import { patchErrors } from './patch-errors.ts';

function pruneNulls(v: JsonValue): JsonValue {
  if (isJsonObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else pruneNulls(child);
    }
  } else if (Array.isArray(v)) {
    for (const item of v) if (item !== null) pruneNulls(item);
  }
  return v;
}

function mergeValue(current: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(current)) return pruneNulls(patch);
  if (!isJsonObject(patch)) return patch;
  mergeObjects(current, patch);
  return current;
}

function mergeObjects(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete doc[k];
      continue;
    }
    const current = Object.hasOwn(doc, k) ? doc[k]! : null;
    doc[k] = current === null ? pruneNulls(v) : mergeValue(current, v);
  }
}

/** Applies a merge patch to a copy of `current`; throws PatchError 400 for a null or scalar patch. */
export function applyMergePatch(current: JsonObject, patch: JsonValue): JsonValue {
  if (patch === null || typeof patch !== 'object') throw patchErrors.badRequest('Invalid JSON Patch');
  const copy = structuredClone(patch);
  if (Array.isArray(copy)) return pruneNulls(copy);
  const doc = structuredClone(current);
  mergeObjects(doc, copy);
  return doc;
}
