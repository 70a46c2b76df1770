// Field paths of server-side apply (structured-merge-diff's fieldpath): a path is a list of elements,
// each selecting a child of an object: a field of a map/struct (`f:`), the item of an associative list
// with the given key fields (`k:`), the item of a set with the given value (`v:`), or an index (`i:`).
// Every element carries `id`, its FieldsV1 key text (`f:name`, `k:{"name":"a"}`, `v:"x"`, `i:0`),
// which is canonical and so doubles as the identity used by field sets.

import { compareGoStrings, formatGoNumber, goJsonMarshal, goQuote, isJsonObject, type JsonValue } from './go-format.ts';

export interface KeyField {
  name: string;
  value: JsonValue;
}

export type PathElement =
  | { readonly kind: 'field'; readonly id: string; readonly name: string }
  | { readonly kind: 'key'; readonly id: string; readonly fields: readonly KeyField[] }
  | { readonly kind: 'value'; readonly id: string; readonly value: JsonValue }
  | { readonly kind: 'index'; readonly id: string; readonly index: number };

export type Path = readonly PathElement[];

const fieldElements = new Map<string, PathElement>();

export function fieldElement(name: string): PathElement {
  // Field names repeat across every object of a kind, so their elements are interned.
  let element = fieldElements.get(name);
  if (!element) {
    element = { kind: 'field', id: `f:${name}`, name };
    if (fieldElements.size < 50_000) fieldElements.set(name, element);
  }
  return element;
}

const singleKeyElements = new Map<string, Map<string | number | boolean, PathElement>>();

/**
 * The key of an item of a list keyed by one field with a scalar value (`k:{"type":"Ready"}`). Interned: every
 * write of a pod's status walks the same conditions and containers; values that do not recur (a pod's IP) are
 * let go once a key has many.
 */
export function singleKeyElement(name: string, value: string | number | boolean): PathElement {
  let byValue = singleKeyElements.get(name);
  if (!byValue) singleKeyElements.set(name, (byValue = new Map()));
  let element = byValue.get(value);
  if (!element) {
    element = keyElement([{ name, value }]);
    if (byValue.size >= 4096) byValue.clear();
    byValue.set(value, element);
  }
  return element;
}

/** An associative-list key; the fields are sorted by name as upstream requires. */
export function keyElement(fields: KeyField[]): PathElement {
  if (fields.length === 1) {
    // Most lists key on one field (`name`): no sorting needed.
    const only = fields[0]!;
    return { kind: 'key', id: `k:{${goJsonMarshal(only.name)}:${goJsonMarshal(only.value)}}`, fields: [only] };
  }
  const sorted = [...fields].sort((a, b) => compareGoStrings(a.name, b.name));
  const id = `k:{${sorted.map((f) => `${goJsonMarshal(f.name)}:${goJsonMarshal(f.value)}`).join(',')}}`;
  return { kind: 'key', id, fields: sorted };
}

export function valueElement(value: JsonValue): PathElement {
  return { kind: 'value', id: `v:${goJsonMarshal(value)}`, value };
}

export function indexElement(index: number): PathElement {
  return { kind: 'index', id: `i:${index}`, index };
}

const kindOrder = { field: 0, key: 1, value: 2, index: 3 } as const;

/** Upstream's total order of path elements (fields, then keys, then values, then indices). */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return kindOrder[a.kind] - kindOrder[b.kind];
  switch (a.kind) {
    case 'field':
      return compareGoStrings(a.name, (b as typeof a).name);
    case 'key':
      return compareKeyFields(a.fields, (b as typeof a).fields);
    case 'value':
      return compareValues(a.value, (b as typeof a).value);
    case 'index':
      return Math.sign(a.index - (b as typeof a).index);
  }
}

function compareKeyFields(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length && i >= b.length) return 0;
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const byName = compareGoStrings(a[i]!.name, b[i]!.name);
    if (byName !== 0) return byName;
    const byValue = compareValues(a[i]!.value, b[i]!.value);
    if (byValue !== 0) return byValue;
  }
}

