// The heap compaction after a burst: when it runs (a burst of released text has ended and the server is quiet), and
// that it gives back the pages of a fragmented heap.
import { describe, expect, it } from 'vitest';
import { CompactionTrigger, compactHeap } from '../../cmd/heap-compaction.ts';

const MB = 1024 * 1024;
const options = { burstChars: 32 * MB, windowChecks: 12, settledChars: MB, quietUtilization: 0.25 };

describe('CompactionTrigger', () => {
  it('waits for a burst to end and the server to be quiet, then fires once', () => {
    const trigger = new CompactionTrigger(0, options);
    // 40 MB let go of over three checks: not while it is still being let go of.
    expect(trigger.check(10 * MB, 0.1)).toBe(false);
    expect(trigger.check(25 * MB, 0.1)).toBe(false);
    expect(trigger.check(40 * MB, 0.1)).toBe(false);
    // Ended, but busy.
    expect(trigger.check(40 * MB, 0.6)).toBe(false);
    // Ended and quiet.
    expect(trigger.check(40.5 * MB, 0.1)).toBe(true);
    // What was counted does not count again.
    for (let i = 0; i < 20; i++) expect(trigger.check(40.5 * MB, 0)).toBe(false);
  });

  it('ignores the steady trickle of leases and heartbeats', () => {
    const trigger = new CompactionTrigger(0, options);
    // 2 MB per minute for an hour.
    for (let check = 1; check <= 720; check++) expect(trigger.check((check * 2 * MB) / 12, 0.05)).toBe(false);
  });

  it('counts a burst within the last minute only', () => {
    const trigger = new CompactionTrigger(0, options);
    // 20 MB, then a quiet minute, then 20 MB: never 32 MB within a minute.
    expect(trigger.check(20 * MB, 0.1)).toBe(false);
    for (let i = 0; i < 12; i++) expect(trigger.check(20 * MB, 0.1)).toBe(false);
    expect(trigger.check(40 * MB, 0.1)).toBe(false);
    expect(trigger.check(40 * MB, 0.1)).toBe(false);
  });
});

describe('compactHeap', () => {
  it('gives back the pages of a fragmented heap', () => {
    // 80 MB of small objects, two thirds of them dropped: every page keeps a third of its objects, which a plain full
    // collection leaves where they are (the heap keeps its size).
    const kept: ({ text: string } | undefined)[] = [];
    for (let i = 0; i < 300_000; i++) kept.push({ text: `${'x'.repeat(200)}${i}` });
    for (let i = 0; i < kept.length; i++) if (i % 3) kept[i] = undefined;
    const before = process.memoryUsage().heapTotal;
    compactHeap();
    const after = process.memoryUsage().heapTotal;
    expect(kept.filter(Boolean).length).toBe(100_000);
    expect(after).toBeLessThan(before - 40 * 1024 * 1024);
    // gc() is not left where the server's code could reach it.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
