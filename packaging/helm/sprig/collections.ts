// Sprig's list, dict, default, reflection and JSON functions.
import { sprintf } from '../../gotemplate/fmt.ts';
import { deepCopy, GoComplex, type GoFunc, goFunc, goKindName, type GoMap, goTypeName, hasKey, isGoMap, newMap } from '../../gotemplate/values.ts';
import { marshalJson, unmarshalJson } from '../gojson.ts';
import { castInt64, orElse, sliceElements, strval } from './convert.ts';

/** sprig's empty: nil, zero numbers, false, and empty strings, slices and maps. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  switch (typeof v) {
    case 'string':
      return v.length === 0;
    case 'boolean':
      return !v;
    case 'bigint':
      return v === 0n;
    case 'number':
      return v === 0;
  }
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length === 0;
  if (v instanceof GoComplex) return v.re === 0 && v.im === 0;
  if (isGoMap(v)) return Object.keys(v).length === 0;
  return false;
}

/** reflect.DeepEqual over template values: ints and floats are different types. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null) return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isGoMap(a)) {
    if (!isGoMap(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasKey(b, k) && deepEqual(a[k], b[k]));
  }
  if (a instanceof GoComplex) return b instanceof GoComplex && a.re === b.re && a.im === b.im;
  return a === b;
}

/** The elements of a list argument, or the Go error Sprig reports for other kinds. */
function elements(list: unknown, what: string): unknown[] {
  if (list === undefined || list === null) throw new Error('runtime error: invalid memory address or nil pointer dereference');
  const items = sliceElements(list);
  if (!items) throw new Error(`Cannot ${what} on type ${goKindName(list)}`);
  return items;
}

function mergeMaps(dst: GoMap, src: GoMap, overwrite: boolean, depth = 0): void {
  if (depth > 32) throw new Error('max depth reached');
  for (const key of Object.keys(src)) {
    const s = src[key];
    const d = hasKey(dst, key) ? dst[key] : undefined;
    if (isGoMap(s) && isGoMap(d)) {
      mergeMaps(d, s, overwrite, depth + 1);
      continue;
    }
    if (overwrite ? s !== undefined : d === undefined || isEmpty(d)) dst[key] = s;
  }
}

function dig(...ps: unknown[]): unknown {
  if (ps.length < 3) throw new Error('dig needs at least three arguments');
  const dict = ps[ps.length - 1];
  const def = ps[ps.length - 2];
  const keys = ps.slice(0, -2);
  if (!isGoMap(dict)) throw new Error(`interface conversion: interface {} is ${goTypeName(dict)}, not map[string]interface {}`);
  let current: GoMap = dict;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (typeof key !== 'string') throw new Error(`interface conversion: interface {} is ${goTypeName(key)}, not string`);
    if (!hasKey(current, key)) return def;
    const step = current[key];
    if (i === keys.length - 1) return step;
    if (!isGoMap(step)) throw new Error(`interface conversion: interface {} is ${goTypeName(step)}, not map[string]interface {}`);
    current = step;
  }
  return def;
}

function chunk(size: bigint, list: unknown): unknown[][] {
  const items = elements(list, 'chunk');
  const n = Number(size);
  const l = items.length;
  const count = Math.floor((l - 1) / n) + 1;
  const out: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    let clen = n;
    if (i === count - 1) {
      clen = Math.floor(l % n);
      if (clen === 0) clen = n;
    }
    out.push(items.slice(i * n, i * n + clen));
  }
  return out;
}

function sliceList(list: unknown, ...indices: unknown[]): unknown {
  const items = elements(list, 'slice');
  if (items.length === 0) return null;
  const start = indices.length > 0 ? Number(castInt64(indices[0])) : 0;
  const end = indices.length < 2 ? items.length : Number(castInt64(indices[1]));
  if (start < 0 || end < start || end > items.length) throw new Error(`reflect: slice index out of range`);
  return items.slice(start, end);
}

