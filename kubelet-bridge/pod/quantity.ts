// Kubernetes resource quantities ("500m", "1.5", "128Mi", "1e3", "2G") as numbers of base units (cores, bytes).

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`invalid quantity ${value}`);
    return value;
  }
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(value.trim());
  if (!match) throw new Error(`invalid quantity "${value}": want a number with an optional suffix such as 500m, 128Mi or 2G`);
  const number = Number(match[1]);
  if (match[2]) return number * 10 ** Number(match[2].slice(1));
  const suffix = match[3] ?? '';
  return number * (binarySuffixes[suffix] ?? decimalSuffixes[suffix]!);
}

/** CPU in millicores, rounded up (Kubernetes' MilliValue). */
export function milliCpu(value: string | number): number {
  return Math.ceil(Math.round(parseQuantity(value) * 1e9) / 1e6);
}

/** Memory in bytes, rounded up. */
export function bytes(value: string | number): number {
  return Math.ceil(parseQuantity(value));
}
