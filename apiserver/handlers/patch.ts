// PATCH bodies: JSON patch, JSON merge patch, strategic merge patch and server-side apply.
import jsonpatch from 'fast-json-patch';
import type { ServedVersion } from '../registry/registry.ts';
import { errors, StatusError } from '../status.ts';
import { decodeJson, decodeYaml } from './content.ts';

export const patchTypes = new Set([
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
]);

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function jsonPatch(current: unknown, body: Buffer): unknown {
  const operations = decodeJson(body);
  if (!Array.isArray(operations)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    return jsonpatch.applyPatch(structuredClone(current), operations as jsonpatch.Operation[], true, true).newDocument;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === 'TEST_OPERATION_FAILED') throw new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request');
    throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: ${(e.message ?? '').split('\n')[0]}`);
  }
}

/** Applies a PATCH body of `contentType` to the current object (in the client's version). */
export function applyPatchBody(contentType: string, current: unknown, body: Buffer, served: ServedVersion | undefined): unknown {
  switch (contentType) {
    case 'application/json-patch+json':
      return jsonPatch(current, body);
    case 'application/merge-patch+json':
      return mergePatch(current, decodeJson(body));
    case 'application/strategic-merge-patch+json':
      // TODO(patch): replaced by the schema-aware strategic merge of apiserver/patch once it lands.
      return mergePatch(current, decodeJson(body));
    case 'application/apply-patch+yaml':
      void served;
      return mergePatch(current, decodeYaml(body));
    default:
      throw errors.unsupportedMediaType(contentType);
  }
}
