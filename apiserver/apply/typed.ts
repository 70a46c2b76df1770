// Walking values by type (structured-merge-diff's typed package): validation, the field set a value
// sets, merging an applied configuration into a live object, comparing two values, removing or
// extracting the fields of a set, and adjusting old field sets to schema changes. The walks follow
// upstream step by step, quirks included, because ownership and conflicts must come out identical.

import { goSyntaxString, goQuote, goTypeName, goValueString, isJsonObject, type JsonObject, type JsonValue } from './go-format.ts';
import { FieldSet } from './field-set.ts';
import { fieldElement, keyElement, pathElementString, singleKeyElement, valueElement, valuesEqual, type KeyField, type Path, type PathElement } from './path.ts';
import { isUntypedDeducedMap, type Atom, type ListAtom, type MapAtom, type ScalarType, type TypeRef } from './type-model.ts';

/** A value together with the type it is read as. A null value is the "empty object". */
export interface TypedValue {
  readonly value: JsonValue;
  readonly type: TypeRef;
}

export interface ValidationError {
  path: string;
  message: string;
}

function formatValidationError(e: ValidationError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

/** upstream's ValidationErrors: one error prints alone, several as an indented list. */
export class TypedValueError extends Error {
  constructor(readonly errors: ValidationError[]) {
    super(errors.length === 1 ? formatValidationError(errors[0]!) : ['errors:', ...errors.map((e) => `  ${formatValidationError(e)}`)].join('\n'));
  }
}

function error(message: string): ValidationError[] {
  return [{ path: '', message }];
}

/** The shared "no errors" result (never added to). */
const noErrors: ValidationError[] = [];

function prefixed(errors: ValidationError[], prefix: string): ValidationError[] {
  for (const e of errors) e.path = prefix + e.path;
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Atoms

const emptyAtom: Atom = {};

/** The atom of a type, or the errors of an unresolvable one. */
function resolve(type: TypeRef | undefined): Atom | ValidationError[] {
  if (!type) return emptyAtom;
  return type.atom ?? error(`schema error: no type found matching: ${type.describe()}`);
}

const restrictions = new WeakMap<Atom, { scalar?: Atom; list?: Atom; map?: Atom }>();

/** The atom reduced to the one kind the value has (the same object when it has only that kind). */
function restrict(atom: Atom, kind: 'scalar' | 'list' | 'map'): Atom {
  const kinds = (atom.scalar ? 1 : 0) + (atom.list ? 1 : 0) + (atom.map ? 1 : 0);
  if (kinds === 1) return atom;
  let cache = restrictions.get(atom);
  if (!cache) {
    cache = {};
    restrictions.set(atom, cache);
  }
  return (cache[kind] ??= kind === 'scalar' ? { scalar: atom.scalar } : kind === 'list' ? { list: atom.list } : { map: atom.map });
}

function deduceAtom(atom: Atom, value: JsonValue | undefined): Atom {
  if (value === undefined || value === null) return atom;
  if (typeof value !== 'object') return atom.scalar ? restrict(atom, 'scalar') : atom;
  if (Array.isArray(value)) return atom.list ? restrict(atom, 'list') : atom;
  return atom.map ? restrict(atom, 'map') : atom;
}

function invalidAtom(type: TypeRef | undefined): ValidationError[] {
  return error(`schema error: invalid atom: ${type?.name !== undefined ? `named type: ${type.name}` : 'inlined'}`);
}

function valueWrapperSyntax(value: JsonValue | undefined): string {
  return `&value.valueUnstructured{Value:${goSyntaxString(value)}}`;
}

function valueWrapperString(value: JsonValue | undefined): string {
  return `&{${goValueString(value)}}`;
}

function validateScalar(t: ScalarType, value: JsonValue | undefined, prefix: string): ValidationError[] {
  if (value === undefined || value === null) return noErrors;
  switch (t) {
    case 'numeric':
      return typeof value === 'number' ? noErrors : error(`${prefix}expected numeric (int or float), got ${goTypeName(value)}`);
    case 'string':
      return typeof value === 'string' ? noErrors : error(`${prefix}expected string, got ${valueWrapperSyntax(value)}`);
    case 'boolean':
      return typeof value === 'boolean' ? noErrors : error(`${prefix}expected boolean, got ${valueWrapperString(value)}`);
    case 'untyped':
      return typeof value !== 'object' ? noErrors : error(`${prefix}expected any scalar, got ${valueWrapperString(value)}`);
    default:
      return error(`${prefix}unexpected scalar type in schema: ${t as string}`);
  }
}

function listOrNothing(value: JsonValue | undefined): JsonValue[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function mapOrNothing(value: JsonValue | undefined): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

function fieldType(t: MapAtom, key: string): TypeRef | undefined {
  return t.fields.get(key)?.type ?? t.elementType;
}

// ---------------------------------------------------------------------------------------------
// List items

// Keys of list items are computed by every walk; within one operation (whose objects do not change)
// they are remembered per item. A Map, dropped when the operation ends: the items live until then anyway, and a
// WeakMap costs every collection that runs meanwhile.
let itemKeys: Map<object, { list: ListAtom; pe: PathElement }> | undefined;

/** Runs `fn` remembering list item keys; objects must not be modified while it runs. */
export function withItemKeyCache<T>(fn: () => T): T {
  if (itemKeys) return fn();
  itemKeys = new Map();
  try {
    return fn();
  } finally {
    itemKeys = undefined;
  }
}

/** The path element of a list item: its key fields, or its value for sets. Throws with upstream's message. */
export function listItemToPathElement(t: ListAtom, child: JsonValue): PathElement {
  if (t.elementRelationship !== 'associative') throw new Error('invalid indexing of non-associative list');
  if (t.keys.length === 0) {
    if (child === null) throw new Error("associative list without keys has an element that's an explicit null");
    if (Array.isArray(child)) throw new Error('not supported: associative list with lists as elements');
    if (typeof child === 'object') throw new Error("associative list without keys has an element that's a map type");
    return valueElement(child);
  }
  if (child === null) throw new Error('associative list with keys may not have a null element');
  if (!isJsonObject(child)) throw new Error('associative list with keys may not have non-map elements');
  const cached = itemKeys?.get(child);
  if (cached && cached.list === t) return cached.pe;
  if (t.keys.length === 1) {
    const value = child[t.keys[0]!];
    if ((typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') && Object.hasOwn(child, t.keys[0]!)) {
      const pe = singleKeyElement(t.keys[0]!, value);
      itemKeys?.set(child, { list: t, pe });
      return pe;
    }
  }
  const fields: KeyField[] = [];
  for (const name of t.keys) {
    if (Object.hasOwn(child, name)) {
      fields.push({ name, value: child[name]! });
      continue;
    }
    const fallback = keyDefault(t, name);
    if (fallback !== undefined && fallback !== null) fields.push({ name, value: fallback });
  }
  if (fields.length === 0) {
    throw new Error(`associative list with keys has an element that omits all key fields [${t.keys.map(goQuote).join(' ')}] (and doesn't have default values for any key fields)`);
  }
  const pe = keyElement(fields);
  itemKeys?.set(child, { list: t, pe });
  return pe;
}

function keyDefault(t: ListAtom, name: string): JsonValue | undefined {
  const atom = t.elementType.atom;
  if (!atom) throw new Error(`couldn't find default value for ${name}: invalid elementType for list`);
  if (!atom.map) throw new Error(`couldn't find default value for ${name}: associative list may not have non-map types`);
  return atom.map.fields.get(name)?.default;
}

/** The element of item `i`, or undefined after recording upstream's "element i: …" error. */
function itemElementOr(t: ListAtom, child: JsonValue, i: number, errs: ValidationError[]): PathElement | undefined {
  try {
    return listItemToPathElement(t, child);
  } catch (e) {
    errs.push(...error(`element ${i}: ${(e as Error).message}`));
    return undefined;
  }
}

function tryItemElement(t: ListAtom, child: JsonValue): PathElement | undefined {
  try {
    return listItemToPathElement(t, child);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

export interface ValidateOptions {
  /** Accept repeated keys in associative lists (live objects may have them; applied configurations may not). */
  allowDuplicates?: boolean;
  /** An object already validated against the same type: the map fields, at any depth, that hold the very same values are not walked again. */
  checked?: JsonValue;
}

export function validate(value: JsonValue, type: TypeRef, options: ValidateOptions = {}): ValidationError[] {
  return validateValue(value, type, options.allowDuplicates ?? false, isJsonObject(options.checked) ? options.checked : undefined);
}

function validateValue(value: JsonValue, type: TypeRef | undefined, allowDuplicates: boolean, checked?: JsonObject): ValidationError[] {
  const r = resolve(type);
  if (Array.isArray(r)) return r;
  const atom = deduceAtom(r, value);
  if (atom.map) {
    if (value === null) return noErrors;
    if (!isJsonObject(value)) return error(`expected map, got ${valueWrapperString(value)}`);
    let errs = noErrors;
    for (const key in value) {
      if (checked !== undefined && value[key] === checked[key] && Object.hasOwn(checked, key)) continue;
      const t = atom.map.fields.get(key)?.type ?? atom.map.elementType;
      if (!t) {
        errs = [...errs, ...prefixed(error('field not declared in schema'), `.${key}`)];
        break;
      }
      const other = checked !== undefined && Object.hasOwn(checked, key) ? checked[key] : undefined;
      const childErrs = validateValue(value[key]!, t, allowDuplicates, isJsonObject(other) ? other : undefined);
      if (childErrs.length) errs = [...errs, ...prefixed(childErrs, `.${key}`)];
    }
    return errs;
  }
  if (atom.scalar) return validateScalar(atom.scalar, value, '');
  if (atom.list) {
    if (value === null) return noErrors;
    if (!Array.isArray(value)) return error(`expected list, got ${valueWrapperString(value)}`);
    const t = atom.list;
    let errs = noErrors;
    const seen = t.elementRelationship === 'associative' ? new Set<string>() : undefined;
    for (let i = 0; i < value.length; i++) {
      const child = value[i]!;
      let pe: PathElement | undefined;
      if (seen) {
        try {
          pe = listItemToPathElement(t, child);
        } catch (e) {
          return [...errs, ...error(`element ${i}: ${(e as Error).message}`)];
        }
        if (seen.has(pe.id) && !allowDuplicates) errs = [...errs, ...error(`duplicate entries for key ${pathElementString(pe)}`)];
        seen.add(pe.id);
      }
      const childErrs = validateValue(child, t.elementType, allowDuplicates);
      if (childErrs.length) errs = [...errs, ...prefixed(childErrs, pe ? pathElementString(pe) : `[${i}]`)];
    }
    return errs;
  }
  return invalidAtom(type);
}

// ---------------------------------------------------------------------------------------------
// Field sets

/** The set of fields a value sets (TypedValue.ToFieldSet). */
export function toFieldSet(value: JsonValue, type: TypeRef): FieldSet {
  const root: Position = { parent: undefined, pe: undefined, node: new FieldSet() };
  const errs = fieldSetOf(value, type, root);
  if (errs.length) throw new TypedValueError(errs);
  return root.node!;
}

/** Where a walk is in the set being built; nodes are created only when something is inserted below. */
interface Position {
  parent: Position | undefined;
  pe: PathElement | undefined;
  node?: FieldSet;
}

function nodeAt(pos: Position): FieldSet {
  return (pos.node ??= nodeAt(pos.parent!).descend(pos.pe!));
}

/** Inserts the path of `pos` itself (a no-op at the root, like inserting an empty path). */
function insertAt(pos: Position): void {
  if (pos.parent) nodeAt(pos.parent).addMember(pos.pe!);
}

function fieldSetOf(value: JsonValue, type: TypeRef | undefined, pos: Position): ValidationError[] {
  const r = resolve(type);
  if (Array.isArray(r)) return r;
  const atom = deduceAtom(r, value);
  if (atom.map) {
    const t = atom.map;
    if (t.elementRelationship === 'atomic') {
      insertAt(pos);
      return noErrors;
    }
    const m = mapOrNothing(value);
    if (!m) return noErrors;
    let errs = noErrors;
    for (const key in m) {
      const child = m[key]!;
      const childPos: Position = { parent: pos, pe: fieldElement(key) };
      const childErrs = fieldSetOf(child, fieldType(t, key), childPos);
      if (childErrs.length) errs = [...errs, ...childErrs];
      if (child === null || (isJsonObject(child) && isEmptyObject(child)) || !t.fields.has(key)) insertAt(childPos);
    }
    return errs;
  }
  if (atom.scalar) {
    insertAt(pos);
    return noErrors;
  }
  if (atom.list) {
    const t = atom.list;
    if (t.elementRelationship === 'atomic') {
      insertAt(pos);
      return noErrors;
    }
    const list = listOrNothing(value);
    if (!list) return noErrors;
    const elements: PathElement[] = [];
    const seen = new Set<string>();
    let duplicates: Set<string> | undefined;
    for (const child of list) {
      const pe = tryItemElement(t, child) ?? zeroElement;
      elements.push(pe);
      if (!seen.has(pe.id)) seen.add(pe.id);
      else if (!duplicates?.has(pe.id)) {
        nodeAt(pos).addMember(pe);
        (duplicates ??= new Set()).add(pe.id);
      }
    }
    let errs = noErrors;
    for (let i = 0; i < list.length; i++) {
      const pe = elements[i]!;
      if (duplicates?.has(pe.id)) continue;
      const childPos: Position = { parent: pos, pe };
      const childErrs = fieldSetOf(list[i]!, t.elementType, childPos);
      if (childErrs.length) errs = [...errs, ...childErrs];
      insertAt(childPos);
    }
    return errs;
  }
  return invalidAtom(type);
}

/** Stands for an item whose path element could not be computed (upstream's zero PathElement). */
const zeroElement: PathElement = { kind: 'index', id: '<invalid>', index: -1 };

// ---------------------------------------------------------------------------------------------
// Merge

/** Merges `rhs` into `lhs` (TypedValue.Merge): what apply does to the live object. */
export function merge(lhs: TypedValue, rhs: TypedValue): TypedValue {
  if (!lhs.type.sameTypeAs(rhs.type)) throw new TypedValueError(error(`expected objects of the same type, but got ${lhs.type.describe()} and ${rhs.type.describe()}`));
  const { out, errs } = mergeValues(lhs.value, rhs.value, lhs.type);
  if (errs.length) throw new TypedValueError(errs);
  return { value: out === undefined ? null : out, type: lhs.type };
}

interface MergeResult {
  out: JsonValue | undefined;
  errs: ValidationError[];
}

function mergeValues(lhs: JsonValue | undefined, rhs: JsonValue | undefined, type: TypeRef | undefined): MergeResult {
  if (lhs === undefined && rhs === undefined) return { out: undefined, errs: error('at least one of lhs and rhs must be provided') };
  const r = resolve(type);
  if (Array.isArray(r)) return { out: undefined, errs: r };
  const alhs = deduceAtom(r, lhs);
  const arhs = deduceAtom(r, rhs);
  if (rhs === undefined) return mergeAtom(alhs, type, lhs, rhs);
  if (lhs === undefined || alhs === arhs) return mergeAtom(arhs, type, lhs, rhs);
  // The value changes shape: upstream walks the old shape too (for its errors only), then the new one.
  const before = mergeAtom(alhs, type, lhs, rhs);
  const after = mergeAtom(arhs, type, lhs, rhs);
  return { out: after.out, errs: [...before.errs, ...after.errs] };
}

function mergeLeaf(lhs: JsonValue | undefined, rhs: JsonValue | undefined): MergeResult {
  return { out: rhs !== undefined ? rhs : lhs, errs: noErrors };
}

function mergeAtom(atom: Atom, type: TypeRef | undefined, lhs: JsonValue | undefined, rhs: JsonValue | undefined): MergeResult {
  if (atom.map) {
    const t = atom.map;
    const l = mapOrNothing(lhs);
    const r = mapOrNothing(rhs);
    const lEmpty = !l || isEmptyObject(l);
    const rEmpty = !r || isEmptyObject(r);
    if (t.elementRelationship === 'atomic' || (lEmpty && rEmpty)) return mergeLeaf(lhs, rhs);
    const out: JsonObject = {};
    const errs: ValidationError[] = [];
    if (l) for (const key in l) mergeMapItem(t, key, l[key], r && Object.hasOwn(r, key) ? r[key] : undefined, out, errs);
    if (r) for (const key in r) if (!l || !Object.hasOwn(l, key)) mergeMapItem(t, key, undefined, r[key], out, errs);
    return { out: isEmptyObject(out) ? undefined : out, errs };
  }
  if (atom.scalar) {
    const lerrs = validateScalar(atom.scalar, lhs, 'lhs: ');
    const rerrs = validateScalar(atom.scalar, rhs, 'rhs: ');
    if (lerrs.length && rerrs.length) return { out: undefined, errs: [...lerrs, ...rerrs] };
    return mergeLeaf(lhs, rhs);
  }
  if (atom.list) {
    const t = atom.list;
    const l = listOrNothing(lhs);
    const r = listOrNothing(rhs);
    if (t.elementRelationship === 'atomic' || ((!l || l.length === 0) && (!r || r.length === 0))) return mergeLeaf(lhs, rhs);
    return mergeListItems(t, l, r);
  }
  return { out: undefined, errs: invalidAtom(type) };
}

function mergeMapItem(t: MapAtom, key: string, l: JsonValue | undefined, r: JsonValue | undefined, out: JsonObject, errs: ValidationError[]): void {
  const child = mergeValues(l, r, fieldType(t, key));
  if (child.errs.length) errs.push(...prefixed(child.errs, `.${key}`));
  if (child.out !== undefined) out[key] = child.out;
}

function isEmptyObject(o: JsonObject): boolean {
  for (const _ in o) return false;
  return true;
}

interface IndexedList {
  elements: PathElement[];
  /** Item by element id; null for an element that occurs more than once. */
  observed: Map<string, JsonValue>;
  errs: ValidationError[];
}

function indexList(t: ListAtom, list: JsonValue[] | undefined, allowDuplicates: boolean): IndexedList {
  const indexed: IndexedList = { elements: [], observed: new Map(), errs: [] };
  if (!list) return indexed;
  for (let i = 0; i < list.length; i++) {
    const child = list[i]!;
    const pe = itemElementOr(t, child, i, indexed.errs);
    if (!pe) continue;
    const found = indexed.observed.has(pe.id);
    if (found && !allowDuplicates) {
      indexed.errs.push(...error(`duplicate entries for key ${pathElementString(pe)}`));
      continue;
    }
    indexed.observed.set(pe.id, found ? null : child);
    indexed.elements.push(pe);
  }
  return indexed;
}

/**
 * Merges associative lists keeping the applied order for applied items and placing the others where
 * they were (upstream's visitListItems). Errors of individual items are dropped, as upstream does.
 */
function mergeListItems(t: ListAtom, lhs: JsonValue[] | undefined, rhs: JsonValue[] | undefined): MergeResult {
  const right = indexList(t, rhs, false);
  const left = indexList(t, lhs, true);
  const errs = [...right.errs, ...left.errs];
  if (errs.length) return { out: undefined, errs };
  const out: JsonValue[] = [];
  const shared = right.elements.filter((pe) => left.observed.has(pe.id));
  let nextShared = shared.shift();
  const mergedRight = new Set<string>();
  const lLen = left.elements.length;
  const rLen = right.elements.length;
  let lI = 0;
  let rI = 0;
  while (lI < lLen || rI < rLen) {
    if (lI < lLen && rI < rLen) {
      const pe = left.elements[lI]!;
      if (pe.id === right.elements[rI]!.id) {
        mergedRight.add(pe.id);
        mergeItem(t, left.observed.get(pe.id), right.observed.get(pe.id), out);
        lI++;
        rI++;
        nextShared = shared.shift();
        continue;
      }
      if (right.observed.has(pe.id) && nextShared !== undefined && nextShared.id !== pe.id) {
        lI++;
        continue;
      }
    }
    if (lI < lLen) {
      const pe = left.elements[lI]!;
      if (!right.observed.has(pe.id)) {
        mergeItem(t, lhs![lI], undefined, out);
        lI++;
        continue;
      } else if (mergedRight.has(pe.id)) {
        lI++;
      }
    }
    if (rI < rLen) {
      const pe = right.elements[rI]!;
      mergedRight.add(pe.id);
      mergeItem(t, left.observed.get(pe.id), right.observed.get(pe.id), out);
      rI++;
      if (nextShared !== undefined && nextShared.id === pe.id) nextShared = shared.shift();
    }
  }
  return { out: out.length > 0 ? out : undefined, errs: noErrors };
}

function mergeItem(t: ListAtom, l: JsonValue | undefined, r: JsonValue | undefined, out: JsonValue[]): void {
  const item = mergeValues(l, r, t.elementType);
  if (item.out !== undefined) out.push(item.out);
}

// ---------------------------------------------------------------------------------------------
// Compare

export interface Comparison {
  removed: FieldSet;
  modified: FieldSet;
  added: FieldSet;
}

export function comparisonIsSame(c: Comparison): boolean {
  return c.removed.empty() && c.modified.empty() && c.added.empty();
}

/** The fields removed, modified and added from `lhs` to `rhs` (TypedValue.Compare). */
export function compare(lhs: TypedValue, rhs: TypedValue): Comparison {
  if (!lhs.type.sameTypeAs(rhs.type)) throw new TypedValueError(error(`expected objects of the same type, but got ${lhs.type.describe()} and ${rhs.type.describe()}`));
  const comparison: Comparison = { removed: new FieldSet(), modified: new FieldSet(), added: new FieldSet() };
  const errs = compareValues(lhs.value, rhs.value, lhs.type, [], comparison);
  if (errs.length) throw new TypedValueError(errs);
  return comparison;
}

function compareValues(lhs: JsonValue | undefined, rhs: JsonValue | undefined, type: TypeRef | undefined, path: PathElement[], c: Comparison): ValidationError[] {
  if (lhs === undefined && rhs === undefined) return error('at least one of lhs and rhs must be provided');
  if (lhs === rhs) return noErrors; // one value (a subtree a write kept): nothing differs below it
  const r = resolve(type);
  if (Array.isArray(r)) return r;
  const alhs = deduceAtom(r, lhs);
  const arhs = deduceAtom(r, rhs);
  let result: { leaf: boolean; errs: ValidationError[] };
  if (rhs === undefined) result = compareAtom(alhs, type, lhs, rhs, path, c);
  else if (lhs === undefined || alhs === arhs) result = compareAtom(arhs, type, lhs, rhs, path, c);
  else {
    // Upstream walks the old shape too, recording into the same comparison.
    const before = compareAtom(alhs, type, lhs, rhs, path, c);
    const after = compareAtom(arhs, type, lhs, rhs, path, c);
    result = { leaf: after.leaf, errs: [...before.errs, ...after.errs] };
  }
  if (!result.leaf) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
  }
  return result.errs;
}

/** The results of comparing a node without errors, shared (a comparison walks every field of what changed). */
const leafCompared: { leaf: boolean; errs: ValidationError[] } = Object.freeze({ leaf: true, errs: noErrors });
const nodeCompared: { leaf: boolean; errs: ValidationError[] } = Object.freeze({ leaf: false, errs: noErrors });

function compareLeaf(lhs: JsonValue | undefined, rhs: JsonValue | undefined, path: PathElement[], c: Comparison): { leaf: boolean; errs: ValidationError[] } {
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
  else if (!valuesEqual(rhs, lhs)) c.modified.insert(path);
  return leafCompared;
}

function compareAtom(atom: Atom, type: TypeRef | undefined, lhs: JsonValue | undefined, rhs: JsonValue | undefined, path: PathElement[], c: Comparison): { leaf: boolean; errs: ValidationError[] } {
  if (atom.map) {
    const t = atom.map;
    const l = mapOrNothing(lhs);
    const r = mapOrNothing(rhs);
    if (t.elementRelationship === 'atomic' || ((!l || isEmptyObject(l)) && (!r || isEmptyObject(r)))) return compareLeaf(lhs, rhs, path, c);
    const errs: ValidationError[] = [];
    if (l) for (const key in l) compareMapItem(t, key, l[key], r && Object.hasOwn(r, key) ? r[key] : undefined, path, c, errs);
    if (r) for (const key in r) if (!l || !Object.hasOwn(l, key)) compareMapItem(t, key, undefined, r[key], path, c, errs);
    return errs.length ? { leaf: false, errs } : nodeCompared;
  }
  if (atom.scalar) {
    const lerrs = validateScalar(atom.scalar, lhs, 'lhs: ');
    const rerrs = validateScalar(atom.scalar, rhs, 'rhs: ');
    if (lerrs.length && rerrs.length) return { leaf: false, errs: [...lerrs, ...rerrs] };
    return compareLeaf(lhs, rhs, path, c);
  }
  if (atom.list) {
    const t = atom.list;
    const l = listOrNothing(lhs);
    const r = listOrNothing(rhs);
    if (t.elementRelationship === 'atomic' || ((!l || l.length === 0) && (!r || r.length === 0))) return compareLeaf(lhs, rhs, path, c);
    const errs = compareListItems(t, l, r, path, c);
    return errs.length ? { leaf: false, errs } : nodeCompared;
  }
  return { leaf: false, errs: invalidAtom(type) };
}

function compareMapItem(t: MapAtom, key: string, l: JsonValue | undefined, r: JsonValue | undefined, path: PathElement[], c: Comparison, errs: ValidationError[]): void {
  path.push(fieldElement(key));
  const childErrs = compareValues(l, r, fieldType(t, key), path, c);
  path.pop();
  if (childErrs.length) errs.push(...prefixed(childErrs, `.${key}`));
}

function compareItem(t: ListAtom, pe: PathElement, l: JsonValue | undefined, r: JsonValue | undefined, path: PathElement[], c: Comparison, errs: ValidationError[]): void {
  path.push(pe);
  const childErrs = compareValues(l, r, t.elementType, path, c);
  path.pop();
  if (childErrs.length) errs.push(...prefixed(childErrs, pathElementString(pe)));
}

function groupItems(t: ListAtom, list: JsonValue[] | undefined, into: Map<string, JsonValue[]>, order: PathElement[], errs: ValidationError[], other?: Map<string, JsonValue[]>): void {
  if (!list) return;
  for (let i = 0; i < list.length; i++) {
    const child = list[i]!;
    const pe = itemElementOr(t, child, i, errs);
    if (!pe) continue;
    const items = into.get(pe.id);
    if (items) items.push(child);
    else {
      into.set(pe.id, [child]);
      if (!other || !other.has(pe.id)) order.push(pe);
    }
  }
}

function compareListItems(t: ListAtom, lhs: JsonValue[] | undefined, rhs: JsonValue[] | undefined, path: PathElement[], c: Comparison): ValidationError[] {
  const errs: ValidationError[] = [];
  const order: PathElement[] = [];
  const left = new Map<string, JsonValue[]>();
  const right = new Map<string, JsonValue[]>();
  groupItems(t, lhs, left, order, errs);
  groupItems(t, rhs, right, order, errs, left);
  for (const pe of order) {
    const l = left.get(pe.id) ?? [];
    const r = right.get(pe.id) ?? [];
    if (l.length <= 1 && r.length <= 1) compareItem(t, pe, l[0], r[0], path, c, errs);
    else if (l.length >= 2 && r.length >= 2) {
      if (l.length !== r.length || l.some((v, i) => !valuesEqual(v, r[i]))) c.modified.insert([...path, pe]);
    } else if (l.length >= 2) {
      if (r.length !== 0) compareItem(t, pe, undefined, r[0], path, c, errs);
      c.removed.insert([...path, pe]);
    } else {
      if (l.length !== 0) compareItem(t, pe, l[0], undefined, path, c, errs);
      c.added.insert([...path, pe]);
    }
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Remove and extract

/** The value without the fields of `set` (TypedValue.RemoveItems). */
export function removeItems(tv: TypedValue, set: FieldSet): TypedValue {
  return { value: removeOrExtract(tv.value, set, tv.type, false), type: tv.type };
}

/** Only the fields of `set` (TypedValue.ExtractItems). */
export function extractItems(tv: TypedValue, set: FieldSet): TypedValue {
  return { value: removeOrExtract(tv.value, set, tv.type, true), type: tv.type };
}

function removeOrExtract(value: JsonValue, set: FieldSet, type: TypeRef | undefined, extract: boolean): JsonValue {
  const r = resolve(type);
  if (Array.isArray(r)) return null;
  const atom = deduceAtom(r, value);
  if (atom.map) {
    const t = atom.map;
    if (!isJsonObject(value)) return null;
    if (isEmptyObject(value) || t.elementRelationship === 'atomic') return extract ? value : null;
    const out: JsonObject = {};
    for (const key in value) {
      const child = value[key]!;
      const pe = fieldElement(key);
      const childType = fieldType(t, key);
      if (set.hasMember(pe)) {
        if (extract) out[key] = removeOrExtract(child, set, childType, extract);
        continue;
      }
      const subset = set.withPrefix(pe);
      if (!subset.empty()) out[key] = removeOrExtract(child, subset, childType, extract);
      else if (!extract) out[key] = child;
    }
    return isEmptyObject(out) ? null : out;
  }
  if (atom.scalar) return value;
  if (atom.list) {
    const t = atom.list;
    if (!Array.isArray(value)) return null;
    if (value.length === 0 || t.elementRelationship === 'atomic') return extract ? value : null;
    const out: JsonValue[] = [];
    for (const item of value) {
      const pe = tryItemElement(t, item);
      const exact = pe !== undefined && set.hasMember(pe);
      const subset = pe !== undefined ? set.withPrefix(pe) : undefined;
      const prefix = subset !== undefined && !subset.empty();
      if (extract) {
        if (exact || prefix) out.push(prefix ? removeOrExtract(item, subset!, t.elementType, extract) : item);
      } else if (!exact) {
        out.push(prefix ? removeOrExtract(item, subset!, t.elementType, extract) : item);
      }
    }
    return out.length > 0 ? out : null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Schema changes

/**
 * Adjusts a field set recorded under an older schema to the current one: fields below what is now
 * an atomic list or map collapse into it (ReconcileFieldSetWithSchema). Undefined when nothing changes.
 */
export function reconcileFieldSetWithSchema(set: FieldSet, type: TypeRef): FieldSet | undefined {
  const state: ReconcileState = { collapsed: new FieldSet(), changed: false, errs: [] };
  reconcileNode(set, type, [], false, state);
  if (state.errs.length) throw new Error(`errors reconciling field set with schema: ${new TypedValueError(state.errs).message}`);
  if (!state.changed) return undefined;
  return set.recursiveDifference(state.collapsed).union(state.collapsed);
}

interface ReconcileState {
  /** Paths that became atomic: everything below them goes, they stay. */
  collapsed: FieldSet;
  changed: boolean;
  errs: ValidationError[];
}

function reconcileNode(node: FieldSet | undefined, type: TypeRef | undefined, path: PathElement[], isAtomic: boolean, state: ReconcileState): void {
  const atom = type?.atom;
  if (!atom) {
    state.errs.push(...error(`could not resolve ${type?.describe() ?? 'inlined type'}`));
    return;
  }
  if (atom.map) {
    const t = atom.map;
    if (isUntypedDeducedMap(t)) return;
    if (!isAtomic && t.elementRelationship === 'atomic') {
      if (node && node.size() > 0) {
        state.collapsed.insert(path);
        state.changed = true;
      }
      return;
    }
    if (node) reconcileChildren(node, t, undefined, path, state);
    return;
  }
  if (atom.scalar) return;
  if (atom.list) {
    const t = atom.list;
    if (!isAtomic && t.elementRelationship === 'atomic') {
      state.collapsed.insert(path);
      state.changed = true;
      return;
    }
    if (node) reconcileChildren(node, undefined, t, path, state);
    return;
  }
  state.errs.push(...invalidAtom(type));
}

function reconcileChildren(node: FieldSet, map: MapAtom | undefined, list: ListAtom | undefined, path: PathElement[], state: ReconcileState): void {
  for (const c of node.children.values()) if (!node.hasMember(c.pe)) reconcileChild(node, c.pe, false, map, list, path, state);
  for (const pe of node.members.values()) reconcileChild(node, pe, true, map, list, path, state);
}

function reconcileChild(node: FieldSet, pe: PathElement, isMember: boolean, map: MapAtom | undefined, list: ListAtom | undefined, path: PathElement[], state: ReconcileState): void {
  // Fields the schema does not know are left alone.
  const type = map ? (pe.kind === 'field' ? fieldType(map, pe.name) : map.elementType) : list!.elementType;
  if (!type) return;
  const child = node.child(pe);
  path.push(pe);
  reconcileNode(child, type, path, isMember && !child, state);
  path.pop();
}

/** Adds, as members, the struct fields that only appear as parents in the set (Set.EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, type: TypeRef | undefined): FieldSet {
  const atom = type?.atom ?? emptyAtom;
  let out: FieldSet | undefined;
  for (const c of set.children.values()) {
    let childType: TypeRef | undefined;
    let addMember = false;
    if (c.pe.kind === 'field' && atom.map) {
      addMember = atom.map.fields.has(c.pe.name) && !set.hasMember(c.pe);
      childType = fieldType(atom.map, c.pe.name);
    } else if (c.pe.kind === 'key' && atom.list) {
      childType = atom.list.elementType;
    }
    const child = ensureNamedFieldsAreMembers(c.set, childType);
    if (!addMember && child === c.set) continue;
    out ??= shallowCopy(set);
    if (addMember) out.addMember(c.pe);
    if (child !== c.set) out.setChild(c.pe, child);
  }
  return out ?? set;
}

function shallowCopy(set: FieldSet): FieldSet {
  const out = new FieldSet();
  for (const pe of set.members.values()) out.addMember(pe);
  for (const c of set.children.values()) out.setChild(c.pe, c.set);
  return out;
}

/** Paths of a set, each with the key fields of associative-list items appended (ExtractItems' WithAppendKeyFields). */
export function pathsWithKeyFields(items: FieldSet, present: FieldSet): FieldSet {
  const keyFields = new FieldSet();
  for (const path of items.paths()) {
    if (!present.has(path)) continue;
    path.forEach((pe, i) => {
      if (pe.kind !== 'key') return;
      for (const f of pe.fields) keyFields.insert([...path.slice(0, i + 1), fieldElement(f.name)] as Path);
    });
  }
  return items.union(keyFields);
}
