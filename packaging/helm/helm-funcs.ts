// The functions Helm adds to Sprig's (pkg/engine/funcs.go): YAML, JSON and TOML conversion and
// duration helpers. include, tpl, required, fail and lookup depend on the render and live in engine.ts.
import { type GoFunc, goFunc, isGoMap, newMap } from '../gotemplate/values.ts';
import { unmarshalJson, unmarshalTypeError } from './gojson.ts';
import { decodeToml, encodeToml } from './gotoml.ts';
import { decodeYaml, encodeYaml } from './goyaml.ts';
import { sprigFuncs } from './sprig/index.ts';
import { orElse } from './sprig/convert.ts';
import { GoDuration, parseDuration } from './sprig/dates.ts';

function toYaml(v: unknown): string {
  return encodeYaml(v).replace(/\n$/, '');
}

/**
 * Helm's from* functions: a map (errors as {"Error": message}) or a list (errors as [message]).
 * `prefix` is what sigs.k8s.io/yaml adds to the JSON decoder's type errors.
 */
function decodeInto(decode: (text: string) => unknown, asList: boolean, prefix: string): (text: string) => unknown {
  const goType = asList ? '[]interface {}' : 'map[string]interface {}';
  return (text) =>
    orElse(
      () => {
        const value = decode(text);
        if (value === null) return asList ? [] : newMap();
        if (asList ? !Array.isArray(value) : !isGoMap(value)) throw new Error(`${prefix}${unmarshalTypeError(value, goType)}`);
        return value;
      },
      (e) => (asList ? [e.message] : Object.assign(newMap(), { Error: e.message })),
    );
}

const yamlPrefix = 'error unmarshaling JSON: while decoding JSON: ';
const fromYaml = decodeInto(decodeYaml, false, yamlPrefix);
const fromYamlArray = decodeInto(decodeYaml, true, yamlPrefix);
const fromJson = decodeInto(unmarshalJson, false, '');
const fromJsonArray = decodeInto(unmarshalJson, true, '');

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
  return orElse(() => f(asDuration(v)), () => fallback);
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
  toToml: goFunc(['any'], (v: unknown) => orElse(() => encodeToml(v), (e) => e.message)),
  mustToToml: goFunc(['any'], encodeToml),
  fromToml: goFunc(['string'], (text: string) => orElse(() => decodeToml(text), (e) => Object.assign(newMap(), { Error: e.message }))),
  toYaml: goFunc(['any'], (v: unknown) => orElse(() => toYaml(v), () => '')),
  mustToYaml: goFunc(['any'], toYaml),
  toYamlPretty: goFunc(['any'], (v: unknown) => orElse(() => encodeYaml(v, { indentSequences: true }).replace(/\n$/, ''), () => '')),
  fromYaml: goFunc(['string'], fromYaml),
  fromYamlArray: goFunc(['string'], fromYamlArray),
  // toJson and mustToJson are Sprig's (json.Marshal); Helm's fromJson returns a map, not any value.
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
