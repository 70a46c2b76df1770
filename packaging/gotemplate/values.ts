// How Go values are represented in JavaScript, so that templates behave as they do in Go.
//
//   Go                         JavaScript
//   invalid reflect.Value      undefined   (a missing map key, "<no value>")
//   nil interface              null
//   bool, string               boolean, string
//   int, int64, uint…          bigint      (integers keep Go's int64 arithmetic and comparison rules)
//   float64                    number      (YAML/JSON numbers are float64, as in Helm)
//   complex128                 GoComplex
//   []byte                     Uint8Array
//   []T, [N]T                  Array
//   map[string]T               plain object
//   struct / *struct           a GoStruct subclass (fields are properties, methods are listed)
//   func                       GoFunc

/** A function callable from a template, with Go's parameter types so arguments are checked as Go checks them. */
export interface GoFunc {
  readonly kind: 'func';
  /** Fixed parameter types. */
  readonly params: readonly GoType[];
  /** Element type of a trailing `...T` parameter, if any. */
  readonly variadic?: GoType;
  readonly call: (...args: any[]) => unknown;
}

/**
 * Parameter types that matter for Go's argument checks.
 * `value` receives the raw reflect.Value (undefined for an invalid value), as Go's builtins do.
 */
export type GoType = 'any' | 'value' | 'string' | 'int' | 'int64' | 'uint32' | 'float64' | 'bool' | 'slice' | 'map' | 'bytes';

export function goFunc(params: readonly GoType[], call: (...args: any[]) => unknown, variadic?: GoType): GoFunc {
  return { kind: 'func', params, variadic, call };
}

export function isGoFunc(value: unknown): value is GoFunc {
  return typeof value === 'object' && value !== null && (value as GoFunc).kind === 'func' && typeof (value as GoFunc).call === 'function';
}

/** A Go complex128. */
export class GoComplex {
  constructor(readonly re: number, readonly im: number) {}
}

/**
 * Base of Go struct values exposed to templates. Own enumerable properties are the exported fields;
 * `goMethods` maps method names to functions called with the receiver bound.
 */
export abstract class GoStruct {
  /** Go's name of the type, used in error messages (e.g. "*chart.Metadata"). */
  abstract get goTypeName(): string;
  /** Methods callable as `.Name arg…`. */
  goMethods(): Readonly<Record<string, GoFunc>> {
    return {};
  }
  /** fmt.Stringer: when present, printing uses it. */
  goString?(): string;
  /** Field names in declaration order, for %v printing. */
  goFieldNames(): string[] {
    return Object.keys(this);
  }
  /** Printed as a pointer (`&{…}`) rather than a value (`{…}`). */
  get goIsPointer(): boolean {
    return this.goTypeName.startsWith('*');
  }
}

export type GoMap = Record<string, unknown>;

/** Methods of a named Go map or slice type (e.g. Helm's .Files, .Capabilities.APIVersions). */
const attachedMethods = Symbol('goMethods');

/** Gives a map or slice value Go methods, looked up before keys as Go does for named types. */
export function withMethods<T extends object>(value: T, methods: Record<string, GoFunc>): T {
  Object.defineProperty(value, attachedMethods, { value: methods, enumerable: false });
  return value;
}

/** The methods of a value: a GoStruct's, or those attached to a map or slice. */
export function methodsOf(value: unknown): Readonly<Record<string, GoFunc>> | undefined {
  if (value instanceof GoStruct) return value.goMethods();
  if (typeof value === 'object' && value !== null) return (value as { [attachedMethods]?: Record<string, GoFunc> })[attachedMethods];
  return undefined;
}

export function isGoMap(value: unknown): value is GoMap {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Creates an empty Go map (no prototype, so any key is an ordinary key). */
export function newMap(): GoMap {
  return Object.create(null) as GoMap;
}

export function hasKey(map: GoMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key);
}

/** Map keys in Go's printing and ranging order (sorted). */
export function sortedKeys(map: GoMap): string[] {
  return Object.keys(map).sort(compareStrings);
}

/** Go compares strings bytewise in UTF-8; this matches it except for astral characters. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's type (and kind) name of a bool, string, int or float64 value. */
function basicTypeName(value: unknown): string | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float64';
  }
  return undefined;
}

/** Go's name of a value's dynamic type. */
export function goTypeName(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  const basic = basicTypeName(value);
  if (basic) return basic;
  if (Array.isArray(value)) return '[]interface {}';
  if (value instanceof Uint8Array) return '[]uint8';
  if (value instanceof GoComplex) return 'complex128';
  if (value instanceof GoStruct) return value.goTypeName;
  if (isGoFunc(value)) return 'func';
  if (isGoMap(value)) return 'map[string]interface {}';
  return 'interface {}';
}

/** Go's reflect.Kind name of a value (sprig's kindOf). */
export function goKindName(value: unknown): string {
  if (value === undefined || value === null) return 'invalid';
  const basic = basicTypeName(value);
  if (basic) return basic;
  if (Array.isArray(value) || value instanceof Uint8Array) return 'slice';
  if (value instanceof GoComplex) return 'complex128';
  if (value instanceof GoStruct) return value.goIsPointer ? 'ptr' : 'struct';
  if (isGoFunc(value)) return 'func';
  if (isGoMap(value)) return 'map';
  return 'interface';
}

/** Go's template truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'bigint':
      return value !== 0n;
    case 'number':
      return value !== 0;
  }
  if (Array.isArray(value) || value instanceof Uint8Array) return value.length > 0;
  if (value instanceof GoComplex) return value.re !== 0 || value.im !== 0;
  if (isGoMap(value)) {
    for (const _ in value) return true;
    return false;
  }
  return true;
}

/** Go's int64 wrap-around for integer arithmetic results. */
export function toInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** Deep copy of a JSON-like Go value (maps and slices copied, other values shared). */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => deepCopy(item)) as T;
  if (isGoMap(value)) {
    const copy = newMap();
    for (const key of Object.keys(value)) copy[key] = deepCopy(value[key]);
    return copy as T;
  }
  return value;
}

/**
 * Converts JSON data into Go values the way a Go test literal would type them: integral numbers
 * become ints (bigint). Used for data written as Go literals; YAML/JSON decoded by Helm stays float64.
 */
export function fromGoLiteralJson(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) && !Object.is(value, -0) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(fromGoLiteralJson);
  if (value !== null && typeof value === 'object') {
    const map = newMap();
    for (const [key, item] of Object.entries(value)) map[key] = fromGoLiteralJson(item);
    return map;
  }
  return value;
}
