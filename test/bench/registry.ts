// One entry per benchmark; each lives in its own file.
import { apiBenchmark } from './api.ts';
import { startupBenchmark } from './startup.ts';
import { patchBenchmark } from './patch.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  patch: patchBenchmark,
  startup: startupBenchmark,
  api: apiBenchmark,
};
