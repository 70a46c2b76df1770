// Sprig's math functions: int64 arithmetic through cast.ToInt64, and the float functions that go
// through shopspring/decimal (exact decimal arithmetic on each float's shortest text).
import { randomInt } from 'node:crypto';
import { formatFloat, sprint } from '../../gotemplate/fmt.ts';
import { type GoFunc, goFunc, toInt64 } from '../../gotemplate/values.ts';
import { castFloat64, castInt64 } from './convert.ts';

/** A decimal as mantissa × 10^-scale. */
interface Decimal {
  mantissa: bigint;
  scale: number;
}

function decimalFromFloat(f: number): Decimal {
  if (!Number.isFinite(f)) throw new Error(`Cannot create a Decimal from ${f}`);
  const text = formatFloat(f, 'e', -1);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text)!;
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]) - (digits.length - 1);
  const sign = m[1] ? -1n : 1n;
  if (exp >= 0) return { mantissa: sign * BigInt(digits) * 10n ** BigInt(exp), scale: 0 };
  return { mantissa: sign * BigInt(digits), scale: -exp };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.mantissa * 10n ** BigInt(scale - a.scale), b.mantissa * 10n ** BigInt(scale - b.scale), scale];
}

const divisionPrecision = 16;

const decimalOps = {
  add(a: Decimal, b: Decimal): Decimal {
    const [x, y, scale] = align(a, b);
    return { mantissa: x + y, scale };
  },
  sub(a: Decimal, b: Decimal): Decimal {
    const [x, y, scale] = align(a, b);
    return { mantissa: x - y, scale };
  },
  mul(a: Decimal, b: Decimal): Decimal {
    return { mantissa: a.mantissa * b.mantissa, scale: a.scale + b.scale };
  },
  /** decimal.Div: rounded half away from zero to 16 decimal places. */
  div(a: Decimal, b: Decimal): Decimal {
    if (b.mantissa === 0n) throw new Error('decimal division by 0');
    const [x, y] = align(a, b);
    const scaled = x * 10n ** BigInt(divisionPrecision + 1);
    let q = scaled / y;
    const neg = q < 0n;
    if (neg) q = -q;
    q = (q + 5n) / 10n;
    return { mantissa: neg ? -q : q, scale: divisionPrecision };
  },
};

function decimalToFloat(d: Decimal): number {
  const neg = d.mantissa < 0n;
  const digits = (neg ? -d.mantissa : d.mantissa).toString();
  return Number(`${neg ? '-' : ''}${digits}e-${d.scale}`);
}

function decimalOp(first: unknown, rest: unknown[], op: keyof typeof decimalOps): number {
  let acc = decimalFromFloat(castFloat64(first));
  for (const x of rest) acc = decimalOps[op](acc, decimalFromFloat(castFloat64(x)));
  return decimalToFloat(acc);
}

function untilStep(start: bigint, stop: bigint, step: bigint): bigint[] {
  const out: bigint[] = [];
  if (stop < start) {
    if (step >= 0n) return out;
    for (let i = start; i > stop; i += step) out.push(i);
    return out;
  }
  if (step <= 0n) return out;
  for (let i = start; i < stop; i += step) out.push(i);
  return out;
}

function seq(...params: bigint[]): string {
  let increment = 1n;
  let values: bigint[];
  switch (params.length) {
    case 1: {
      const start = 1n;
      const end = params[0]!;
      if (end < start) increment = -1n;
      values = untilStep(start, end + increment, increment);
      break;
    }
    case 2: {
      const [start, end] = params as [bigint, bigint];
      const step = end < start ? -1n : 1n;
      values = untilStep(start, end + step, step);
      break;
    }
    case 3: {
      const [start, step, end] = params as [bigint, bigint, bigint];
      if (end < start) {
        increment = -1n;
        if (step > 0n) return '';
      }
      values = untilStep(start, end + increment, step);
      break;
    }
    default:
      return '';
  }
  return values.join(' ');
}

function intDiv(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new Error('runtime error: integer divide by zero');
  return toInt64(a / b);
}

