// How far V8's heap may grow between full collections. By default V8 allows up to 4× the live data, the
// more the slower collection looks next to allocation: on a busy machine a server's memory then swings by
// 100+ MB. Growing by half keeps it steady and small (edge nodes) for a few more collections, which run
// mostly off the main thread.
import { setFlagsFromString } from 'node:v8';

export function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=50');
}
