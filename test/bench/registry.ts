// One entry per benchmark; each lives in its own file.
import { apiBenchmark } from './api.ts';
import { datastoreBenchmark } from './datastore.ts';
import { deployBenchmark } from './deploy.ts';
import { k8sfileBenchmark } from './k8sfile.ts';
import { nodeBenchmark } from './node.ts';
import { patchBenchmark } from './patch.ts';
import { schedulerBenchmark } from './scheduler.ts';
import { podsBenchmark } from './pods.ts';
import { startupBenchmark } from './startup.ts';
import { templateBenchmark } from './template.ts';
import { webhooksBenchmark } from './webhooks.ts';

export const benchmarks: Record<string, () => Promise<void>> = {
  startup: startupBenchmark,
  datastore: datastoreBenchmark,
  api: apiBenchmark,
  patch: patchBenchmark,
  node: nodeBenchmark,
  template: templateBenchmark,
  scheduler: schedulerBenchmark,
  pods: podsBenchmark,
  deploy: deployBenchmark,
  k8sfile: k8sfileBenchmark,
  webhooks: webhooksBenchmark,
};
