import { describe, expect, it } from 'vitest';
import { canonicalizeResourceList, canonicalQuantity, milliValue, parseQuantity, quantityValue } from '../../apiserver/quantity.ts';

describe('resource quantities', () => {
  it.each([
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['1000', '1k'],
    ['1200', '1200'],
    ['12000', '12k'],
    ['2000000', '2M'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['100Mi', '100Mi'],
    ['1000Mi', '1000Mi'],
    ['512', '512'],
    ['1Ki', '1Ki'],
    ['0.1', '100m'],
    ['1e3', '1e3'],
    ['100n', '100n'],
    ['0', '0'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['123Mi', '123Mi'],
  ])('%s is written as %s', (input, canonical) => {
    expect(canonicalQuantity(input)).toBe(canonical);
  });

  it('gives millis and whole values', () => {
    expect(milliValue('250m')).toBe(250);
    expect(milliValue('2')).toBe(2000);
    expect(quantityValue('1Gi')).toBe(1073741824);
    expect(quantityValue('1.5')).toBe(2);
  });

  it('refuses malformed quantities', () => {
    expect(() => parseQuantity('abc')).toThrow(/quantities must match/);
    expect(() => parseQuantity('1Qi')).toThrow();
  });
});

describe('a ResourceList of a pod', () => {
  it('is canonical, rounded up to milli precision, and keeps what does not parse for validation', () => {
    // Twice: the second list is canonicalized from the forms remembered by text.
    for (let round = 0; round < 2; round++) {
      const list: Record<string, unknown> = { cpu: '0.0001', memory: '1024Mi', 'ephemeral-storage': 2000000, 'example.com/gpu': 'lots', other: true };
      canonicalizeResourceList(list);
      expect(list).toEqual({ cpu: '1m', memory: '1Gi', 'ephemeral-storage': '2M', 'example.com/gpu': 'lots', other: true });
    }
  });
});

describe('values of quantities remembered by text', () => {
  it('are the same each time, and text that does not parse fails each time', () => {
    for (let round = 0; round < 2; round++) {
      expect(milliValue('100m')).toBe(100);
      expect(milliValue('0.0001')).toBe(1);
      expect(quantityValue('128Mi')).toBe(134217728);
      expect(quantityValue('1500m')).toBe(2);
      expect(() => milliValue('lots')).toThrow();
      expect(() => quantityValue('lots')).toThrow();
    }
  });
});
