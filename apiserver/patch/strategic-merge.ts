// Applying a strategic merge patch (apimachinery's strategicpatch.StrategicMergeMapPatch): JSON merge
// patch where lists with the `merge` strategy merge item by item on their merge key, plus the
// directives `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
// `$setElementOrder/<field>`. The port keeps upstream's algorithms (orders, deduplication, errors)
// because kubectl's three-way patches rely on them. Inputs are mutated: callers pass copies.

import { compareGoStrings, goValueString, isJsonObject, type JsonObject, type JsonValue } from '../apply/go-format.ts';
import { errBadArgType, errBadPatchType, errNoMergeKey, MergePatchError } from './merge-errors.ts';
import type { PatchMeta, PatchSchema } from './patch-meta.ts';

export const directiveMarker = '$patch';
export const deleteDirective = 'delete';
export const replaceDirective = 'replace';
export const mergeDirective = 'merge';
export const retainKeysStrategy = 'retainKeys';
export const retainKeysDirective = '$retainKeys';
export const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
export const setElementOrderPrefix = '$setElementOrder';

export interface MergeOptions {
  /** Apply `$deleteFromPrimitiveList` and `$setElementOrder` (server side) rather than carry them (merging patches). */
  mergeParallelList: boolean;
  /** Drop nulls that delete nothing (server side) rather than keep them (merging patches). */
  ignoreUnmatchedNulls: boolean;
}

// ---------------------------------------------------------------------------------------------
// Go value kinds, as reflect sees decoded JSON (integral numbers are int64, others float64)

export type GoKind = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil';

export function goKind(v: JsonValue | undefined): GoKind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(v) ? 'int64' : 'float64';
    case 'boolean':
      return 'bool';
    default:
      return 'map';
  }
}

/** The common kind of the elements of the slices (sliceElementType). */
export function sliceElementKind(...slices: JsonValue[][]): GoKind {
  let prev: GoKind | undefined;
  for (const s of slices) {
    for (const v of s) {
      const k = goKind(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'slice') throw MergePatchError.of('noListOfLists');
      } else if (prev !== k) {
        throw new MergePatchError(`list element types are not identical: ${goValueString(slices)}`);
      }
    }
  }
  if (prev === undefined) throw new MergePatchError('no elements in any of the given slices');
  return prev;
}

/** Splits retainKeys from the other strategy (extractRetainKeysPatchStrategy). */
export function retainKeysAndStrategy(strategies: readonly string[]): { retainKeys: boolean; strategy: string } {
  switch (strategies.length) {
    case 0:
      return { retainKeys: false, strategy: '' };
    case 1:
      return strategies[0] === retainKeysStrategy ? { retainKeys: true, strategy: '' } : { retainKeys: false, strategy: strategies[0]! };
    case 2:
      if (strategies[0] === retainKeysStrategy) return { retainKeys: true, strategy: strategies[1]! };
      if (strategies[1] === retainKeysStrategy) return { retainKeys: true, strategy: strategies[0]! };
      break;
  }
  throw new MergePatchError(`unexpected patch strategy: [${strategies.join(' ')}]`);
}

function strategyOf(meta: PatchMeta): string {
  return retainKeysAndStrategy(meta.strategies).strategy;
}

// ---------------------------------------------------------------------------------------------
// Ordering helpers shared with patch creation

/** Go's sort.Sort with a `<=` Less, as upstream sorts: insertion sort (exact for the short lists Go sorts this way). */
export function goInsertionSort<T>(items: T[], lessOrEqual: (a: T, b: T) => boolean): T[] {
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && lessOrEqual(items[j]!, items[j - 1]!); j--) {
      const t = items[j]!;
      items[j] = items[j - 1]!;
      items[j - 1] = t;
    }
  }
  return items;
}

/** Sorts scalars by their %v text (sortScalars). */
export function sortScalars(s: JsonValue[]): JsonValue[] {
  return goInsertionSort(s, (a, b) => compareGoStrings(goValueString(a), goValueString(b)) <= 0);
}

/** Upstream's in-place deduplication (swaps duplicates with the last element). */
export function deduplicateScalars(s: JsonValue[]): JsonValue[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length]!;
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

export function deduplicateAndSortScalars(s: JsonValue[]): JsonValue[] {
  return sortScalars(deduplicateScalars(s));
}

/** Sorts maps by the %v text of their merge key (sortMapsBasedOnField). */
export function sortMapsByField(s: JsonValue[], field: string): JsonValue[] {
  const text = (m: JsonValue) => goValueString(isJsonObject(m) ? m[field] : undefined);
  return goInsertionSort([...s], (a, b) => compareGoStrings(text(a), text(b)) <= 0);
}