function valueRank(v: JsonValue): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null) return 4;
  return 5;
}

/** structured-merge-diff's value order: numbers, strings, booleans, lists, maps, null. */
export function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return Math.sign(a - (b as number));
  if (typeof a === 'string') return compareGoStrings(a, b as string);
  if (typeof a === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Array.isArray(a)) {
    const bl = b as JsonValue[];
    for (let i = 0; ; i++) {
      if (i >= a.length && i >= bl.length) return 0;
      if (i >= a.length) return -1;
      if (i >= bl.length) return 1;
      const c = compareValues(a[i]!, bl[i]!);
      if (c !== 0) return c;
    }
  }
  if (isJsonObject(a)) {
    const bm = b as Record<string, JsonValue>;
    const ak = Object.keys(a).sort(compareGoStrings);
    const bk = Object.keys(bm).sort(compareGoStrings);
    for (let i = 0; ; i++) {
      if (i >= ak.length && i >= bk.length) return 0;
      if (i >= ak.length) return -1;
      if (i >= bk.length) return 1;
      const byKey = compareGoStrings(ak[i]!, bk[i]!);
      if (byKey !== 0) return byKey;
      const c = compareValues(a[ak[i]!]!, bm[bk[i]!]!);
      if (c !== 0) return c;
    }
  }
  return 0;
}

/** Deep equality with numbers compared numerically, as upstream's value.Equals does. */
export function valuesEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) {
    if (!(k in b) || !valuesEqual(a[k], b[k])) return false;
  }
  return true;
}

/** value.ToString: how a value appears inside a printed path. */
export function valueToString(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return formatGoNumber(v);
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  return Object.keys(v)
    .sort(compareGoStrings)
    .map((k) => `${k}=${valueToString(v[k]!)}`)
    .join('');
}

/** PathElement.String(): `.name`, `[key="a",port=80]`, `[="x"]`, `[3]`. */
export function pathElementString(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `.${pe.name}`;
    case 'key':
      return `[${pe.fields.map((f) => `${f.name}=${valueToString(f.value)}`).join(',')}]`;
    case 'value':
      return `[=${valueToString(pe.value)}]`;
    case 'index':
      return `[${pe.index}]`;
  }
}

export function pathString(path: Path): string {
  return path.map(pathElementString).join('');
}

export class PathElementSyntaxError extends Error {}

// Keys and values of managedFields repeat on every request for an object: parsed ones are interned.
const parsedElements = new Map<string, PathElement>();

/** Parses one FieldsV1 key. Returns undefined for element types this version does not know (skipped, as upstream does). */
export function parsePathElement(text: string): PathElement | undefined {
  const known = parsedElements.get(text);
  if (known) return known;
  const pe = parseNewPathElement(text);
  if (pe && pe.kind !== 'field') {
    if (parsedElements.size >= 20_000) parsedElements.clear();
    parsedElements.set(text, pe);
  }
  return pe;
}

function parseNewPathElement(text: string): PathElement | undefined {
  if (text.length < 2) throw new PathElementSyntaxError('key must be 2 characters long:');
  if (text[1] !== ':') throw new PathElementSyntaxError(`missing colon: ${text}`);
  const rest = text.slice(2);
  switch (text[0]) {
    case 'f':
      return fieldElement(rest);
    case 'v':
      return valueElement(parseJsonText(rest));
    case 'k': {
      const parsed = parseJsonText(rest);
      if (!isJsonObject(parsed)) throw new PathElementSyntaxError(`ReadObjectCB: expect { or n, but found ${rest[0] ?? 'EOF'}`);
      return keyElement(Object.entries(parsed).map(([name, value]) => ({ name, value })));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(rest)) throw new PathElementSyntaxError(`strconv.Atoi: parsing ${goQuote(rest)}: invalid syntax`);
      return indexElement(Number(rest));
    }
    default:
      return undefined;
  }
}

function parseJsonText(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new PathElementSyntaxError(`invalid JSON in managed fields key: ${(e as Error).message}`);
  }
}
