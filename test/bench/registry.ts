// One entry per benchmark; each lives in its own file.
import { startupBenchmark } from './startup.ts';
import { patchBenchmark } from './patch.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  patch: patchBenchmark,
  startup: startupBenchmark,
};
