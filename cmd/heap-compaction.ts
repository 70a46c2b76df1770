// Giving memory back after a burst. The watch cache keeps every version of the last 75 s; once a burst of writes has
// left that window, its old versions are garbage that V8 keeps until its next full collection, which a quiet server
// may not run for minutes (V8's memory reducer waits for an idle mutator, and leases and node heartbeats keep the
// mutator busy enough). Even then a full collection frees what is on the pages but keeps the pages: the objects that
// survived are scattered over them. One full collection that compacts every page gives them back (about 60 MB with
// 10,000 pods stored, for a pause of about 0.3 s). While it moves the objects both copies are resident for a moment
// (the peak RSS rises by up to 180 MB), so it runs only once a burst has left the window and the server is quiet.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';

const checkEveryMs = 5_000;

export interface CompactionTriggerOptions {
  /** What must have been let go of within the window: a burst, not the steady trickle of leases and heartbeats. */
  burstChars: number;
  /** Checks in the window (a minute of 5 s checks). */
  windowChecks: number;
  /** Let go of in the last check at most: the burst has left the history (compacting midway would leave the rest). */
  settledChars: number;
  /** The event loop's share of busy time in the last check under which the server counts as quiet. */
  quietUtilization: number;
}

const defaultTrigger: CompactionTriggerOptions = { burstChars: 32 * 1024 * 1024, windowChecks: 12, settledChars: 1024 * 1024, quietUtilization: 0.25 };

/** Decides, check by check, from a running count of released text and the event loop's load, when to compact. */
export class CompactionTrigger {
  private readonly releasedAt: number[];

  constructor(
    released: number,
    private readonly options: CompactionTriggerOptions = defaultTrigger,
  ) {
    this.releasedAt = [released];
  }

  /** True when the heap should be compacted now; what was counted until then does not count again. */
  check(released: number, utilization: number): boolean {
    const releasedAt = this.releasedAt;
    const last = releasedAt[releasedAt.length - 1]!;
    releasedAt.push(released);
    if (releasedAt.length > this.options.windowChecks + 1) releasedAt.shift();
    const burst = released - releasedAt[0]! >= this.options.burstChars;
    const settled = released - last <= this.options.settledChars;
    if (!burst || !settled || utilization >= this.options.quietUtilization) return false;
    releasedAt.length = 0;
    releasedAt.push(released);
    return true;
  }
}

let collectGarbage: (() => void) | undefined;

/**
 * V8's `gc()`, which the server does not expose to anything else: the flag is on while a context is made for it (V8
 * installs the function into new contexts only), and off again at once.
 */
function garbageCollector(): () => void {
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc');
    try {
      collectGarbage = runInNewContext('gc') as () => void;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return collectGarbage;
}

/** One full collection that moves the surviving objects of every fragmented page together, freeing the rest. */
export function compactHeap(): void {
  const gc = garbageCollector();
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** Compacts the heap when a burst of `released()` (a running count of text let go of) has ended and the server is quiet. */
export function compactHeapWhenQuiet(released: () => number, log: Logger): () => void {
  const trigger = new CompactionTrigger(released());
  let utilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const busy = performance.eventLoopUtilization(utilization).utilization;
    utilization = performance.eventLoopUtilization();
    if (!trigger.check(released(), busy)) return;
    const heapBefore = process.memoryUsage().heapTotal;
    const started = performance.now();
    compactHeap();
    log.debug({ ms: Math.round(performance.now() - started), heapTotalBefore: heapBefore, heapTotalAfter: process.memoryUsage().heapTotal }, 'compacted the heap after a burst');
    // The next check's load leaves out the compaction's own pause.
    utilization = performance.eventLoopUtilization();
  }, checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
