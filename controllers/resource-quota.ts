// Keeps each ResourceQuota's status (hard and used) current, so `kubectl describe quota` shows what
// a namespace uses. Usage is measured from the stored objects, as admission measures it.
import { formatUsage, namespaceUsage } from '../apiserver/admission/resource-quota.ts';
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { deepEqual } from '../apiserver/registry/object-meta.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, type InformerFactory } from './informer.ts';

type Json = Record<string, any>;

const resyncMs = 15_000;
const watched = ['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers'];

export class ResourceQuotaController extends Controller {
  readonly name = 'resourcequota-controller';

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    const quotas = this.informers.informer('', 'resourcequotas');
    quotas.addHandlers({ add: (q) => this.queue.add(objectKey(q)), update: (_o, q) => this.queue.add(objectKey(q)) });
    const touch = (namespace: string | undefined) => {
      if (!namespace) return;
      for (const quota of quotas.list(namespace)) this.queue.add(objectKey(quota));
    };
    for (const plural of watched) {
      this.informers.informer('', plural).addHandlers({
        add: (o) => touch(o.metadata.namespace),
        update: (_o, o) => touch(o.metadata.namespace),
        delete: (o) => touch(o.metadata.namespace),
      });
    }
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const quota = this.informers.informer('', 'resourcequotas').getByKey(key);
    if (!quota) return;
    const namespace = quota.metadata.namespace!;
    const hard = ((quota.spec as Json | undefined)?.hard ?? {}) as Record<string, string>;
    const used = namespaceUsage(this.core, namespace, hard);
    const status = {
      hard: { ...hard },
      used: Object.fromEntries(Object.keys(hard).map((name) => [name, formatUsage(used.get(name) ?? 0n, hard[name])])),
    };
    if (!deepEqual(quota.status, status)) {
      await this.client.resource('', 'resourcequotas').modify(namespace, quota.metadata.name!, (current) => ({ ...current, status }), { subresource: 'status' });
    }
    return { requeueAfterMs: resyncMs };
  }
}
