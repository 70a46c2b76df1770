// One entry per benchmark; each lives in its own file.
import { nodeBenchmark } from './node.ts';
import { startupBenchmark } from './startup.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  node: nodeBenchmark,
};
