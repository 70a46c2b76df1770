// Errors of strategic merge patch (apimachinery's mergepatch errors). Some are sentinels that the
// PATCH handler maps to a 400 or 422; every other error surfaces as a 500 with its message, as in
// kube-apiserver.

import { goValueString, isJsonObject } from '../apply/go-format.ts';

export type MergeErrorSentinel =
  | 'badJSONDoc'
  | 'noListOfLists'
  | 'badPatchFormatForPrimitiveList'
  | 'badPatchFormatForRetainKeys'
  | 'badPatchFormatForSetElementOrderList'
  | 'patchContentNotMatchRetainKeys'
  | 'unsupportedStrategicMergePatchFormat';

const sentinelMessages: Record<MergeErrorSentinel, string> = {
  badJSONDoc: 'invalid JSON document',
  noListOfLists: 'lists of lists are not supported',
  badPatchFormatForPrimitiveList: 'invalid patch format of primitive list',
  badPatchFormatForRetainKeys: 'invalid patch format of retainKeys',
  badPatchFormatForSetElementOrderList: 'invalid patch format of setElementOrder list',
  patchContentNotMatchRetainKeys: "patch content doesn't match retainKeys list",
  unsupportedStrategicMergePatchFormat: 'strategic merge patch format is not supported',
};

export class MergePatchError extends Error {
  constructor(
    message: string,
    /** Set for upstream's sentinel errors, which the API maps to 400/422. */
    readonly sentinel?: MergeErrorSentinel,
  ) {
    super(message);
  }

  static of(sentinel: MergeErrorSentinel): MergePatchError {
    return new MergePatchError(sentinelMessages[sentinel], sentinel);
  }
}

/** CreateThreeWayMergePatch's conflict (without overwrite). */
export class MergeConflictError extends MergePatchError {}

/** reflect.TypeOf(v) as %s prints it. */
function goReflectType(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

export function errBadArgType(expected: 'map' | 'slice', actual: unknown): MergePatchError {
  return new MergePatchError(`expected a ${expected === 'map' ? 'map[string]interface {}' : '[]interface {}'}, but received a ${goReflectType(actual)}`);
}

export function errNoMergeKey(m: unknown, key: string): MergePatchError {
  return new MergePatchError(`map: ${goValueString(isJsonObject(m) ? m : {})} does not contain declared merge key: ${key}`);
}

export function errBadPatchType(t: unknown, m: unknown): MergePatchError {
  return new MergePatchError(`unknown patch type: ${typeof t === 'string' ? t : `%!s(${goReflectType(t)}=${goValueString(t)})`} in map: ${goValueString(m)}`);
}
