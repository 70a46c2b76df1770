// Resource quantities as the node uses them: numbers of base units (cores, bytes), from the API's exact parser.
import { milliValue, parseQuantity as parseExact, quantityValue } from '../../apiserver/quantity.ts';

/** The value in base units ("500m" → 0.5, "128Mi" → 134217728), for the downward API's divisions. */
export function parseQuantity(value: string | number): number {
  return Number(parseExact(value).nanos) / 1e9;
}

/** CPU in millicores, rounded up (Kubernetes' MilliValue). */
export const milliCpu = milliValue;

/** Memory in bytes, rounded up. */
export const bytes = quantityValue;
