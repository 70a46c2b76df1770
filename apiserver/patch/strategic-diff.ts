// Creating strategic merge patches, as kubectl does client side (apimachinery's
// CreateTwoWayMergePatch and CreateThreeWayMergePatch): the two-way patch turns `original` into
// `modified`; the three-way patch (kubectl apply) applies the user's changes from the last-applied
// `original` to `modified` onto the live `current`, keeping changes others made, and reports conflicts
// with them unless overwriting.

import { stringify as stringifyYaml } from 'yaml';
import { compareGoStrings, goValueString, isJsonObject, type JsonObject, type JsonValue } from '../apply/go-format.ts';
import { valuesEqual } from '../apply/path.ts';
import { errBadArgType, errNoMergeKey, MergeConflictError, MergePatchError } from './merge-errors.ts';
import { PatchMetaError, PatchSchema } from './patch-meta.ts';
import {
  deduplicateAndSortScalars,
  deduplicateScalars,
  deleteDirective,
  deleteFromPrimitiveListPrefix,
  directiveMarker,
  goKind,
  mergeDirective,
  mergeMap,
  normalizeSliceOrder,
  replaceDirective,
  retainKeysAndStrategy,
  retainKeysDirective,
  setElementOrderPrefix,
  sliceElementKind,
  sortMapsByField,
  sortScalars,
} from './strategic-merge.ts';

interface DiffOptions {
  setElementOrder?: boolean;
  ignoreChangesAndAdditions?: boolean;
  ignoreDeletions?: boolean;
  buildRetainKeysDirective?: boolean;
}

/** Deep equality as Go's reflect.DeepEqual sees decoded JSON (int64 and float64 differ). */
function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (goKind(a) !== goKind(b)) return false;
  if (Array.isArray(a)) {
    const bl = b as JsonValue[];
    return a.length === bl.length && a.every((v, i) => deepEqual(v, bl[i]));
  }
  if (isJsonObject(a)) {
    const bm = b as JsonObject;
    const keys = Object.keys(a);
    return keys.length === Object.keys(bm).length && keys.every((k) => Object.hasOwn(bm, k) && deepEqual(a[k], bm[k]));
  }
  return valuesEqual(a ?? null, b ?? null);
}

/** The recursive patch turning `original` into `modified` (diffMaps). */
function diffMaps(original: JsonObject, modified: JsonObject, schema: PatchSchema, options: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeysList: JsonValue[] = [];
  for (const [key, modifiedValue] of Object.entries(modified)) {
    if (options.buildRetainKeysDirective && modifiedValue !== null) retainKeysList.push(key);
    if (!Object.hasOwn(original, key)) {
      if (!options.ignoreChangesAndAdditions) patch[key] = modifiedValue;
      continue;
    }
    const originalValue = original[key]!;
    if (key === directiveMarker) {
      if (typeof originalValue !== 'string' || typeof modifiedValue !== 'string') throw new MergePatchError(`invalid value for special key: ${directiveMarker}`);
      if (modifiedValue !== originalValue) patch[directiveMarker] = modifiedValue;
      continue;
    }
    if (goKind(originalValue) !== goKind(modifiedValue)) {
      if (!options.ignoreChangesAndAdditions) patch[key] = modifiedValue;
      continue;
    }
    if (isJsonObject(originalValue)) handleMapDiff(key, originalValue, modifiedValue as JsonObject, patch, schema, options);
    else if (Array.isArray(originalValue)) handleSliceDiff(key, originalValue, modifiedValue as JsonValue[], patch, schema, options);
    else replacePatchFieldIfNotEqual(key, originalValue, modifiedValue, patch, options);
  }
  if (!options.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!Object.hasOwn(modified, key)) patch[key] = null;
  }
  if (retainKeysList.length > 0 && (Object.keys(patch).length > 0 || hasAdditionalNewField(original, modified))) {
    patch[retainKeysDirective] = sortScalars(retainKeysList);
  }
  return patch;
}

function hasAdditionalNewField(original: JsonObject, modified: JsonObject): boolean {
  for (const [k, v] of Object.entries(original)) if (v !== null && !Object.hasOwn(modified, k)) return true;
  return false;
}

