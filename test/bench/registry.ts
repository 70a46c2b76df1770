// One entry per benchmark; each lives in its own file.
import { apiBenchmark } from './api.ts';
import { schedulerBenchmark } from './scheduler.ts';
import { startupBenchmark } from './startup.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  api: apiBenchmark,
  scheduler: schedulerBenchmark,
};