/** The merge key value of a list item (or the item itself for primitive lists), for identity lookups. */
function itemIdentity(item: JsonValue, mergeKey: string, kind: GoKind): JsonValue | undefined {
  if (kind === 'map') return isJsonObject(item) ? item[mergeKey] : undefined;
  return item;
}

/** index(): position of an item in a list by merge key (maps) or value (primitives), -1 if absent. */
function indexIn(list: JsonValue[], item: JsonValue, mergeKey: string, kind: GoKind): number {
  const want = itemIdentity(item, mergeKey, kind);
  for (let i = 0; i < list.length; i++) if (itemIdentity(list[i]!, mergeKey, kind) === want) return i;
  return -1;
}

/** sort.SliceStable as upstream uses it to order items like `order` (insertion sort, Go's stable algorithm for short runs). */
function stableSortByOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, kind: GoKind): JsonValue[] {
  const less = (a: JsonValue, b: JsonValue) => {
    const ia = indexIn(order, a, mergeKey, kind);
    if (ia >= 0) {
      const ib = indexIn(order, b, mergeKey, kind);
      if (ib >= 0) return ia < ib;
    }
    return true;
  };
  for (let i = 1; i < toSort.length; i++) {
    for (let j = i; j > 0 && less(toSort[j]!, toSort[j - 1]!); j--) {
      const t = toSort[j]!;
      toSort[j] = toSort[j - 1]!;
      toSort[j - 1] = t;
    }
  }
  return toSort;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: JsonValue[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isJsonObject(item)) throw errBadArgType('map', item);
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/** Splits out the `$patch: delete` items of a list of maps (extractToDeleteItems). */
function extractToDeleteItems(l: JsonValue[]): { keep: JsonValue[]; toDelete: JsonValue[] } {
  const keep: JsonValue[] = [];
  const toDelete: JsonValue[] = [];
  for (const v of l) {
    if (!isJsonObject(v)) throw errBadArgType('map', v);
    if (Object.hasOwn(v, directiveMarker) && v[directiveMarker] === deleteDirective) toDelete.push(v);
    else keep.push(v);
  }
  return { keep, toDelete };
}

/** Orders `toSort` like `order`, keeping delete directives at the end (normalizeSliceOrder). */
export function normalizeSliceOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, kind: GoKind): JsonValue[] {
  let toDelete: JsonValue[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    ({ keep: toSort, toDelete } = extractToDeleteItems(toSort));
  }
  return [...stableSortByOrder(toSort, order, mergeKey, kind), ...toDelete];
}

/** Interleaves server-only items into the patch items, keeping both relative orders (mergeSortedSlice). */
function mergeSortedSlice(left: JsonValue[], right: JsonValue[], serverOrder: JsonValue[], mergeKey: string, kind: GoKind): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]!);
    else if (j >= right.length) out.push(left[i++]!);
    else {
      const li = indexIn(serverOrder, left[i]!, mergeKey, kind);
      const ri = indexIn(serverOrder, right[j]!, mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]!);
      else out.push(right[j++]!);
    }
  }
  return out;
}

/** Patch items ordered by patchOrder, server-only items by serverOrder, then interleaved (normalizeElementOrder). */
function normalizeElementOrder(patch: JsonValue[], serverOnly: JsonValue[], patchOrder: JsonValue[], serverOrder: JsonValue[], mergeKey: string, kind: GoKind): JsonValue[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

function partitionPrimitivesByPresentInList(original: JsonValue[], partitionBy: JsonValue[]): { patch: JsonValue[]; serverOnly: JsonValue[] } {
  const inPatch = new Set(partitionBy);
  const patch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of original) (inPatch.has(v) ? patch : serverOnly).push(v);
  return { patch, serverOnly };
}

function partitionMapsByPresentInList(original: JsonValue[], partitionBy: JsonValue[], mergeKey: string): { patch: JsonValue[]; serverOnly: JsonValue[] } {
  const patch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of original) {
    if (!isJsonObject(v)) throw errBadArgType('map', v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findMapInSliceByKey(partitionBy, mergeKey, v[mergeKey]!) ? patch : serverOnly).push(v);
  }
  return { patch, serverOnly };
}

/** The first map of the list whose merge key equals the value (findMapInSliceBasedOnKeyValue). */
export function findMapInSliceByKey(list: JsonValue[], key: string, value: JsonValue): { map: JsonObject; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isJsonObject(item)) throw new MergePatchError(`value for key ${i} is not a map`);
    if (Object.hasOwn(item, key) && item[key] === value) return { map: item, index: i };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Directives

