// TTL after finished: a Job with `ttlSecondsAfterFinished` is deleted (with its pods, in the
// foreground, as Kubernetes' ttl-after-finished-controller does) that long after it completed or failed.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, type InformerFactory } from './informer.ts';
import { jobFinishedCondition } from './job.ts';

type Json = Record<string, any>;

export class TtlAfterFinishedController extends Controller {
  readonly name = 'ttl-after-finished-controller';

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    const enqueue = (job: { metadata: { namespace?: string; name?: string } }) => this.queue.add(objectKey(job as never));
    this.informers.informer('batch', 'jobs').addHandlers({ add: enqueue, update: (_old, job) => enqueue(job) });
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
