// The snapshot schedule's next times, found from node-cron's parsed fields with Date's local-time fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronFields, nextCronTime } from '../../datastore/snapshot/cron-times.ts';

const local = (text: string) => new Date(text); // ISO text without an offset reads as local time
const next = (expression: string, after: string) => nextCronTime(cronFields(expression)!, local(after));

describe('cron times', () => {
  const zone = process.env.TZ;
  beforeAll(() => void (process.env.TZ = 'Europe/Berlin'));
  afterAll(() => void (zone === undefined ? delete process.env.TZ : (process.env.TZ = zone)));

  it('finds the next time of five- and six-field expressions', () => {
    expect(next('0 */12 * * *', '2026-11-28T10:30:00')).toEqual(local('2026-11-28T12:00:00'));
    expect(next('0 */12 * * *', '2026-11-28T12:00:00')).toEqual(local('2026-11-29T00:00:00'));
    expect(next('*/1 * * * * *', '2026-11-28T10:30:05.400')).toEqual(local('2026-11-28T10:30:06'));
    expect(next('*/15 * * * *', '2026-11-28T23:59:30')).toEqual(local('2026-11-29T00:00:00'));
    // Mondays at 05:30; names as node-cron reads them.
    expect(next('30 5 * * 1', '2026-11-28T10:00:00')).toEqual(local('2026-11-30T05:30:00'));
    expect(next('0 9 * * mon-fri', '2026-11-28T10:00:00')).toEqual(local('2026-11-30T09:00:00'));
    expect(next('0 0 1 jan *', '2026-11-28T10:00:00')).toEqual(local('2027-01-01T00:00:00'));
    // Day of month and day of week both hold, as node-cron matches them: the next Friday the 13th.
    expect(next('0 0 13 * 5', '2026-11-28T10:00:00')).toEqual(local('2027-08-13T00:00:00'));
    expect(next('0 0 29 2 *', '2026-11-28T10:00:00')).toEqual(local('2028-02-29T00:00:00'));
    expect(next('0 0 29 2 1', '2026-11-28T10:00:00')).toEqual(local('2044-02-29T00:00:00'));
  });

  it('skips a local time that does not exist', () => {
    // 02:30 does not exist in Berlin on 29 March 2026 (clocks go from 02:00 to 03:00).
    expect(next('30 2 * * *', '2026-03-28T12:00:00')).toEqual(local('2026-03-30T02:30:00'));
    // An hour that happens twice fires once, the first time.
    expect(next('30 2 * * *', '2026-10-25T00:00:00')).toEqual(new Date('2026-10-25T02:30:00+02:00'));
  });

  it('leaves expressions with day tokens to node-cron', () => {
    expect(cronFields('0 0 L * *')).toBeUndefined();
    expect(cronFields('0 0 * * 5#2')).toBeUndefined();
    expect(cronFields('0 0 * * *')).toBeDefined();
  });
});
