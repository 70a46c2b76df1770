// Conversions Sprig relies on: its strval, and spf13/cast's ToInt64 / ToFloat64 / ToString.
import { formatV } from '../../gotemplate/fmt.ts';
import { GoStruct, toInt64 } from '../../gotemplate/values.ts';

/** sprig strval: strings as they are, []byte decoded, Stringers via String(), everything else %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (v instanceof GoStruct && v.goString) return v.goString();
  if (v instanceof Error) return v.message;
  return formatV(v === undefined ? null : v);
}

/** cast.ToInt64 (errors become 0): floats truncate, strings parse with base prefixes, bools are 0/1. */
export function castInt64(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 0n;
    return toInt64(BigInt(Math.trunc(v)));
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string') {
    // cast trims a zero decimal part ("8.00" → "8") before strconv.ParseInt(s, 0, 0).
    const s = /^[+-]?\d+\.0*$/.test(v) ? v.replace(/\.0*$/, '') : v;
    const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(s);
    if (!m) return 0n;
    let digits = m[2]!.replace(/_/g, '');
    if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
    const value = (m[1] === '-' ? -1n : 1n) * BigInt(digits);
    return BigInt.asIntN(64, value) === value ? value : 0n;
  }
  return 0n;
}

/** cast.ToFloat64 (errors become 0). */
export function castFloat64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim() === v ? v : '';
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^nan$/i.test(s)) return NaN;
    return 0;
  }
  return 0;
}

/** The elements of a Go slice or array value, or undefined for other kinds. */
export function sliceElements(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (v instanceof Uint8Array) return Array.from(v, (b) => BigInt(b));
  return undefined;
}

/** Go's "swallow the error" pattern of the non-must functions: the value, or what the error maps to. */
export function orElse<T, F>(value: () => T, onError: (error: Error) => F): T | F {
  try {
    return value();
  } catch (e) {
    return onError(e as Error);
  }
}
