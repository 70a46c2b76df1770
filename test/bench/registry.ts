// One entry per benchmark; each lives in its own file.
import { apiBenchmark } from './api.ts';
import { nodeBenchmark } from './node.ts';
import { patchBenchmark } from './patch.ts';
import { podsBenchmark } from './pods.ts';
import { startupBenchmark } from './startup.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  api: apiBenchmark,
  patch: patchBenchmark,
  node: nodeBenchmark,
  pods: podsBenchmark,
};
