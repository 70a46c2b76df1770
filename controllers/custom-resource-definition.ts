// CustomResourceDefinitions: accepts a CRD's names (unless another CRD of the group uses them) and
// establishes it; when one is deleted, deletes every object of its kind, then lets it go.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { crdCleanupFinalizer } from '../apiserver/kinds/apiextensions/custom-resource-definition.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import { storageResource } from '../apiserver/registry/registry.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** The first name of `crd` another CRD of the same group already holds. */
function nameConflict(crd: KubeObject, others: KubeObject[]): Condition | undefined {
  const spec: Json = crd.spec as Json;
  const names: Json = spec.names ?? {};
  for (const other of others) {
    if (other.metadata.name === crd.metadata.name || (other.spec as Json)?.group !== spec.group) continue;
    const accepted: Json = (other.status as Json | undefined)?.acceptedNames ?? {};
    const taken = new Set<string>([accepted.plural, accepted.singular, ...(accepted.shortNames ?? [])].filter(Boolean));
    for (const candidate of [names.plural, names.singular, ...(names.shortNames ?? [])]) {
      if (candidate && taken.has(candidate)) return { type: 'NamesAccepted', status: 'False', reason: candidate === names.plural ? 'PluralConflict' : 'SingularConflict', message: `"${candidate}" is already in use` };
    }
    if (names.kind && (accepted.kind === names.kind || accepted.listKind === names.kind)) return { type: 'NamesAccepted', status: 'False', reason: 'KindConflict', message: `"${names.kind}" is already in use` };
  }
  return undefined;
}

export class CustomResourceDefinitionController extends Controller {
  readonly name = 'crd-controller';

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    this.informers.informer('apiextensions.k8s.io', 'customresourcedefinitions').addHandlers({
      add: (crd) => this.queue.add(crd.metadata.name!),
      update: (_old, crd) => this.queue.add(crd.metadata.name!),
    });
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const informer = this.informers.informer('apiextensions.k8s.io', 'customresourcedefinitions');
    const crd = informer.get(undefined, name);
    if (!crd) return;
    if (crd.metadata.deletionTimestamp) return this.cleanUp(crd);
    const spec: Json = crd.spec as Json;
    const conflict = nameConflict(crd, informer.list());
    const conditions: Condition[] = conflict
      ? [conflict, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' }]
      : [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
        ];
    const acceptedNames = conflict ? ((crd.status as Json | undefined)?.acceptedNames ?? { plural: '', kind: '' }) : { ...spec.names };
    await this.setStatus(crd, conditions, acceptedNames);
  }

  private async setStatus(crd: KubeObject, wanted: Condition[], acceptedNames?: Json): Promise<void> {
    const status: Json = (crd.status as Json | undefined) ?? {};
    const current: Condition[] = status.conditions ?? [];
    const unchanged =
      wanted.every((w) => current.some((c) => c.type === w.type && c.status === w.status && c.reason === w.reason && c.message === w.message)) &&
      (acceptedNames === undefined || JSON.stringify(status.acceptedNames) === JSON.stringify(acceptedNames));
    if (unchanged) return;
    await this.client.resource('apiextensions.k8s.io', 'customresourcedefinitions').modify(
      undefined,
      crd.metadata.name!,
      (latest) => {
        const latestStatus: Json = (latest.status as Json | undefined) ?? {};
        const conditions: Condition[] = [...(latestStatus.conditions ?? [])];
        for (const w of wanted) {
          const at = conditions.findIndex((c) => c.type === w.type);
          const transition = at >= 0 && conditions[at]!.status === w.status ? conditions[at]!.lastTransitionTime : timestamp();
          const condition = { ...w, lastTransitionTime: transition };
          if (at >= 0) conditions[at] = condition;
          else conditions.push(condition);
        }
        latest.status = { ...latestStatus, conditions, ...(acceptedNames ? { acceptedNames } : {}) };
        return latest;
      },
      { subresource: 'status' },
    );
  }

  /** Deletes every object of the CRD's kind, then removes the cleanup finalizer. */
  private async cleanUp(crd: KubeObject): Promise<ReconcileResult | void> {
    if (!crd.metadata.finalizers?.includes(crdCleanupFinalizer)) return;
    const spec: Json = crd.spec as Json;
    const description = this.core.registry.byStorageResource(storageResource({ group: spec.group, plural: spec.names.plural }));
    if (description) {
      await this.setStatus(crd, [{ type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }]);
      const store = this.core.store(description);
      const { items } = await store.list(undefined);
      for (const item of items) {
        try {
          if (!item.metadata.deletionTimestamp) await store.delete(item.metadata.namespace, item.metadata.name!, { user: this.client.user, propagationPolicy: 'Background' });
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 404)) throw error;
        }
      }
      if ((await store.list(undefined)).items.length) return { requeueAfterMs: 1000 };
    }
    await this.client.resource('apiextensions.k8s.io', 'customresourcedefinitions').modify(undefined, crd.metadata.name!, (latest) => {
      latest.metadata.finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== crdCleanupFinalizer);
      return latest;
    });
  }
}
