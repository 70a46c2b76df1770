// How far V8's heap may grow between full collections. V8 alone allows up to 4× the live data, the more the
// slower collection looks next to allocation: a small server's memory then swings by 100+ MB (a flood of hostile
// requests peaked at 395 MB). Growing by half keeps it steady and small (edge nodes). Once the live heap is large
// (the objects of a big cluster), each full collection marks all of it, on the cores the event loop needs: V8's own
// sizing then lets a burst of writes through with fewer of them (about 13% more pods bound per second with 10,000
// pods stored), and the memory is mostly the stored state anyway.
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

const smallHeapPercent = 50;
/** The live heap (right after a full collection) from which V8 sizes the heap itself. */
const largeLiveHeapBytes = 96 * 1024 * 1024;

/**
 * Growth by half, as a server starts with (and as the executable's code cache must be made under: V8 accepts a cache
 * only under the flags it was made with).
 */
export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${smallHeapPercent}`);
}

/** After each full collection, sets the growth for the next by the live heap (read as soon as the collection is reported). */
export function sizeHeapGrowthByLiveHeap(): void {
  let large = false;
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some((entry) => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
    const nowLarge = getHeapStatistics().used_heap_size >= largeLiveHeapBytes;
    if (nowLarge === large) return;
    large = nowLarge;
    // 0: V8's own sizing.
    setFlagsFromString(`--heap-growing-percent=${large ? 0 : smallHeapPercent}`);
  });
  observer.observe({ entryTypes: ['gc'] });
}