function replacePatchFieldIfNotEqual(key: string, original: JsonValue, modified: JsonValue, patch: JsonObject, options: DiffOptions): void {
  if (options.ignoreChangesAndAdditions) return;
  if (!deepEqual(original, modified)) patch[key] = modified;
}

function lookupOrSame<T>(lookup: () => T, original: JsonValue, modified: JsonValue): T | undefined {
  try {
    return lookup();
  } catch (e) {
    // Without metadata, identical values need no patch; different ones are an error.
    if (e instanceof PatchMetaError && deepEqual(original, modified)) return undefined;
    throw e;
  }
}

function handleMapDiff(key: string, original: JsonObject, modified: JsonObject, patch: JsonObject, schema: PatchSchema, options: DiffOptions): void {
  const found = lookupOrSame(() => schema.lookupField(key), original, modified);
  if (!found) return;
  const { retainKeys, strategy } = retainKeysAndStrategy(found.meta.strategies);
  const opts = { ...options, buildRetainKeysDirective: retainKeys };
  if (strategy === replaceDirective) {
    if (!opts.ignoreChangesAndAdditions) patch[key] = modified;
    return;
  }
  const value = diffMaps(original, modified, found.schema, opts);
  if (Object.keys(value).length > 0) patch[key] = value;
}

function handleSliceDiff(key: string, original: JsonValue[], modified: JsonValue[], patch: JsonObject, schema: PatchSchema, options: DiffOptions): void {
  const found = lookupOrSame(() => schema.lookupList(key), original, modified);
  if (!found) return;
  const { retainKeys, strategy } = retainKeysAndStrategy(found.meta.strategies);
  if (strategy !== mergeDirective) {
    replacePatchFieldIfNotEqual(key, original, modified, patch, options);
    return;
  }
  const { add, remove, order } = diffLists(original, modified, found.schema, found.meta.mergeKey, { ...options, buildRetainKeysDirective: retainKeys });
  if (add.length > 0) patch[key] = add;
  if (remove.length > 0) patch[`${deleteFromPrimitiveListPrefix}/${key}`] = remove;
  if (order.length > 0) patch[`${setElementOrderPrefix}/${key}`] = order;
}

/** The patch list, the parallel deletion list (scalars) and the $setElementOrder list (diffLists). */
function diffLists(original: JsonValue[], modified: JsonValue[], schema: PatchSchema, mergeKey: string, options: DiffOptions): { add: JsonValue[]; remove: JsonValue[]; order: JsonValue[] } {
  if (original.length === 0) {
    if (modified.length === 0 || options.ignoreChangesAndAdditions) return { add: [], remove: [], order: [] };
    return { add: modified, remove: [], order: [] };
  }
  const kind = sliceElementKind(original, modified);
  if (kind === 'map') {
    const { patch, deletions } = diffListsOfMaps(original, modified, schema, mergeKey, options);
    let add = normalizeSliceOrder(patch, modified, mergeKey, kind);
    const orderSame = isOrderSame(original, modified, mergeKey);
    add = [...add, ...deletions];
    let order: JsonValue[] = [];
    if (options.setElementOrder && ((!options.ignoreChangesAndAdditions && (add.length > 0 || !orderSame)) || (!options.ignoreDeletions && add.length > 0))) {
      order = modified.map((v) => ({ [mergeKey]: (v as JsonObject)[mergeKey]! }));
    }
    return { add, remove: [], order };
  }
  const { add: added, remove } = diffListsOfScalars(original, modified, options);
  const add = normalizeSliceOrder(added, modified, mergeKey, kind);
  let order: JsonValue[] = [];
  if (options.setElementOrder && ((!options.ignoreDeletions && remove.length > 0) || (!options.ignoreChangesAndAdditions && !deepEqual(original, modified)))) {
    order = modified;
  }
  return { add, remove, order };
}

function isOrderSame(original: JsonValue[], modified: JsonValue[], mergeKey: string): boolean {
  if (original.length !== modified.length) return false;
  for (let i = 0; i < modified.length; i++) {
    const a = original[i]!;
    const b = modified[i]!;
    if (!isJsonObject(a)) throw errBadArgType('map', a);
    if (!isJsonObject(b)) throw errBadArgType('map', b);
    if (!Object.hasOwn(a, mergeKey)) throw errNoMergeKey(a, mergeKey);
    if (!Object.hasOwn(b, mergeKey)) throw errNoMergeKey(b, mergeKey);
    if (a[mergeKey] !== b[mergeKey]) return false;
  }
  return true;
}

