// The functions Helm adds to Sprig's (pkg/engine/funcs.go): YAML, JSON and TOML conversion and
// duration helpers. include, tpl, required, fail and lookup depend on the render and live in engine.ts.
import { type GoFunc, goFunc, type GoMap, isGoMap, newMap } from '../gotemplate/values.ts';
import { marshalJson, unmarshalJson, unmarshalTypeError } from './gojson.ts';
import { decodeToml, encodeToml } from './gotoml.ts';
import { decodeYaml, encodeYaml } from './goyaml.ts';
import { sprigFuncs } from './sprig/index.ts';
import { GoDuration, parseDuration } from './sprig/dates.ts';

function toYaml(v: unknown): string {
  return encodeYaml(v).replace(/\n$/, '');
}

function fromYaml(text: string): GoMap {
  try {
    const value = decodeYaml(text);
    if (value === null) return newMap();
    if (!isGoMap(value)) throw new Error(`error unmarshaling JSON: while decoding JSON: ${unmarshalTypeError(value, 'map[string]interface {}')}`);
    return value;
  } catch (e) {
    return Object.assign(newMap(), { Error: (e as Error).message });
  }
}

function fromYamlArray(text: string): unknown[] {
  try {
    const value = decodeYaml(text);
    if (value === null) return [];
    if (!Array.isArray(value)) throw new Error(`error unmarshaling JSON: while decoding JSON: ${unmarshalTypeError(value, '[]interface {}')}`);
    return value;
  } catch (e) {
    return [(e as Error).message];
  }
}

function fromJson(text: string): GoMap {
  try {
    const value = unmarshalJson(text);
    if (value === null) return newMap();
    if (!isGoMap(value)) throw new Error(unmarshalTypeError(value, 'map[string]interface {}'));
    return value;
  } catch (e) {
    return Object.assign(newMap(), { Error: (e as Error).message });
  }
}

function fromJsonArray(text: string): unknown[] {
  try {
    const value = unmarshalJson(text);
    if (value === null) return [];
    if (!Array.isArray(value)) throw new Error(unmarshalTypeError(value, '[]interface {}'));
    return value;
  } catch (e) {
    return [(e as Error).message];
  }
}

const second = 1_000_000_000n;

/** Helm's asDuration: a Duration, a Go duration string, or a number of seconds. */
function asDuration(v: unknown): bigint {
  if (v instanceof GoDuration) return v.nanoseconds;
  if (typeof v === 'string') {
    const s = v.trim();
    if (!s) throw new Error('empty duration');
    try {
      return parseDuration(s);
    } catch {
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return BigInt(Math.trunc(Number(s) * 1e9));
      throw new Error(`could not parse duration ${JSON.stringify(v)}`);
    }
  }
  if (v === null || v === undefined) throw new Error('invalid duration');
  if (typeof v === 'bigint') return v * second;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`invalid duration seconds: ${v}`);
    return BigInt(Math.trunc(v * 1e9));
  }
  throw new Error('unsupported duration type');
}

function durationOr<T>(v: unknown, fallback: T, f: (d: bigint) => T): T {
  try {
    return f(asDuration(v));
  } catch {
    return fallback;
  }
}

function roundTo(d: bigint, m: bigint): bigint {
  if (m <= 0n) return d;
  let r = d % m;
  if (d < 0n) {
    r = -r;
    return r + r < m ? d + r : d + r - m;
  }
  return r + r < m ? d - r : d + m - r;
}

const helmExtras: Record<string, GoFunc> = {
  toToml: goFunc(['any'], (v: unknown) => {
    try {
      return encodeToml(v);
    } catch (e) {
      return (e as Error).message;
    }
  }),
  mustToToml: goFunc(['any'], encodeToml),
  fromToml: goFunc(['string'], (text: string) => {
    try {
      return decodeToml(text);
    } catch (e) {
      return Object.assign(newMap(), { Error: (e as Error).message });
    }
  }),
  toYaml: goFunc(['any'], (v: unknown) => {
    try {
      return toYaml(v);
    } catch {
      return '';
    }
  }),
  mustToYaml: goFunc(['any'], toYaml),
  toYamlPretty: goFunc(['any'], (v: unknown) => {
    try {
      return encodeYaml(v, { indentSequences: true }).replace(/\n$/, '');
    } catch {
      return '';
    }
  }),
  fromYaml: goFunc(['string'], fromYaml),
  fromYamlArray: goFunc(['string'], fromYamlArray),
  toJson: goFunc(['any'], (v: unknown) => {
    try {
      return marshalJson(v);
    } catch {
      return '';
    }
  }),
  mustToJson: goFunc(['any'], (v: unknown) => marshalJson(v)),
  fromJson: goFunc(['string'], fromJson),
  fromJsonArray: goFunc(['string'], fromJsonArray),
  mustToDuration: goFunc(['any'], (v: unknown) => new GoDuration(asDuration(v))),
  durationSeconds: goFunc(['any'], (v: unknown) => durationOr(v, 0, (d) => Number(d) / 1e9)),
  durationMilliseconds: goFunc(['any'], (v: unknown) => durationOr(v, 0n, (d) => d / 1_000_000n)),
  durationMicroseconds: goFunc(['any'], (v: unknown) => durationOr(v, 0n, (d) => d / 1000n)),
  durationNanoseconds: goFunc(['any'], (v: unknown) => durationOr(v, 0n, (d) => d)),
  durationMinutes: goFunc(['any'], (v: unknown) => durationOr(v, 0, (d) => Number(d) / 6e10)),
  durationHours: goFunc(['any'], (v: unknown) => durationOr(v, 0, (d) => Number(d) / 3.6e12)),
  durationDays: goFunc(['any'], (v: unknown) => durationOr(v, 0, (d) => Number(d) / 3.6e12 / 24)),
  durationWeeks: goFunc(['any'], (v: unknown) => durationOr(v, 0, (d) => Number(d) / 3.6e12 / 24 / 7)),
  durationRoundTo: goFunc(['any', 'any'], (v: unknown, m: unknown) =>
    new GoDuration(durationOr(v, 0n, (d) => durationOr(m, d, (mul) => roundTo(d, mul)))),
  ),
  durationTruncateTo: goFunc(['any', 'any'], (v: unknown, m: unknown) =>
    new GoDuration(durationOr(v, 0n, (d) => durationOr(m, d, (mul) => (mul <= 0n ? d : d - (d % mul))))),
  ),
};

/**
 * Sprig's functions without env/expandenv, plus Helm's own. include, tpl and required are placeholders and
 * lookup returns empty maps, as in Helm's funcMap(); a render binds the real ones (see engine.ts).
 */
export function helmFuncs(): Record<string, GoFunc> {
  const funcs = sprigFuncs();
  delete funcs.env;
  delete funcs.expandenv;
  return {
    ...funcs,
    ...helmExtras,
    include: goFunc(['string', 'any'], () => 'not implemented'),
    tpl: goFunc(['string', 'any'], () => 'not implemented'),
    required: goFunc(['string', 'any'], () => 'not implemented'),
    lookup: goFunc(['string', 'string', 'string', 'string'], () => newMap()),
  };
}
