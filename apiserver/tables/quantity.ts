// Resource quantities ("10Gi", "500m", "1") in the canonical form Kubernetes writes back in JSON,
// which is also what its printers show: "1.5Gi" prints as "1536Mi", "0.5" as "500m", "2048Ki" as "2Mi".
// Parsing and canonicalisation follow k8s.io/apimachinery's resource.Quantity; values are exact
// (BigInt mantissa × 10^exponent), rounded up to the nano unit as Kubernetes does.

type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

interface Quantity {
  /** value = mantissa × 10^exponent */
  mantissa: bigint;
  exponent: number;
  format: QuantityFormat;
  /**
   * Kubernetes keeps the text it parsed when it looks canonical and prints that text again; the test
   * it uses lets a few non-canonical spellings through (`+2`, `01`), which then print unchanged.
   */
  keepsText: boolean;
}

const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const decimalSuffixByExponent = new Map(Object.entries(decimalSuffixes).map(([suffix, exponent]) => [exponent, suffix]));
const binarySuffixByPower = new Map(Object.entries(binarySuffixes).map(([suffix, power]) => [power, suffix]));

const quantityPattern = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;
// A BinarySI quantity is capped at the largest int64.
const maxBinaryValue = 2n ** 63n - 1n;
const NANO = -9;

function parseQuantity(text: string): Quantity | undefined {
  const match = quantityPattern.exec(text);
  if (!match || text === '' || (match[2] === '' && match[3] === undefined)) return undefined;
  const [, sign, whole, fraction = '', suffix = ''] = match;
  let format: QuantityFormat;
  let base10Exponent = 0;
  let binaryPower = 0;
  if (suffix in binarySuffixes) {
    format = 'BinarySI';
    binaryPower = binarySuffixes[suffix]!;
  } else if (suffix in decimalSuffixes) {
    format = 'DecimalSI';
    base10Exponent = decimalSuffixes[suffix]!;
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    base10Exponent = Number(suffix.slice(1));
  } else {
    return undefined;
  }
  const keepsText = looksCanonical(whole.replace(/^0+/, '') || '0', fraction, format, base10Exponent, binaryPower);
  let mantissa = BigInt((whole || '0') + fraction) * 2n ** BigInt(binaryPower);
  let exponent = base10Exponent - fraction.length;
  const negative = sign === '-';
  // Anything finer than a nano unit is rounded up (away from zero), so a request never becomes zero.
  if (exponent < NANO) {
    const divisor = 10n ** BigInt(NANO - exponent);
    mantissa = (mantissa + divisor - 1n) / divisor;
    exponent = NANO;
  }
  if (format === 'BinarySI') {
    if (exponent >= 0 && mantissa * 10n ** BigInt(exponent) > maxBinaryValue) {
      mantissa = maxBinaryValue;
      exponent = 0;
    }
    // A binary quantity below one is shown in decimal units.
    if (mantissa !== 0n && compareToInteger(mantissa, exponent, 1n) < 0) format = 'DecimalSI';
  }
  return { mantissa: negative ? -mantissa : mantissa, exponent, format, keepsText };
}

/** resource.ParseQuantity's test for reusing the text: it fits its int64 fast path and has no redundant zeros. */
function looksCanonical(integerDigits: string, fraction: string, format: QuantityFormat, base10Exponent: number, binaryPower: number): boolean {
  const digits = integerDigits + fraction;
  if (format === 'BinarySI') {
    if (fraction !== '' || 15 - integerDigits.length - Math.trunc((binaryPower * 3) / 10) - 1 < 0) return false;
    const value = BigInt(integerDigits);
    return value << BigInt(binaryPower) <= maxBinaryValue && (value & 7n) !== 0n;
  }
  const scale = base10Exponent - fraction.length;
  return digits.length <= 18 && scale >= NANO && scale % 3 === 0 && !digits.endsWith('000') && digits[0] !== '0';
}

/** Sign of (mantissa × 10^exponent − integer). */
function compareToInteger(mantissa: bigint, exponent: number, integer: bigint): number {
  const left = exponent >= 0 ? mantissa * 10n ** BigInt(exponent) : mantissa;
  const right = exponent >= 0 ? integer : integer * 10n ** BigInt(-exponent);
  return left === right ? 0 : left < right ? -1 : 1;
}

function integerValue(quantity: Quantity): bigint | undefined {
  const { mantissa, exponent } = quantity;
  if (exponent >= 0) return mantissa * 10n ** BigInt(exponent);
  const divisor = 10n ** BigInt(-exponent);
  return mantissa % divisor === 0n ? mantissa / divisor : undefined;
}

function decimalString({ mantissa, exponent }: Quantity, format: QuantityFormat): string {
  let amount = mantissa;
  let power = exponent;
  while (amount % 10n === 0n) {
    amount /= 10n;
    power += 1;
  }
  // Units come in steps of a thousand: shift the exponent down to a multiple of three.
  while (power % 3 !== 0) {
    amount *= 10n;
    power -= 1;
  }
  if (format === 'DecimalSI') {
    const suffix = decimalSuffixByExponent.get(power);
    if (suffix !== undefined) return `${amount}${suffix}`;
  }
  return power === 0 ? `${amount}` : `${amount}e${power}`;
}

function binaryString(value: bigint): string {
  let amount = value;
  let power = 0;
  while (power < 60 && amount % 1024n === 0n) {
    amount /= 1024n;
    power += 10;
  }
  return `${amount}${binarySuffixByPower.get(power) ?? ''}`;
}

/** The canonical text of a quantity; text that is not a quantity comes back unchanged. */
export function canonicalQuantity(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const quantity = parseQuantity(text);
  if (!quantity) return typeof value === 'string' ? value : String(value);
  if (quantity.keepsText) return text;
  if (quantity.mantissa === 0n) return '0';
  if (quantity.format === 'BinarySI') {
    const integer = integerValue(quantity);
    // Small or fractional binary quantities are written in decimal units rather than rounded.
    if (integer !== undefined && (integer <= -1024n || integer >= 1024n)) {
      return integer < 0n ? `-${binaryString(-integer)}` : binaryString(integer);
    }
    return decimalString(quantity, 'DecimalSI');
  }
  return decimalString(quantity, quantity.format);
}

/** A quantity looked up in a resource map (`capacity.storage`): a missing entry prints as `0`. */
export function quantityOrZero(value: unknown): string {
  return value === undefined || value === null ? '0' : canonicalQuantity(value);
}

/** A quantity behind a pointer (HPA targets): a missing one prints as Go prints a nil *Quantity, `<nil>`. */
export function quantityOrNil(value: unknown): string {
  return value === undefined || value === null ? '<nil>' : canonicalQuantity(value);
}
