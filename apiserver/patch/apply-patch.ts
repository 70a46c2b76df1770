// The PATCH entry point for the three non-apply patch types: JSON patch, JSON merge patch and
// strategic merge patch, with kube-apiserver's decisions on which types a resource accepts and its
// errors for bodies and patches that cannot be applied. (`application/apply-patch+yaml` is server-side
// apply: apiserver/apply.)

import { isJsonObject, type JsonObject, type JsonValue } from '../apply/go-format.ts';
import { applyJsonPatch } from './json-patch.ts';
import type { KindSchema } from './kind-schema.ts';
import { MergePatchError } from './merge-errors.ts';
import { applyMergePatch } from './merge-patch.ts';
import { PatchError, patchErrors } from './patch-errors.ts';
import { PatchMetaError, PatchSchema } from './patch-meta.ts';
import { strategicMergeMapPatch } from './strategic-merge.ts';

export const PatchTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = (typeof PatchTypes)[keyof typeof PatchTypes];

const builtInPatchTypes: readonly PatchType[] = [PatchTypes.json, PatchTypes.merge, PatchTypes.strategic, PatchTypes.apply];
/** Custom resources have no Go types to carry patch metadata, so kube-apiserver refuses strategic merge for them. */
const customResourcePatchTypes: readonly PatchType[] = [PatchTypes.json, PatchTypes.merge, PatchTypes.apply];

export function supportedPatchTypes(isCustomResource: boolean): readonly PatchType[] {
  return isCustomResource ? customResourcePatchTypes : builtInPatchTypes;
}

/**
 * The patch type of a PATCH request's Content-Type (parameters such as charset dropped), or a 415
 * PatchError listing the accepted types when the resource does not take it.
 */
export function patchTypeOf(contentType: string | undefined, isCustomResource: boolean): PatchType {
  const mediaType = (contentType ?? '').split(';')[0]!.trim();
  const accepted = supportedPatchTypes(isCustomResource);
  if (!(accepted as readonly string[]).includes(mediaType)) throw patchErrors.unsupportedMediaType(accepted);
  return mediaType as PatchType;
}

/** A patch body as received (text or bytes), or already decoded JSON. */
export type PatchBody = string | Uint8Array | JsonValue;

function decodeBody(body: PatchBody): JsonValue {
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      throw patchErrors.badRequest('invalid JSON patch');
    }
  }
  return body;
}

/**
 * interpretStrategicMergePatchError: sentinels are 400 or 422. kube-apiserver answers the other
 * merge errors (a list item without its merge key, mixed list element types) with a 500; they are
 * the client's mistake, and k2 answers no bad input with a 5xx: a 400 with the same message.
 */
function strategicMergeError(e: unknown): PatchError {
  if (e instanceof MergePatchError) {
    switch (e.sentinel) {
      case 'badJSONDoc':
      case 'badPatchFormatForPrimitiveList':
      case 'badPatchFormatForRetainKeys':
      case 'badPatchFormatForSetElementOrderList':
      case 'unsupportedStrategicMergePatchFormat':
        return patchErrors.badRequest(e.message);
      case 'noListOfLists':
      case 'patchContentNotMatchRetainKeys':
        return patchErrors.unprocessable(e.message);
      default:
        return patchErrors.badRequest(e.message);
    }
  }
  if (e instanceof PatchMetaError) return patchErrors.badRequest(e.message);
  throw e;
}

/** Applies a strategic merge patch to a copy of `current` (kube-apiserver's strategicPatchObject). */
export function applyStrategicMergePatch(current: JsonObject, patch: JsonValue, schema: KindSchema | undefined): JsonObject {
  if (!isJsonObject(patch)) {
    if (patch === null) return structuredClone(current);
    const what = Array.isArray(patch) ? 'array' : typeof patch;
    throw patchErrors.badRequest(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  if (!schema) throw patchErrors.badRequest('strategic merge patch format is not supported');
  try {
    return strategicMergeMapPatch(structuredClone(current), structuredClone(patch), PatchSchema.of(schema));
  } catch (e) {
    throw strategicMergeError(e);
  }
}

/**
 * Applies a PATCH of the given type to `current` (which is not modified) and returns the patched
 * object. `schema` is the kind's schema (needed for strategic merge; undefined for kinds without one).
 * Throws PatchError, a StatusError with kube-apiserver's code and message.
 */
export function applyPatch(patchType: PatchType, current: JsonObject, patchBody: PatchBody, schema: KindSchema | undefined): JsonObject {
  const patch = decodeBody(patchBody);
  let patched: JsonValue;
  switch (patchType) {
    case PatchTypes.json:
      patched = applyJsonPatch(current, patch);
      break;
    case PatchTypes.merge:
      patched = applyMergePatch(current, patch);
      break;
    case PatchTypes.strategic:
      return applyStrategicMergePatch(current, patch, schema);
    default:
      throw patchErrors.internal(`${patchType}: unimplemented patch type`);
  }
  if (!isJsonObject(patched)) {
    const text = JSON.stringify(patched);
    throw patchErrors.invalidResult(text, `json: cannot unmarshal ${Array.isArray(patched) ? 'array' : 'value'} into Go value of type map[string]interface {}`);
  }
  return patched;
}