/** `$patch` at the top of a map: replace uses the patch as is, delete empties it (handleDirectiveInMergeMap). */
function handleDirectiveInMergeMap(directive: JsonValue, patch: JsonObject): JsonObject {
  if (directive === replaceDirective) {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === deleteDirective) return {};
  throw errBadPatchType(directive, patch);
}

function containsDirectiveMarker(item: JsonValue): boolean {
  return isJsonObject(item) && Object.hasOwn(item, directiveMarker);
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isJsonObject(left)) throw errBadArgType('map', left);
  if (!isJsonObject(right)) throw errBadArgType('map', right);
  if (!Object.hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/** The field a `$deleteFromPrimitiveList/x` or `$setElementOrder/x` key is about (extractKey). */
export function directiveField(key: string, prefix: typeof deleteFromPrimitiveListPrefix | typeof setElementOrderPrefix): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw MergePatchError.of(prefix === deleteFromPrimitiveListPrefix ? 'badPatchFormatForPrimitiveList' : 'badPatchFormatForSetElementOrderList');
  }
  return key.slice(slash + 1);
}

/** The patch list may only hold items of the `$setElementOrder` list, in its order (validatePatchWithSetOrderList). */
function validatePatchWithSetOrderList(patchList: JsonValue | undefined, setOrderList: JsonValue, mergeKey: string): void {
  if (!Array.isArray(setOrderList)) throw MergePatchError.of('badPatchFormatForSetElementOrderList');
  if (patchList !== undefined && !Array.isArray(patchList)) throw MergePatchError.of('badPatchFormatForSetElementOrderList');
  const typedPatchList = (patchList ?? []) as JsonValue[];
  if (setOrderList.length === 0 || typedPatchList.length === 0) return;
  const nonDelete = mergeKey !== '' ? extractToDeleteItems(typedPatchList).keep : typedPatchList;
  let patchIndex = 0;
  let orderIndex = 0;
  while (patchIndex < nonDelete.length && orderIndex < setOrderList.length) {
    if (containsDirectiveMarker(nonDelete[patchIndex]!)) {
      patchIndex++;
      continue;
    }
    if (mergeKeyValueEqual(nonDelete[patchIndex]!, setOrderList[orderIndex]!, mergeKey)) patchIndex++;
    orderIndex++;
  }
  if (patchIndex < nonDelete.length && orderIndex >= setOrderList.length) {
    throw new MergePatchError(`The order in patch list:\n${goValueString(typedPatchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goValueString(setOrderList)}\n`);
  }
}

/**
 * `$retainKeys`: fields of the original not listed are cleared, and every non-null field of the patch
 * must be listed (applyRetainKeysDirective). When merging patches, the directive is carried instead.
 */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject, options: MergeOptions): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const retainKeys = patch[retainKeysDirective]!;
  delete patch[retainKeysDirective];
  if (!options.mergeParallelList) {
    if (Object.hasOwn(original, retainKeysDirective)) {
      if (JSON.stringify(original[retainKeysDirective]) !== JSON.stringify(retainKeys)) {
        throw new MergePatchError(`${goValueString(original[retainKeysDirective])} and ${goValueString(retainKeys)} are not deep equal: this may happen when calculating the 3-way diff patch`);
      }
    } else {
      original[retainKeysDirective] = retainKeys;
    }
    return;
  }
  if (!Array.isArray(retainKeys)) throw MergePatchError.of('badPatchFormatForRetainKeys');
  const keep = new Set<JsonValue>(retainKeys);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!keep.has(k)) throw MergePatchError.of('badPatchFormatForRetainKeys');
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

