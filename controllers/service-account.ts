// Every active namespace has a `default` ServiceAccount (recreated if deleted), as Kubernetes'
// serviceaccounts-controller ensures.
import type { ApiClient } from '../apiserver/client.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller } from './controller.ts';
import type { InformerFactory } from './informer.ts';

export class ServiceAccountController extends Controller {
  readonly name = 'serviceaccount-controller';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    this.informers.informer('', 'namespaces').addHandlers({
      add: (ns) => this.queue.add(ns.metadata.name!),
      update: (_old, ns) => this.queue.add(ns.metadata.name!),
    });
    this.informers.informer('', 'serviceaccounts').addHandlers({
      delete: (sa) => sa.metadata.name === 'default' && this.queue.add(sa.metadata.namespace!),
    });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.informers.informer('', 'namespaces').get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (this.informers.informer('', 'serviceaccounts').get(namespace, 'default')) return;
    try {
      await this.client.resource('', 'serviceaccounts').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 409 || error.code === 403))) throw error;
    }
  }
}
