// resource.Quantity: "500m", "1.5Gi", "2e3". Parsed exactly (to nano units, as BigInt) and written
// back in Kubernetes' canonical form ("0.5" → "500m", "1024Mi" → "1Gi", "1000" → "1k"), which is
// what a stored object shows. Scheduling and quotas compare the numeric values.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9, rounded up. */
  nanos: bigint;
  format: QuantityFormat;
}

const binarySuffixes: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const decimalByExponent: Record<number, string> = Object.fromEntries(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const quantityPattern = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const nano = 10n ** 9n;

export class QuantityError extends Error {}

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

/** Parses a quantity; throws QuantityError with Kubernetes' message for malformed ones. */
export function parseQuantity(text: string | number): Quantity {
  const source = typeof text === 'number' ? String(text) : text.trim();
  const match = quantityPattern.exec(source);
  if (!match) throw new QuantityError('quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'');
  const [, sign, digits, suffix, exponentText] = match;
  const [whole, fraction = ''] = digits!.split('.');
  const mantissa = BigInt((whole || '0') + fraction);
  let scale = -fraction.length; // value = mantissa * 10^scale * multiplier
  let format: QuantityFormat = 'DecimalSI';
  let multiplier = 1n;
  if (suffix && suffix in binarySuffixes) {
    format = 'BinarySI';
    multiplier = 1024n ** BigInt(binarySuffixes[suffix]!);
  } else if (suffix !== undefined) {
    scale += decimalSuffixes[suffix]!;
  } else if (exponentText !== undefined) {
    format = 'DecimalExponent';
    scale += Number(exponentText);
  }
  // nanos = ceil(mantissa * multiplier * 10^(scale + 9))
  const shift = scale + 9;
  let nanos: bigint;
  if (shift >= 0) nanos = mantissa * multiplier * pow10(shift);
  else {
    const divisor = pow10(-shift);
    const product = mantissa * multiplier;
    nanos = product / divisor + (product % divisor === 0n ? 0n : 1n);
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

function decimalParts(nanos: bigint): { mantissa: bigint; exponent: number } {
  // Largest exponent (a multiple of 3, from -9) for which the mantissa is an integer.
  if (nanos === 0n) return { mantissa: 0n, exponent: 0 };
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 1000n === 0n && exponent < 18) {
    mantissa /= 1000n;
    exponent += 3;
  }
  return { mantissa, exponent };
}

/** The canonical text of a quantity. */
export function formatQuantity(quantity: Quantity): string {
  const { nanos } = quantity;
  let format = quantity.format;
  if (format === 'BinarySI' && (nanos % nano !== 0n || (nanos > -1024n * nano && nanos < 1024n * nano))) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let value = nanos / nano;
    let power = 0;
    while (power < 6 && value % 1024n === 0n && value !== 0n) {
      value /= 1024n;
      power++;
    }
    const suffix = Object.keys(binarySuffixes).find((s) => binarySuffixes[s] === power) ?? '';
    return `${value}${suffix}`;
  }
  const { mantissa, exponent } = decimalParts(nanos);
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  return `${mantissa}${decimalByExponent[exponent] ?? `e${exponent}`}`;
}

export function canonicalQuantity(text: string | number): string {
  return formatQuantity(parseQuantity(text));
}

/**
 * What quantities' texts come to, remembered by text: the pods of a workload ask for the same few quantities, and
 * parsing one exactly (BigInt) costs more than the rest of defaulting or scheduling a pod. Bounded: cleared when full.
 */
class RememberedForms<T> {
  private readonly known = new Map<string, T>();

  constructor(private readonly compute: (text: string) => T) {}

  of(text: string): T {
    const known = this.known.get(text);
    if (known !== undefined) return known;
    const form = this.compute(text); // text that does not parse throws, each time
    if (this.known.size >= 1024) this.known.clear();
    this.known.set(text, form);
    return form;
  }
}

/** How many `unit`s (in nanos) `nanos` is, rounded up. */
function unitsRoundedUp(nanos: bigint, unit: bigint): bigint {
  return nanos / unit + (nanos % unit > 0n ? 1n : 0n);
}

const milli = 10n ** 6n;
const milliValues = new RememberedForms((text) => Number(unitsRoundedUp(parseQuantity(text).nanos, milli)));
const wholeValues = new RememberedForms((text) => Number(unitsRoundedUp(parseQuantity(text).nanos, nano)));

/** The value in thousandths, rounded up (CPU: millicores). */
export function milliValue(text: string | number): number {
  return typeof text === 'string' ? milliValues.of(text) : Number(unitsRoundedUp(parseQuantity(text).nanos, milli));
}

/** The value in whole units, rounded up (memory: bytes). */
export function quantityValue(text: string | number): number {
  return typeof text === 'string' ? wholeValues.of(text) : Number(unitsRoundedUp(parseQuantity(text).nanos, nano));
}

/** The canonical form rounded up to milli precision, as Pods' requests and limits are stored. */
function canonicalMilliForm(value: string | number): string {
  const quantity = parseQuantity(value);
  quantity.nanos = unitsRoundedUp(quantity.nanos, milli) * milli;
  return formatQuantity(quantity);
}

const canonicalMilliForms = new RememberedForms(canonicalMilliForm);

/** Canonicalizes every quantity of a ResourceList in place, rounded up to milli precision as Pods are. */
export function canonicalizeResourceList(list: Record<string, unknown> | undefined): void {
  if (!list) return;
  for (const name in list) {
    const value = list[name];
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    try {
      list[name] = typeof value === 'string' ? canonicalMilliForms.of(value) : canonicalMilliForm(value);
    } catch {
      // left for validation to report
    }
  }
}
