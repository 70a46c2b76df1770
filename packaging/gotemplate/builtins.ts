// Go's text/template builtin functions (text/template/funcs.go).
import { formatV, isPrintRune, sprint, sprintf, sprintln } from './fmt.ts';
import { GoComplex, type GoFunc, GoStruct, goFunc, goTypeName, hasKey, isGoFunc, isGoMap, isTrue } from './values.ts';

const utf8 = new TextEncoder();

/** Byte length of a Go string. */
export function goStringLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** indirectInterface: a nil interface is an invalid value. */
function indirect(value: unknown): unknown {
  return value === null ? undefined : value;
}

function indexArg(index: unknown, cap: number): number {
  if (typeof index === 'bigint') {
    if (index < 0n || index > BigInt(cap)) throw new Error(`index out of range: ${index}`);
    return Number(index);
  }
  if (index === undefined || index === null) throw new Error('cannot index slice/array with nil');
  throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
}

function mapKey(index: unknown): string {
  if (index === undefined || index === null) throw new Error('value is nil; should be of type string');
  if (typeof index !== 'string') throw new Error(`value has type ${goTypeName(index)}; should be string`);
  return index;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  item = indirect(item);
  if (item === undefined) throw new Error('index of untyped nil');
  for (const rawIndex of indexes) {
    const idx = indirect(rawIndex);
    if (item === null || item === undefined) throw new Error('index of nil pointer');
    if (Array.isArray(item) || item instanceof Uint8Array) {
      const x = indexArg(idx, item.length);
      if (x >= item.length) throw new Error(`reflect: slice index out of range`);
      item = item instanceof Uint8Array ? BigInt(item[x]!) : item[x];
    } else if (typeof item === 'string') {
      const bytes = utf8.encode(item);
      const x = indexArg(idx, bytes.length);
      if (x >= bytes.length) throw new Error(`reflect: string index out of range`);
      item = BigInt(bytes[x]!);
    } else if (isGoMap(item)) {
      const key = mapKey(idx);
      item = hasKey(item, key) ? item[key] : null;
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  item = indirect(item);
  if (item === undefined) throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let length: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new Error('cannot 3-index slice a string');
    length = goStringLength(item);
  } else if (Array.isArray(item) || item instanceof Uint8Array) {
    length = item.length;
  } else {
    throw new Error(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, length, length];
  indexes.forEach((index, i) => {
    idx[i] = indexArg(indirect(index), length);
  });
  if (idx[0]! > idx[1]!) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new Error(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') {
    const bytes = utf8.encode(item).slice(idx[0], idx[1]);
    return new TextDecoder().decode(bytes);
  }
  return item.slice(idx[0], idx[1]);
}

function length(item: unknown): bigint {
  if (item === null) throw new Error('len of nil pointer');
  if (typeof item === 'string') return BigInt(goStringLength(item));
  if (Array.isArray(item) || item instanceof Uint8Array) return BigInt(item.length);
  if (isGoMap(item)) return BigInt(Object.keys(item).length);
  if (item === undefined) throw new Error('len of type <nil>');
  throw new Error(`len of type ${goTypeName(item)}`);
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'complex' | 'invalid';

function basicKind(v: unknown): Kind {
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
  }
  if (v instanceof GoComplex) return 'complex';
  return 'invalid';
}

function isNilValue(v: unknown): boolean {
  return v === undefined || v === null;
}

/** eq arg1 arg2…: true if arg1 equals any of the others. */
export function goEqual(arg1: unknown, ...args: unknown[]): boolean {
  arg1 = indirect(arg1);
  if (args.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (let arg of args) {
    arg = indirect(arg);
    const k2 = basicKind(arg);
    let truth = false;
    if (k1 !== k2) {
      if (arg1 !== undefined && arg !== undefined) throw new Error(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg)}`);
    } else {
      switch (k1) {
        case 'complex':
          truth = (arg1 as GoComplex).re === (arg as GoComplex).re && (arg1 as GoComplex).im === (arg as GoComplex).im;
          break;
        case 'invalid':
          if (isNilValue(arg1) || isNilValue(arg)) {
            truth = isNilValue(arg) === isNilValue(arg1);
          } else if (arg1 instanceof GoStruct && arg instanceof GoStruct && arg1.goIsPointer && arg.goIsPointer) {
            truth = arg1 === arg;
          } else {
            const sameKind = Array.isArray(arg1) === Array.isArray(arg) && isGoMap(arg1) === isGoMap(arg);
            if (!sameKind) throw new Error(`non-comparable types ${formatV(arg1)}: ${goTypeName(arg1)}, ${goTypeName(arg)}: ${formatV(arg)}`);
            throw new Error(`non-comparable type ${formatV(arg)}: ${goTypeName(arg)}`);
          }
          break;
        default:
          truth = arg1 === arg;
      }
    }
    if (truth) return true;
  }
  return false;
}

/** lt arg1 arg2 */
export function goLess(arg1: unknown, arg2: unknown): boolean {
  arg1 = indirect(arg1);
  arg2 = indirect(arg2);
  const k1 = basicKind(arg1);
  if (k1 === 'invalid') throw new Error('invalid type for comparison');
  const k2 = basicKind(arg2);
  if (k2 === 'invalid') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg2)}`);
  if (k1 === 'bool' || k1 === 'complex') throw new Error('invalid type for comparison');
  return (arg1 as number | bigint | string) < (arg2 as number | bigint | string);
}

const htmlEscapes: Record<string, string> = { '\0': '\ufffd', '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function htmlEscapeString(s: string): string {
  return s.replace(/["'&<>\0]/g, (c) => htmlEscapes[c]!);
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        continue;
      case "'":
        out += "\\'";
        continue;
      case '"':
        out += '\\"';
        continue;
      case '<':
        out += '\\u003C';
        continue;
      case '>':
        out += '\\u003E';
        continue;
      case '&':
        out += '\\u0026';
        continue;
      case '=':
        out += '\\u003D';
        continue;
    }
    if (code < 0x20) out += `\\u00${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (code < 0x80 || isPrintRune(ch)) out += ch;
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

/** url.QueryEscape */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of utf8.encode(s)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(...args.map((arg) => (arg === undefined || arg === null ? '<no value>' : arg)));
}

/** Go's `call`: calls a function value with arguments. */
function callFunction(fn: unknown, ...args: unknown[]): unknown {
  fn = indirect(fn);
  if (fn === undefined) throw new Error('call of nil');
  if (!isGoFunc(fn)) throw new Error(`non-function of type ${goTypeName(fn)}`);
  const fixed = fn.params.length;
  if (fn.variadic !== undefined ? args.length < fixed : args.length !== fixed) {
    throw new Error(`wrong number of args: got ${args.length} want ${fn.variadic !== undefined ? 'at least ' : ''}${fixed}`);
  }
  return fn.call(...args.map((arg) => (arg === undefined ? null : arg)));
}

/** The builtin function map. `and`, `or` and `call` are evaluated specially by the executor. */
export const builtinFuncs: Readonly<Record<string, GoFunc>> = {
  and: goFunc(['value'], () => undefined, 'value'),
  or: goFunc(['value'], () => undefined, 'value'),
  not: goFunc(['value'], (arg) => !isTrue(indirect(arg))),
  call: goFunc(['value'], callFunction, 'value'),
  html: goFunc([], (...args) => htmlEscapeString(evalArgs(args)), 'any'),
  js: goFunc([], (...args) => jsEscapeString(evalArgs(args)), 'any'),
  urlquery: goFunc([], (...args) => queryEscape(evalArgs(args)), 'any'),
  index: goFunc(['value'], index, 'value'),
  slice: goFunc(['value'], slice, 'value'),
  len: goFunc(['value'], length),
  print: goFunc([], sprint, 'any'),
  printf: goFunc(['string'], sprintf, 'any'),
  println: goFunc([], sprintln, 'any'),
  eq: goFunc(['value'], goEqual, 'value'),
  ne: goFunc(['value', 'value'], (a, b) => !goEqual(a, b)),
  lt: goFunc(['value', 'value'], goLess),
  le: goFunc(['value', 'value'], (a, b) => goLess(a, b) || goEqual(a, b)),
  gt: goFunc(['value', 'value'], (a, b) => !(goLess(a, b) || goEqual(a, b))),
  ge: goFunc(['value', 'value'], (a, b) => !goLess(a, b)),
};
