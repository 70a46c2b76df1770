// TTL after finished: a Job with `ttlSecondsAfterFinished` is deleted (with its pods, in the
// foreground, as Kubernetes' ttl-after-finished-controller does) that long after it completed or failed.
import { StatusError } from '../apiserver/status.ts';
import type { ReconcileResult } from './controller.ts';
import { objectKey } from './informer.ts';
import { jobFinishedCondition } from './job.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

export class TtlAfterFinishedController extends WorkloadController {
  readonly name = 'ttl-after-finished-controller';

  setup(): void {
    this.informers.informer('batch', 'jobs').addHandlers({ add: (job) => this.queue.add(objectKey(job)), update: (_old, job) => this.queue.add(objectKey(job)) });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const job = this.informers.informer('batch', 'jobs').getByKey(key);
    if (!job || job.metadata.deletionTimestamp) return;
    const ttl = (job.spec as Json | undefined)?.ttlSecondsAfterFinished;
    const finished = jobFinishedCondition(job);
    if (typeof ttl !== 'number' || !finished) return;
    const finishedAt = Date.parse(finished.lastTransitionTime ?? '') || Date.now();
    const remaining = finishedAt + ttl * 1000 - Date.now();
    if (remaining > 0) return { requeueAfterMs: remaining + 50 };
    try {
      await this.client.resource('batch', 'jobs').delete(job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } });
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}
