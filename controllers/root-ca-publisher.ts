// Every active namespace has the `kube-root-ca.crt` ConfigMap holding the cluster CA, so pods can
// verify the API server (the projected service-account volume mounts it as ca.crt).
import type { ApiClient } from '../apiserver/client.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller } from './controller.ts';
import type { InformerFactory } from './informer.ts';

const configMapName = 'kube-root-ca.crt';

export class RootCaPublisher extends Controller {
  readonly name = 'root-ca-cert-publisher';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly caPem: string,
  ) {
    super();
  }

  setup(): void {
    this.informers.informer('', 'namespaces').addHandlers({
      add: (ns) => this.queue.add(ns.metadata.name!),
      update: (_old, ns) => this.queue.add(ns.metadata.name!),
    });
    this.informers.informer('', 'configmaps').addHandlers({
      update: (_old, cm) => cm.metadata.name === configMapName && this.queue.add(cm.metadata.namespace!),
      delete: (cm) => cm.metadata.name === configMapName && this.queue.add(cm.metadata.namespace!),
    });
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.informers.informer('', 'namespaces').get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const existing = this.informers.informer('', 'configmaps').get(namespace, configMapName);
    const data = { 'ca.crt': this.caPem };
    // Kubernetes' own wording: tools and people compare this ConfigMap across clusters.
    const annotations = {
      'kubernetes.io/description':
        'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
    };
    const configMaps = this.client.resource('', 'configmaps');
    try {
      if (!existing) {
        await configMaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMapName, namespace, annotations }, data });
      } else if ((existing.data as Record<string, string> | undefined)?.['ca.crt'] !== this.caPem) {
        await configMaps.modify(namespace, configMapName, (cm) => ({ ...cm, data }));
      }
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 409 || error.code === 403 || error.code === 404))) throw error;
    }
  }
}
