// Local APIServices, as kube-apiserver's autoregister and CRD registration controllers keep them: one per group
// version the server serves (`v1.` for the core group, `v1.apps`, `v1beta1.metrics.k8s.io`, a CRD's groups),
// Available with reason Local, so `kubectl get apiservices` lists what Kubernetes lists. They carry the
// kube-aggregator.kubernetes.io/automanaged label; APIServices without it (a user's) are never touched.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { builtinKinds } from '../apiserver/kinds/index.ts';
import { deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller } from './controller.ts';
import { ignoreNotFound } from './endpoints.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

const automanagedLabel = 'kube-aggregator.kubernetes.io/automanaged';

/** kube-apiserver's group priorities (its apiVersionPriorities table; groups added since, below): the order of groups in discovery. */
const groupPriorities: Record<string, number> = {
  '': 18000,
  'apiregistration.k8s.io': 18000,
  extensions: 17900,
  apps: 17800,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  autoscaling: 17500,
  batch: 17400,
  'certificates.k8s.io': 17300,
  'networking.k8s.io': 17200,
  policy: 17100,
  'rbac.authorization.k8s.io': 17000,
  'storage.k8s.io': 16800,
  'admissionregistration.k8s.io': 16700,
  'apiextensions.k8s.io': 16700,
  'scheduling.k8s.io': 16600,
  'coordination.k8s.io': 16500,
  'node.k8s.io': 16300,
  'discovery.k8s.io': 16200,
  'flowcontrol.apiserver.k8s.io': 16100,
  'internal.apiserver.k8s.io': 16000,
  'resource.k8s.io': 15900,
  'storagemigration.k8s.io': 15800,
};

/** Within a built-in group: GA 15, beta 9, alpha 1 (most of kube-apiserver's table). A CRD's: 100, as Kubernetes registers them. */
function versionPriority(version: string): number {
  return /alpha/.test(version) ? 1 : /beta/.test(version) ? 9 : 15;
}

interface Wanted {
  name: string;
  spec: Json;
  automanaged: string;
}

export class ApiServiceRegistration extends Controller {
  readonly name = 'apiservice-registration';
  private readonly builtin = new Set(builtinKinds);

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
    this.workers = 1;
  }

  setup(): void {
    this.core.registry.onChange(() => this.queue.add('sync'));
    // One of ours deleted or changed by someone else comes back as it was.
    const changed = (apiService: KubeObject) => apiService.metadata.labels?.[automanagedLabel] && this.queue.add('sync');
    this.informers.informer('apiregistration.k8s.io', 'apiservices').addHandlers({ update: (_old, apiService) => changed(apiService), delete: changed });
  }

  override start(log: Parameters<Controller['start']>[0]): void {
    super.start(log);
    this.queue.add('sync');
  }

  private wanted(): Map<string, Wanted> {
    const wanted = new Map<string, Wanted>();
    for (const served of this.core.registry.servedVersions()) {
      const { group, version } = served;
      const name = `${version}.${group}`;
      if (wanted.has(name)) continue;
      const builtin = this.builtin.has(served.description);
      const spec = { group, version, groupPriorityMinimum: builtin ? (groupPriorities[group] ?? 15000) : 1000, versionPriority: builtin ? versionPriority(version) : 100 };
      wanted.set(name, { name, spec, automanaged: builtin ? 'onstart' : 'true' });
    }
    return wanted;
  }

  async reconcile(): Promise<void> {
    const wanted = this.wanted();
    const informer = this.informers.informer('apiregistration.k8s.io', 'apiservices');
    const resource = this.client.resource('apiregistration.k8s.io', 'apiservices');
    for (const existing of informer.list()) {
      if (!existing.metadata.labels?.[automanagedLabel] || wanted.has(existing.metadata.name!)) continue;
      await resource.delete(undefined, existing.metadata.name!).catch(ignoreNotFound);
    }
    for (const { name, spec, automanaged } of wanted.values()) {
      const existing = informer.get(undefined, name);
      if (existing && !existing.metadata.labels?.[automanagedLabel]) continue; // a user's APIService for this group version
      if (!existing) {
        await resource.create({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name, labels: { [automanagedLabel]: automanaged } }, spec }).catch(ignoreExists);
      } else if (!deepEqual(existing.spec, spec) || existing.metadata.labels?.[automanagedLabel] !== automanaged) {
        await resource.modify(undefined, name, (current) => ({ ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, [automanagedLabel]: automanaged } }, spec }));
      }
      const available = (informer.get(undefined, name)?.status as Json | undefined)?.conditions?.find((c: Json) => c.type === 'Available');
      if (available?.status === 'True' && available.reason === 'Local') continue;
      await resource
        .modify(undefined, name, (current) => ({ ...current, status: { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: timestamp(), reason: 'Local', message: 'Local APIServices are always available' }] } }), { subresource: 'status' })
        .catch(ignoreNotFound);
    }
  }
}

function ignoreExists(error: unknown): void {
  if (!(error instanceof StatusError && error.code === 409)) throw error;
}
