// Sprig's duration functions parse as Go's time.ParseDuration.
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../packaging/helm/sprig/dates.ts';

describe('parseDuration (time.ParseDuration)', () => {
  it('reads every unit Go reads, both micro signs among them', () => {
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500_000_000n);
    expect(parseDuration('1µs')).toBe(1000n); // U+00B5 micro sign
    expect(parseDuration('1μs')).toBe(1000n); // U+03BC Greek mu
    expect(parseDuration('-1.5ms')).toBe(-1_500_000n);
    expect(parseDuration('0')).toBe(0n);
  });

  it('refuses what Go refuses, with its message', () => {
    expect(() => parseDuration('1d')).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => parseDuration('1')).toThrow('time: missing unit in duration "1"');
    expect(() => parseDuration('')).toThrow('time: invalid duration ""');
  });
});
