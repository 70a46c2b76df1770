// One entry per benchmark; each lives in its own file.
import { startupBenchmark } from './startup.ts';
import { templateBenchmark } from './template.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  template: templateBenchmark,
};
