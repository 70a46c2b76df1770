// One entry per benchmark; each lives in its own file.
import { datastoreBenchmark } from './datastore.ts';
import { startupBenchmark } from './startup.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  datastore: datastoreBenchmark,
};