/**
 * `$setElementOrder/<list>`: merges that list now and orders it as the directive says, then server
 * items where they were (mergePatchIntoOriginal). When merging patches, the directive is carried.
 */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema, options: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const setElementOrder = patch[key]!;
    if (!options.mergeParallelList) {
      if (Object.hasOwn(original, key)) {
        if (JSON.stringify(original[key]) !== JSON.stringify(setElementOrder)) throw MergePatchError.of('badPatchFormatForSetElementOrderList');
      } else {
        original[key] = setElementOrder;
      }
    }
    delete patch[key];
    if (!Array.isArray(setElementOrder)) throw errBadArgType('slice', setElementOrder);
    const field = directiveField(key, setElementOrderPrefix);
    const foundOriginal = Object.hasOwn(original, field);
    const foundPatch = Object.hasOwn(patch, field);
    const originalList = original[field];
    const patchList = patch[field];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('slice', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('slice', patchList);
    const originalValue = foundOriginal ? (originalList as JsonValue[]) : [];
    const patchValue = foundPatch ? (patchList as JsonValue[]) : [];
    const { schema: subschema, meta } = schema.lookupList(field);
    const strategy = strategyOf(meta);
    validatePatchWithSetOrderList(foundPatch ? patchValue : undefined, setElementOrder, meta.mergeKey);

    let merged: JsonValue[];
    if (foundOriginal && !foundPatch) merged = originalValue;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchValue).value as JsonValue[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList!, patchList!, subschema, strategy, meta.mergeKey, false, options);
    else continue;

    const { patch: patchItems, serverOnly } =
      meta.mergeKey === '' ? partitionPrimitivesByPresentInList(merged, setElementOrder) : partitionMapsByPresentInList(merged, setElementOrder, meta.mergeKey);
    const kind = sliceElementKind(originalValue, patchValue);
    original[field] = normalizeElementOrder(patchItems, serverOnly, setElementOrder, originalValue, meta.mergeKey, kind);
    delete patch[field];
  }
}

/** Drops maps carrying `$patch` (removeDirectives); keep is false when the value itself is one. */
export function removeDirectives(obj: JsonValue): { value: JsonValue; keep: boolean } {
  if (isJsonObject(obj)) {
    if (Object.hasOwn(obj, directiveMarker)) return { value: null, keep: false };
    for (const [k, v] of Object.entries(obj)) {
      const r = removeDirectives(v);
      if (r.keep) obj[k] = r.value;
      else delete obj[k];
    }
    return { value: obj, keep: true };
  }
  if (Array.isArray(obj)) {
    const res: JsonValue[] = [];
    for (const v of obj) {
      const r = removeDirectives(v);
      if (r.keep) res.push(r.value);
    }
    return { value: res, keep: true };
  }
  return { value: obj, keep: true };
}

