// Namespace lifecycle: a namespace being deleted is emptied of every namespaced object, then its
// `kubernetes` finalizer is removed and it goes. Conditions say what is left, as Kubernetes does.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

export class NamespaceController extends Controller {
  readonly name = 'namespace-controller';

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    this.informers.informer('', 'namespaces').addHandlers({
      add: (ns) => ns.metadata.deletionTimestamp && this.queue.add(ns.metadata.name!),
      update: (_old, ns) => ns.metadata.deletionTimestamp && this.queue.add(ns.metadata.name!),
    });
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = this.informers.informer('', 'namespaces').get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    const remaining = new Map<string, number>();
    const finalizersLeft = new Map<string, number>();
    const failures: string[] = [];
    for (const description of this.core.registry.all()) {
      if (!description.namespaced || description.virtual) continue;
      const store = this.core.store(description);
      const { items } = await store.list(name);
      if (!items.length) continue;
      const resource = description.group ? `${description.plural}.${description.group}` : description.plural;
      for (const item of items) {
        try {
          if (!item.metadata.deletionTimestamp) await this.client.resource(description.group, description.plural).delete(name, item.metadata.name!, { propagationPolicy: 'Background' });
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 404)) failures.push(`${resource} "${item.metadata.name}": ${(error as Error).message}`);
        }
      }
      const left = (await store.list(name)).items;
      if (left.length) remaining.set(resource, left.length);
      for (const item of left) for (const finalizer of item.metadata.finalizers ?? []) finalizersLeft.set(finalizer, (finalizersLeft.get(finalizer) ?? 0) + 1);
    }
    await this.setConditions(ns, remaining, finalizersLeft, failures);
    if (remaining.size || failures.length) return { requeueAfterMs: 1000 };
    await this.client.resource('', 'namespaces').modify(undefined, name, (current) => {
      const spec = (current.spec ?? {}) as Json;
      spec.finalizers = (spec.finalizers ?? []).filter((f: string) => f !== 'kubernetes');
      current.spec = spec;
      return current;
    }, { subresource: 'finalize' });
  }

  private async setConditions(ns: KubeObject, remaining: Map<string, number>, finalizers: Map<string, number>, failures: string[]): Promise<void> {
    const now = timestamp();
    const describe = (m: Map<string, number>, unit: string) => [...m].sort().map(([k, n]) => `${k} has ${n} ${unit}`).join(', ');
    const wanted = [
      { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
      { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
      failures.length
        ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${failures.length} remaining: ${failures.join(', ')}` }
        : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
      remaining.size
        ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${describe(remaining, 'resource instances')}` }
        : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
      finalizers.size
        ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${describe(finalizers, 'resource instances')}` }
        : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
    ];
    const current: Json[] = ((ns.status as Json | undefined)?.conditions ?? []) as Json[];
    const same = wanted.every((w) => current.some((c) => c.type === w.type && c.status === w.status && c.reason === w.reason && c.message === w.message));
    if (same) return;
    await this.client.resource('', 'namespaces').modify(undefined, ns.metadata.name!, (latest) => {
      const status = (latest.status ?? {}) as Json;
      const existing: Json[] = status.conditions ?? [];
      status.conditions = wanted.map((w) => {
        const before = existing.find((c) => c.type === w.type);
        return { ...w, lastTransitionTime: before && before.status === w.status ? before.lastTransitionTime : now };
      });
      latest.status = status;
      return latest;
    }, { subresource: 'status' });
  }
}
