// TOML as Helm's toToml/fromToml see it: BurntSushi/toml's encoder layout (values before tables,
// sorted keys, two-space indents, floats always with a fraction) and decoding into Go values.
import { parse as parseToml, TomlDate } from 'smol-toml';
import { GoStruct, isGoMap, newMap, type GoMap } from '../gotemplate/values.ts';
import { formatFloat } from '../gotemplate/fmt.ts';

function quoteKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : quoteString(key);
}

function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function isTableArray(v: unknown): v is GoMap[] {
  return Array.isArray(v) && v.length > 0 && v.every(isGoMap);
}

function encodeValue(v: unknown): string {
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return Number.isInteger(v) ? formatFloat(v, 'f', 1) : formatFloat(v, 'f', -1);
  }
  if (Array.isArray(v)) return `[${v.filter((x) => x !== null && x !== undefined).map(encodeValue).join(', ')}]`;
  if (isGoMap(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== null && v[k] !== undefined).map((k) => `${quoteKey(k)} = ${encodeValue(v[k])}`).join(', ')}}`;
  if (v instanceof GoStruct && v.goString) return quoteString(v.goString());
  throw new Error(`toml: cannot encode a value of type ${typeof v}`);
}

/** toml.NewEncoder(w).Encode(v) for a map. */
export function encodeToml(value: unknown): string {
  if (!isGoMap(value)) throw new Error('toml: top-level values must be Go maps or structs');
  let out = '';
  const newline = () => {
    if (out.length) out += '\n';
  };
  const indent = (path: string[]) => '  '.repeat(Math.max(0, path.length - 1));
  const writeTable = (path: string[], map: GoMap, arrayHeader: boolean) => {
    if (path.length === 1) newline();
    if (path.length) {
      const header = path.map(quoteKey).join('.');
      out += arrayHeader ? `${indent(path)}[[${header}]]` : `${indent(path)}[${header}]`;
      newline();
    }
    const keys = Object.keys(map).sort();
    for (const key of keys) {
      const v = map[key];
      if (v === null || v === undefined || isGoMap(v) || isTableArray(v)) continue;
      out += `${indent([...path, key])}${quoteKey(key)} = ${encodeValue(v)}`;
      newline();
    }
    for (const key of keys) {
      const v = map[key];
      if (isGoMap(v)) writeTable([...path, key], v, false);
      else if (isTableArray(v)) {
        for (const item of v) {
          if (path.length === 0) newline();
          writeTable([...path, key], item, true);
        }
      }
    }
  };
  writeTable([], value, false);
  return out;
}

function fromToml(value: unknown): unknown {
  if (value instanceof TomlDate) return value.toISOString();
  if (Array.isArray(value)) return value.map(fromToml);
  if (value !== null && typeof value === 'object') {
    const map = newMap();
    for (const [k, v] of Object.entries(value)) map[k] = fromToml(v);
    return map;
  }
  return value;
}

/** toml.Unmarshal into map[string]interface{}: integers int64, floats float64. */
export function decodeToml(text: string): GoMap {
  let parsed: unknown;
  try {
    parsed = parseToml(text, { integersAsBigInt: true });
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    const line = /line (\d+)/.exec((e as Error).message)?.[1] ?? '1';
    throw new Error(`toml: line ${line}: ${message}`);
  }
  return fromToml(parsed) as GoMap;
}