/** Additions and deletions between two scalar lists, compared through their sorted %v texts. */
function diffListsOfScalars(original: JsonValue[], modified: JsonValue[], options: DiffOptions): { add: JsonValue[]; remove: JsonValue[] } {
  const originalScalars = sortScalars(original);
  const modifiedScalars = sortScalars([...modified]);
  const add: JsonValue[] = [];
  const remove: JsonValue[] = [];
  let oi = 0;
  let mi = 0;
  while (oi < originalScalars.length || mi < modifiedScalars.length) {
    const oIn = oi < originalScalars.length;
    const mIn = mi < modifiedScalars.length;
    const o = oIn ? goValueString(originalScalars[oi]) : '';
    const m = mIn ? goValueString(modifiedScalars[mi]) : '';
    const c = compareGoStrings(o, m);
    if (oIn && mIn && c === 0) {
      oi++;
      mi++;
    } else if (!oIn || (mIn && c > 0)) {
      if (!options.ignoreChangesAndAdditions) add.push(modifiedScalars[mi]!);
      mi++;
    } else {
      if (!options.ignoreDeletions) remove.push(originalScalars[oi]!);
      oi++;
    }
  }
  return { add, remove: deduplicateScalars(remove) };
}

function mapAndMergeKey(list: JsonValue[], i: number, mergeKey: string): { map: JsonObject; key: JsonValue } {
  const m = list[i];
  if (!isJsonObject(m)) throw errBadArgType('map', m);
  if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
  return { map: m, key: m[mergeKey]! };
}

/** Per merge key: changed items (recursively), added items and `$patch: delete` items (diffListsOfMaps). */
function diffListsOfMaps(original: JsonValue[], modified: JsonValue[], schema: PatchSchema, mergeKey: string, options: DiffOptions): { patch: JsonValue[]; deletions: JsonValue[] } {
  const patch: JsonValue[] = [];
  const deletions: JsonValue[] = [];
  const originalSorted = sortMapsByField(original, mergeKey);
  const modifiedSorted = sortMapsByField(modified, mergeKey);
  let oi = 0;
  let mi = 0;
  while (oi < originalSorted.length || mi < modifiedSorted.length) {
    const oIn = oi < originalSorted.length;
    const mIn = mi < modifiedSorted.length;
    const o = oIn ? mapAndMergeKey(originalSorted, oi, mergeKey) : undefined;
    const m = mIn ? mapAndMergeKey(modifiedSorted, mi, mergeKey) : undefined;
    const c = compareGoStrings(o ? goValueString(o.key) : '', m ? goValueString(m.key) : '');
    if (o && m && c === 0) {
      const value = diffMaps(o.map, m.map, schema, options);
      if (Object.keys(value).length > 0) {
        value[mergeKey] = m.key;
        patch.push(value);
      }
      oi++;
      mi++;
    } else if (!o || (m && c > 0)) {
      if (!options.ignoreChangesAndAdditions) patch.push(m!.map);
      mi++;
    } else {
      if (!options.ignoreDeletions) deletions.push({ [mergeKey]: o.key, [directiveMarker]: deleteDirective });
      oi++;
    }
  }
  return { patch, deletions };
}

/** The two-way patch from `original` to `modified` (CreateTwoWayMergeMapPatch). */
export function createTwoWayMergePatch(original: JsonObject, modified: JsonObject, schema: PatchSchema): JsonObject {
  return diffMaps(original, modified, schema, { setElementOrder: true });
}

/**
 * The three-way patch of kubectl apply (CreateThreeWayMergePatch): the difference from `current` to
 * `modified` without deletions, plus the deletions from `original` to `modified`. Without `overwrite`,
 * fails with MergeConflictError when it would change fields that changed from original to current.
 */
