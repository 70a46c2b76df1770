// One entry per benchmark; each lives in its own file.
import { patchBenchmark } from './patch.ts';
import { startupBenchmark } from './startup.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  patch: patchBenchmark,
};