function discardNullValuesFromPatch(v: JsonValue): void {
  if (isJsonObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else discardNullValuesFromPatch(child);
    }
  } else if (Array.isArray(v)) {
    for (const child of v) discardNullValuesFromPatch(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Merge

/** Merges `patch` into `original` (mergeMap). Both are mutated. */
export function mergeMap(original: JsonObject | null, patch: JsonObject, schema: PatchSchema, options: MergeOptions): JsonObject {
  if (Object.hasOwn(patch, directiveMarker)) return handleDirectiveInMergeMap(patch[directiveMarker]!, patch);
  const out = original ?? {};
  applyRetainKeysDirective(out, patch, options);
  mergePatchIntoOriginal(out, patch, schema, options);

  for (let [k, patchV] of Object.entries(patch)) {
    let isDeleteList = false;
    if (k.startsWith(deleteFromPrimitiveListPrefix)) {
      if (!options.mergeParallelList) {
        out[k] = patchV;
        continue;
      }
      k = directiveField(k, deleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }

    if (patchV === null) {
      delete out[k];
      if (options.ignoreUnmatchedNulls) continue;
    }

    if (!Object.hasOwn(out, k) || goKind(out[k]) !== goKind(patchV)) {
      if (!isDeleteList) {
        if (options.ignoreUnmatchedNulls) discardNullValuesFromPatch(patchV);
        const r = removeDirectives(patchV);
        if (r.keep) out[k] = r.value;
        else delete out[k];
      }
      continue;
    }

    const current = out[k]!;
    switch (goKind(current)) {
      case 'map': {
        const { schema: subschema, meta } = schema.lookupField(k);
        out[k] = mergeMapHandler(current, patchV, subschema, strategyOf(meta), options);
        break;
      }
      case 'slice': {
        const { schema: subschema, meta } = schema.lookupList(k);
        out[k] = mergeSliceHandler(current, patchV, subschema, strategyOf(meta), meta.mergeKey, isDeleteList, options);
        break;
      }
      default: {
        const r = removeDirectives(patchV);
        if (r.keep) out[k] = r.value;
        else delete out[k];
      }
    }
  }
  return out;
}

function mergeMapHandler(original: JsonValue, patch: JsonValue, schema: PatchSchema, strategy: string, options: MergeOptions): JsonObject {
  if (!isJsonObject(original)) throw errBadArgType('map', original);
  if (!isJsonObject(patch)) throw errBadArgType('map', patch);
  return strategy !== replaceDirective ? mergeMap(original, patch, schema, options) : patch;
}

function mergeSliceHandler(original: JsonValue, patch: JsonValue, schema: PatchSchema, strategy: string, mergeKey: string, isDeleteList: boolean, options: MergeOptions): JsonValue[] {
  if (!Array.isArray(original)) throw errBadArgType('slice', original);
  if (!Array.isArray(patch)) throw errBadArgType('slice', patch);
  // Deletion lists work the same whatever the field's strategy.
  if (strategy === mergeDirective || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, options, isDeleteList);
  return patch;
}

/**
 * A Go slice over a backing array. Upstream deletes list items by shifting them down within the
 * list's array and then appends into the freed slots, and its caller goes on reading that array (to
 * order `$setElementOrder` lists): the orders kubectl users get depend on it, so it is kept.
 */
interface SliceView {
  arr: JsonValue[];
  len: number;
}

function sliceItems(view: SliceView): JsonValue[] {
  return view.arr.slice(0, view.len);
}

function appendTo(view: SliceView, v: JsonValue): void {
  if (view.len < view.arr.length) view.arr[view.len] = v;
  else view.arr = [...view.arr.slice(0, view.len), v];
  view.len++;
}

/** Merges two lists: scalars are unioned, maps merged on the merge key; then ordered (mergeSlice). */
function mergeSlice(original: JsonValue[], patch: JsonValue[], schema: PatchSchema, mergeKey: string, options: MergeOptions, isDeleteList: boolean): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: JsonValue[];
  if (kind !== 'map') {
    if (options.mergeParallelList && isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw new MergePatchError(`cannot merge lists without merge key for ${schema.name()}`);
    const special = mergeSliceWithSpecialElements({ arr: original, len: original.length }, patch, mergeKey);
    merged = sliceItems(mergeSliceWithoutSpecialElements({ ...special.original }, special.patch, mergeKey, schema, options));
    original = sliceItems(special.original);
    patch = special.patch;
  }
  const { patch: patchItems, serverOnly } = mergeKey === '' ? partitionPrimitivesByPresentInList(merged, patch) : partitionMapsByPresentInList(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

/** Applies `$patch: delete` and `$patch: replace` items of a list of maps (mergeSliceWithSpecialElements). */
function mergeSliceWithSpecialElements(original: SliceView, patch: JsonValue[], mergeKey: string): { original: SliceView; patch: JsonValue[] } {
  const plain: JsonValue[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, directiveMarker)) {
      plain.push(v);
      continue;
    }
    const directive = item[directiveMarker];
    if (directive === deleteDirective) {
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
      deleteMatchingEntries(original, mergeKey, item[mergeKey]!);
    } else if (directive === replaceDirective) {
      replace = true;
    } else if (directive === mergeDirective) {
      throw new MergePatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(directive, item);
    }
  }
  return replace ? { original: { arr: plain, len: plain.length }, patch: [] } : { original, patch: plain };
}

/** Removes the items with the merge key value by shifting the rest down in place (append(s[:i], s[i+1:]...)). */
function deleteMatchingEntries(view: SliceView, mergeKey: string, value: JsonValue): void {
  for (;;) {
    const found = findMapInSliceByKey(sliceItems(view), mergeKey, value);
    if (!found) return;
    for (let j = found.index; j < view.len - 1; j++) view.arr[j] = view.arr[j + 1]!;
    view.len--;
  }
}

function mergeSliceWithoutSpecialElements(original: SliceView, patch: JsonValue[], mergeKey: string, schema: PatchSchema, options: MergeOptions): SliceView {
  for (const v of patch) {
    const item = v as JsonObject;
    if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    const found = findMapInSliceByKey(sliceItems(original), mergeKey, item[mergeKey]!);
    if (found) original.arr[found.index] = mergeMap(found.map, item, schema, options);
    else appendTo(original, v);
  }
  return original;
}

/** `$deleteFromPrimitiveList`: removes the listed values (deleteFromSlice). */
function deleteFromSlice(current: JsonValue[], toDelete: JsonValue[]): JsonValue[] {
  const remove = new Set(toDelete);
  return current.filter((v) => !remove.has(v));
}

/** Applies a strategic merge patch as kube-apiserver does (StrategicMergeMapPatch). Mutates both. */
export function strategicMergeMapPatch(original: JsonObject, patch: JsonObject, schema: PatchSchema): JsonObject {
  return mergeMap(original, patch, schema, { mergeParallelList: true, ignoreUnmatchedNulls: true });
}

/** Merges patches keeping nulls and parallel lists (MergeStrategicMergeMapPatchUsingLookupPatchMeta). */
export function mergeStrategicMergePatches(schema: PatchSchema, ...patches: JsonObject[]): JsonObject {
  let merged: JsonObject = {};
  for (const p of patches) merged = mergeMap(merged, p, schema, { mergeParallelList: false, ignoreUnmatchedNulls: false });
  return merged;
}