function round(a: unknown, p: bigint, ...rOpt: number[]): number {
  const roundOn = rOpt.length > 0 ? rOpt[0]! : 0.5;
  const val = castFloat64(a);
  const pow = Math.pow(10, Number(p));
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  const rounded = frac >= roundOn ? Math.ceil(digit) : Math.floor(digit);
  return rounded / pow;
}

export const numberFuncs: Record<string, GoFunc> = {
  atoi: goFunc(['string'], (a: string) => (/^[+-]?\d+$/.test(a) ? castInt64(a.replace(/^([+-]?)0+(?=\d)/, '$1')) : 0n)),
  int64: goFunc(['any'], castInt64),
  int: goFunc(['any'], castInt64),
  float64: goFunc(['any'], castFloat64),
  seq: goFunc([], seq, 'int'),
  toDecimal: goFunc(['any'], (v: unknown) => {
    const text = sprint(v);
    return /^[+-]?[0-7]+$/.test(text) ? toInt64(BigInt(`${text.startsWith('-') ? '-' : ''}0o${text.replace(/^[+-]/, '')}`)) : 0n;
  }),
  until: goFunc(['int'], (count: bigint) => untilStep(0n, count, count < 0n ? -1n : 1n)),
  untilStep: goFunc(['int', 'int', 'int'], untilStep),
  add1: goFunc(['any'], (i: unknown) => toInt64(castInt64(i) + 1n)),
  add: goFunc([], (...args: unknown[]) => args.reduce<bigint>((sum, b) => toInt64(sum + castInt64(b)), 0n), 'any'),
  sub: goFunc(['any', 'any'], (a: unknown, b: unknown) => toInt64(castInt64(a) - castInt64(b))),
  div: goFunc(['any', 'any'], (a: unknown, b: unknown) => intDiv(castInt64(a), castInt64(b))),
  mod: goFunc(['any', 'any'], (a: unknown, b: unknown) => {
    const d = castInt64(b);
    if (d === 0n) throw new Error('runtime error: integer divide by zero');
    return castInt64(a) % d;
  }),
  mul: goFunc(['any'], (a: unknown, ...v: unknown[]) => v.reduce<bigint>((p, b) => toInt64(p * castInt64(b)), castInt64(a)), 'any'),
  randInt: goFunc(['int', 'int'], (min: bigint, max: bigint) => {
    if (max - min <= 0n) throw new Error('invalid argument to Intn');
    return min + BigInt(randomInt(Number(max - min)));
  }),
  add1f: goFunc(['any'], (i: unknown) => decimalOp(i, [1n], 'add')),
  addf: goFunc([], (...i: unknown[]) => decimalOp(0, i, 'add'), 'any'),
  subf: goFunc(['any'], (a: unknown, ...v: unknown[]) => decimalOp(a, v, 'sub'), 'any'),
  divf: goFunc(['any'], (a: unknown, ...v: unknown[]) => decimalOp(a, v, 'div'), 'any'),
  mulf: goFunc(['any'], (a: unknown, ...v: unknown[]) => decimalOp(a, v, 'mul'), 'any'),
  biggest: goFunc(['any'], (a: unknown, ...i: unknown[]) => i.reduce<bigint>((m, b) => (castInt64(b) > m ? castInt64(b) : m), castInt64(a)), 'any'),
  max: goFunc(['any'], (a: unknown, ...i: unknown[]) => i.reduce<bigint>((m, b) => (castInt64(b) > m ? castInt64(b) : m), castInt64(a)), 'any'),
  min: goFunc(['any'], (a: unknown, ...i: unknown[]) => i.reduce<bigint>((m, b) => (castInt64(b) < m ? castInt64(b) : m), castInt64(a)), 'any'),
  maxf: goFunc(['any'], (a: unknown, ...i: unknown[]) => i.reduce<number>((m, b) => Math.max(m, castFloat64(b)), castFloat64(a)), 'any'),
  minf: goFunc(['any'], (a: unknown, ...i: unknown[]) => i.reduce<number>((m, b) => Math.min(m, castFloat64(b)), castFloat64(a)), 'any'),
  ceil: goFunc(['any'], (a: unknown) => Math.ceil(castFloat64(a))),
  floor: goFunc(['any'], (a: unknown) => Math.floor(castFloat64(a))),
  round: goFunc(['any', 'int'], round, 'float64'),
};
