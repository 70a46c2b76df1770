// Go's encoding/json as Helm and Sprig use it: json.Marshal (sorted keys, HTML escaping, Go float text)
// and json.Unmarshal into interface{} (numbers become float64).
import { GoStruct, isGoFunc, isGoMap, newMap } from '../gotemplate/values.ts';
import { formatFloat } from '../gotemplate/fmt.ts';

/** JSON form of a Go struct exposed to templates (its json tags applied). */
export interface JsonMarshaler {
  goJson(): unknown;
}

function hasGoJson(value: unknown): value is JsonMarshaler {
  return typeof (value as JsonMarshaler)?.goJson === 'function';
}

/** Go's float64 JSON text: 'f' format, or 'e' for very small or large magnitudes, with a short exponent. */
export function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new Error(`json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`);
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return formatFloat(f, 'e', -1).replace(/e([+-])0(\d)$/, 'e$1$2');
  }
  return formatFloat(f, 'f', -1);
}

function quoteJson(s: string, escapeHtml: boolean): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (code < 0x20) {
      if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\b') out += '\\b';
      else if (ch === '\f') out += '\\f';
      else out += `\\u00${code.toString(16).padStart(2, '0')}`;
    } else if (escapeHtml && (ch === '<' || ch === '>' || ch === '&')) out += `\\u00${code.toString(16)}`;
    else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`;
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += ch + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else out += ch;
  }
  return `${out}"`;
}

/** Bytewise key order, as Go's json.Marshal sorts map keys. */
function byteOrder(a: string, b: string): number {
  const ea = Buffer.from(a, 'utf8');
  const eb = Buffer.from(b, 'utf8');
  return Buffer.compare(ea, eb);
}

export interface MarshalOptions {
  escapeHtml?: boolean;
  /** Indent string for json.MarshalIndent. */
  indent?: string;
}

/** json.Marshal (or MarshalIndent with options.indent). Throws on unsupported values. */
export function marshalJson(value: unknown, options: MarshalOptions = {}): string {
  const escapeHtml = options.escapeHtml ?? true;
  const indent = options.indent;
  const encode = (v: unknown, depth: number): string => {
    if (v === undefined || v === null) return 'null';
    switch (typeof v) {
      case 'boolean':
        return v ? 'true' : 'false';
      case 'string':
        return quoteJson(v, escapeHtml);
      case 'bigint':
        return v.toString();
      case 'number':
        return jsonFloat(v);
    }
    if (v instanceof Uint8Array) return quoteJson(Buffer.from(v).toString('base64'), escapeHtml);
    if (hasGoJson(v)) return encode(v.goJson(), depth);
    if (isGoFunc(v)) throw new Error('json: unsupported type: func');
    const newline = indent === undefined ? '' : `\n${indent.repeat(depth + 1)}`;
    const close = indent === undefined ? '' : `\n${indent.repeat(depth)}`;
    const colon = indent === undefined ? ':' : ': ';
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      return `[${v.map((item) => newline + encode(item, depth + 1)).join(',')}${close}]`;
    }
    if (isGoMap(v)) {
      const keys = Object.keys(v).sort(byteOrder);
      if (!keys.length) return '{}';
      return `{${keys.map((key) => `${newline}${quoteJson(key, escapeHtml)}${colon}${encode(v[key], depth + 1)}`).join(',')}${close}}`;
    }
    if (v instanceof GoStruct) return encode(Object.assign(newMap(), v), depth);
    throw new Error(`json: unsupported type: ${typeof v}`);
  };
  return encode(value, 0);
}

/** json.Unmarshal into interface{}: objects become maps, numbers float64. Throws Go-like errors. */
export function unmarshalJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.assign(newMap(), value);
      return value;
    });
  } catch (e) {
    throw new Error(goJsonSyntaxError(text, e as Error));
  }
  return parsed;
}

function goJsonSyntaxError(text: string, error: Error): string {
  if (!text.trim()) return 'unexpected end of JSON input';
  return `invalid character in JSON: ${error.message}`;
}

/** Go's "cannot unmarshal X into Go value of type T" message for a decoded value. */
export function unmarshalTypeError(value: unknown, goType: string): string {
  const kind = Array.isArray(value) ? 'array' : isGoMap(value) ? 'object' : typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'bool' : 'null';
  return `json: cannot unmarshal ${kind} into Go value of type ${goType}`;
}

/** Copy of a map keeping only own string keys (JSON round-trip of a map value). */
export function jsonRoundTrip(value: unknown): unknown {
  return unmarshalJson(marshalJson(value));
}