function sortAlpha(list: unknown): string[] {
  const items = sliceElements(list);
  if (!items) return [strval(list)];
  return toStrings(items).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

/** sprig strslice: a list's non-nil elements as strings. */
export function toStrings(v: unknown): string[] {
  const items = sliceElements(v);
  if (items) return items.filter((x) => x !== null && x !== undefined).map((x) => strval(x));
  if (v === null || v === undefined) return [];
  return [strval(v)];
}

/** A sprig function that panics on error: "must" and plain variants differ only in how errors surface. */
function listFunc(what: string, fn: (items: unknown[], ...rest: any[]) => unknown): GoFunc {
  return goFunc(['any'], (list: unknown) => fn(elements(list, what)));
}

const jsonFuncs: Record<string, GoFunc> = {
  fromJson: goFunc(['string'], (v: string) => orElse(() => unmarshalJson(v), () => null)),
  mustFromJson: goFunc(['string'], (v: string) => unmarshalJson(v)),
  toJson: goFunc(['any'], (v: unknown) => orElse(() => marshalJson(v), () => '')),
  mustToJson: goFunc(['any'], (v: unknown) => marshalJson(v)),
  toPrettyJson: goFunc(['any'], (v: unknown) => orElse(() => marshalJson(v, { indent: '  ' }), () => '')),
  mustToPrettyJson: goFunc(['any'], (v: unknown) => marshalJson(v, { indent: '  ' })),
  toRawJson: goFunc(['any'], (v: unknown) => marshalJson(v, { escapeHtml: false })),
  mustToRawJson: goFunc(['any'], (v: unknown) => marshalJson(v, { escapeHtml: false })),
};

export const collectionFuncs: Record<string, GoFunc> = {
  ...jsonFuncs,
  default: goFunc(['any'], (d: unknown, ...given: unknown[]) => (given.length === 0 || isEmpty(given[0]) ? d : given[0]), 'any'),
  empty: goFunc(['any'], isEmpty),
  coalesce: goFunc([], (...v: unknown[]) => v.find((x) => !isEmpty(x)) ?? null, 'any'),
  all: goFunc([], (...v: unknown[]) => v.every((x) => !isEmpty(x)), 'any'),
  any: goFunc([], (...v: unknown[]) => v.some((x) => !isEmpty(x)), 'any'),
  compact: listFunc('compact', (items) => items.filter((x) => !isEmpty(x))),
  mustCompact: listFunc('compact', (items) => items.filter((x) => !isEmpty(x))),
  ternary: goFunc(['any', 'any', 'bool'], (vt: unknown, vf: unknown, v: boolean) => (v ? vt : vf)),
  deepCopy: goFunc(['any'], (v: unknown) => deepCopy(v)),
  mustDeepCopy: goFunc(['any'], (v: unknown) => deepCopy(v)),

  typeOf: goFunc(['any'], (v: unknown) => sprintf('%T', v)),
  typeIs: goFunc(['string', 'any'], (target: string, v: unknown) => target === sprintf('%T', v)),
  typeIsLike: goFunc(['string', 'any'], (target: string, v: unknown) => {
    const t = sprintf('%T', v);
    return target === t || `*${target}` === t;
  }),
  kindOf: goFunc(['any'], (v: unknown) => goKindName(v)),
  kindIs: goFunc(['string', 'any'], (target: string, v: unknown) => target === goKindName(v)),
  deepEqual: goFunc(['any', 'any'], deepEqual),

  tuple: goFunc([], (...v: unknown[]) => v, 'any'),
  list: goFunc([], (...v: unknown[]) => v, 'any'),
  dict: goFunc(
    [],
    (...v: unknown[]) => {
      const map = newMap();
      for (let i = 0; i < v.length; i += 2) map[strval(v[i])] = i + 1 < v.length ? v[i + 1] : '';
      return map;
    },
    'any',
  ),
  get: goFunc(['map', 'string'], (d: GoMap | null, key: string) => (d && hasKey(d, key) ? d[key] : '')),
  set: goFunc(['map', 'string', 'any'], (d: GoMap | null, key: string, value: unknown) => {
    if (!d) throw new Error('assignment to entry in nil map');
    d[key] = value;
    return d;
  }),
  unset: goFunc(['map', 'string'], (d: GoMap | null, key: string) => {
    if (d) delete d[key];
    return d;
  }),
  hasKey: goFunc(['map', 'string'], (d: GoMap | null, key: string) => !!d && hasKey(d, key)),
  pluck: goFunc(['string'], (key: string, ...dicts: (GoMap | null)[]) => dicts.filter((d) => d && hasKey(d, key)).map((d) => d![key]), 'map'),
  keys: goFunc([], (...dicts: (GoMap | null)[]) => dicts.flatMap((d) => (d ? Object.keys(d) : [])), 'map'),
  pick: goFunc(
    ['map'],
    (d: GoMap | null, ...keys: string[]) => {
      const out = newMap();
      for (const k of keys) if (d && hasKey(d, k)) out[k] = d[k];
      return out;
    },
    'string',
  ),
  omit: goFunc(
    ['map'],
    (d: GoMap | null, ...keys: string[]) => {
      const out = newMap();
      const omitted = new Set(keys);
      for (const k of Object.keys(d ?? {})) if (!omitted.has(k)) out[k] = d![k];
      return out;
    },
    'string',
  ),
  merge: goFunc(['map'], (dst: GoMap | null, ...srcs: (GoMap | null)[]) => mergeInto(dst, srcs, false), 'map'),
  mustMerge: goFunc(['map'], (dst: GoMap | null, ...srcs: (GoMap | null)[]) => mergeInto(dst, srcs, false), 'map'),
  mergeOverwrite: goFunc(['map'], (dst: GoMap | null, ...srcs: (GoMap | null)[]) => mergeInto(dst, srcs, true), 'map'),
  mustMergeOverwrite: goFunc(['map'], (dst: GoMap | null, ...srcs: (GoMap | null)[]) => mergeInto(dst, srcs, true), 'map'),
  values: goFunc(['map'], (d: GoMap | null) => Object.values(d ?? {})),
  dig: goFunc([], dig, 'any'),

  append: goFunc(['any', 'any'], (list: unknown, v: unknown) => [...elements(list, 'push'), v]),
  push: goFunc(['any', 'any'], (list: unknown, v: unknown) => [...elements(list, 'push'), v]),
  mustAppend: goFunc(['any', 'any'], (list: unknown, v: unknown) => [...elements(list, 'push'), v]),
  mustPush: goFunc(['any', 'any'], (list: unknown, v: unknown) => [...elements(list, 'push'), v]),
  prepend: goFunc(['any', 'any'], (list: unknown, v: unknown) => [v, ...elements(list, 'prepend')]),
  mustPrepend: goFunc(['any', 'any'], (list: unknown, v: unknown) => [v, ...elements(list, 'prepend')]),
  first: listFunc('find first', (items) => (items.length ? items[0] : null)),
  mustFirst: listFunc('find first', (items) => (items.length ? items[0] : null)),
  last: listFunc('find last', (items) => (items.length ? items[items.length - 1] : null)),
  mustLast: listFunc('find last', (items) => (items.length ? items[items.length - 1] : null)),
  rest: listFunc('find rest', (items) => items.slice(1)),
  mustRest: listFunc('find rest', (items) => items.slice(1)),
  initial: listFunc('find initial', (items) => items.slice(0, -1)),
  mustInitial: listFunc('find initial', (items) => items.slice(0, -1)),
  reverse: listFunc('find reverse', (items) => [...items].reverse()),
  mustReverse: listFunc('find reverse', (items) => [...items].reverse()),
  uniq: listFunc('find uniq', uniq),
  mustUniq: listFunc('find uniq', uniq),
  without: goFunc(['any'], (list: unknown, ...omit: unknown[]) => elements(list, 'find without').filter((x) => !omit.some((o) => deepEqual(o, x))), 'any'),
  mustWithout: goFunc(['any'], (list: unknown, ...omit: unknown[]) => elements(list, 'find without').filter((x) => !omit.some((o) => deepEqual(o, x))), 'any'),
  has: goFunc(['any', 'any'], has),
  mustHas: goFunc(['any', 'any'], has),
  slice: goFunc(['any'], sliceList, 'any'),
  mustSlice: goFunc(['any'], sliceList, 'any'),
  concat: goFunc(
    [],
    (...lists: unknown[]) => {
      const out: unknown[] = [];
      for (const list of lists) {
        if (list === null || list === undefined) throw new Error('runtime error: invalid memory address or nil pointer dereference');
        const items = sliceElements(list);
        if (!items) throw new Error(`Cannot concat type ${goKindName(list)} as list`);
        out.push(...items);
      }
      return out;
    },
    'any',
  ),
  chunk: goFunc(['int', 'any'], chunk),
  mustChunk: goFunc(['int', 'any'], chunk),
  sortAlpha: goFunc(['any'], sortAlpha),
  join: goFunc(['string', 'any'], (sep: string, v: unknown) => toStrings(v).join(sep)),
  toStrings: goFunc(['any'], toStrings),
};

function uniq(items: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const item of items) if (!out.some((x) => deepEqual(x, item))) out.push(item);
  return out;
}

function has(needle: unknown, haystack: unknown): boolean {
  if (haystack === null || haystack === undefined) return false;
  const items = sliceElements(haystack);
  if (!items) throw new Error(`Cannot find has on type ${goKindName(haystack)}`);
  return items.some((item) => deepEqual(needle, item));
}

function mergeInto(dst: GoMap | null, srcs: (GoMap | null)[], overwrite: boolean): GoMap {
  const target = dst ?? newMap();
  for (const src of srcs) if (src) mergeMaps(target, src, overwrite);
  return target;
}

