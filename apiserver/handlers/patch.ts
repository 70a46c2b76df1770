// PATCH bodies: JSON patch, JSON merge patch, strategic merge patch (with the kind's schema) and
// server-side apply, applied to the object in the client's version.
import type { KindSchema } from '../patch/kind-schema.ts';
import { applyPatch, patchTypeOf, PatchTypes } from '../patch/apply-patch.ts';
import { applyMergePatch } from '../patch/merge-patch.ts';
import type { JsonObject } from '../apply/go-format.ts';
import { errors } from '../status.ts';
import { decodeJson, decodeYaml } from './content.ts';

export const patchTypes = new Set<string>(Object.values(PatchTypes));

/**
 * Applies a PATCH body of `contentType` to `current`. `schema` carries the merge keys strategic merge
 * needs; a kind without one (a custom resource) refuses strategic merge with 415, as Kubernetes does.
 */
export function applyPatchBody(contentType: string, current: unknown, body: Buffer, schema: KindSchema | undefined, isCustomResource = false): unknown {
  const patchType = patchTypeOf(contentType, isCustomResource);
  if (patchType === PatchTypes.apply) {
    // TODO(apply): server-side apply with managed fields lands with apiserver/apply's field manager.
    return applyMergePatch(current as JsonObject, decodeYaml(body) as JsonObject);
  }
  if (patchType === PatchTypes.strategic && !schema && !isCustomResource) {
    // TODO(openapi): built-in kinds get their schema (merge keys) from the schema facts once merged.
    return applyMergePatch(current as JsonObject, decodeJson(body) as JsonObject);
  }
  if (!patchTypes.has(contentType)) throw errors.unsupportedMediaType(contentType);
  return applyPatch(patchType, current as JsonObject, body, schema);
}