export function createThreeWayMergePatch(original: JsonObject, modified: JsonObject, current: JsonObject, schema: PatchSchema, overwrite: boolean): JsonObject {
  const delta = diffMaps(current, modified, schema, { ignoreDeletions: true, setElementOrder: true });
  const deletions = diffMaps(original, modified, schema, { setElementOrder: true, ignoreChangesAndAdditions: true });
  const patch = mergeMap(deletions, delta, schema, { mergeParallelList: false, ignoreUnmatchedNulls: false });
  if (!overwrite) {
    const changed = diffMaps(original, current, schema, {});
    if (mergingMapsHaveConflicts(patch, changed, schema)) {
      throw new MergeConflictError(`patch:\n${toYaml(patch)}\nconflicts with changes made from original to current:\n${toYaml(changed)}\n`);
    }
  }
  return patch;
}

/** Whether two patches change the same keys differently (MergingMapsHaveConflicts). */
export function mergingMapsHaveConflicts(left: JsonObject, right: JsonObject, schema: PatchSchema): boolean {
  return fieldsHaveConflicts(left, right, schema, '', '');
}

function fieldsHaveConflicts(left: JsonValue, right: JsonValue, schema: PatchSchema | undefined, strategy: string, mergeKey: string): boolean {
  if (isJsonObject(left)) {
    if (!isJsonObject(right)) return true;
    const leftMarker = Object.hasOwn(left, directiveMarker);
    const rightMarker = Object.hasOwn(right, directiveMarker);
    if (leftMarker || rightMarker) {
      if (leftMarker !== rightMarker) return true;
      if (left[directiveMarker] !== right[directiveMarker]) return true;
    }
    if (strategy === replaceDirective) return false;
    return mapsHaveConflicts(left, right, schema);
  }
  if (Array.isArray(left)) {
    if (!Array.isArray(right)) return true;
    return slicesHaveConflicts(left, right, schema, strategy, mergeKey);
  }
  return !deepEqual(left, right);
}

function mapsHaveConflicts(left: JsonObject, right: JsonObject, schema: PatchSchema | undefined): boolean {
  for (const [key, leftValue] of Object.entries(left)) {
    if (key === directiveMarker || key === retainKeysDirective || !Object.hasOwn(right, key)) continue;
    let subschema: PatchSchema | undefined;
    let strategy = '';
    let mergeKey = '';
    if (Array.isArray(leftValue) || isJsonObject(leftValue)) {
      const s = schema ?? PatchSchema.unknown;
      const found = Array.isArray(leftValue) ? s.lookupList(key) : s.lookupField(key);
      subschema = found.schema;
      strategy = retainKeysAndStrategy(found.meta.strategies).strategy;
      mergeKey = found.meta.mergeKey;
    }
    if (fieldsHaveConflicts(leftValue, right[key]!, subschema, strategy, mergeKey)) return true;
  }
  return false;
}

function slicesHaveConflicts(left: JsonValue[], right: JsonValue[], schema: PatchSchema | undefined, strategy: string, mergeKey: string): boolean {
  const kind = sliceElementKind(left, right);
  if (strategy === mergeDirective) {
    if (kind !== 'map') return false;
    const l = sliceOfMapsToMapOfMaps(left, mergeKey);
    const r = sliceOfMapsToMapOfMaps(right, mergeKey);
    for (const [k, lv] of Object.entries(l)) if (Object.hasOwn(r, k) && fieldsHaveConflicts(lv, r[k]!, schema, '', '')) return true;
    return false;
  }
  if (left.length !== right.length) return true;
  let l = left;
  let r = right;
  if (kind !== 'map') {
    l = deduplicateAndSortScalars([...left]);
    r = deduplicateAndSortScalars([...right]);
  }
  for (let i = 0; i < l.length; i++) if (fieldsHaveConflicts(l[i]!, r[i]!, schema, '', '')) return true;
  return false;
}

function sliceOfMapsToMapOfMaps(slice: JsonValue[], mergeKey: string): JsonObject {
  const out: JsonObject = {};
  for (const v of slice) {
    if (!isJsonObject(v)) throw new MergePatchError(`invalid element type in merging list:${goValueString(slice)}`);
    if (!Object.hasOwn(v, mergeKey)) throw new MergePatchError(`cannot find merge key \`${mergeKey}\` in merging list element:${goValueString(v)}`);
    out[goValueString(v[mergeKey])] = v;
  }
  return out;
}

/** mergepatch.ToYAMLOrError: the YAML of a patch, keys sorted. */
function toYaml(value: JsonObject): string {
  return stringifyYaml(value, { sortMapEntries: true });
}
