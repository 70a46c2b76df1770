// The garbage collector: objects whose owners (ownerReferences) are all gone are deleted; an owner
// deleted with `propagationPolicy: Foreground` keeps its `foregroundDeletion` finalizer until its
// dependents that block owner deletion are gone; one deleted with `Orphan` first has its
// dependents' references to it removed, then loses its `orphan` finalizer. It watches every stored
// kind through the shared informers, indexed by owner uid, as kube-controller-manager's graph does.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { KubeObject, OwnerReference, ResourceDescription } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { removeFinalizer } from './finalizers.ts';
import { objectKey, type Informer, type InformerFactory } from './informer.ts';

const ownersIndex = 'gc-owner-uid';
const foregroundFinalizer = 'foregroundDeletion';
const orphanFinalizer = 'orphan';

interface Resource {
  id: string;
  description: ResourceDescription;
  informer: Informer;
}

function gone(error: unknown): boolean {
  return error instanceof StatusError && (error.code === 404 || error.code === 409);
}

export class GarbageCollector extends Controller {
  readonly name = 'generic-garbage-collector';
  protected override workers = 2;
  private readonly resources = new Map<string, Resource>();

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    for (const description of this.core.registry.all()) {
      if (description.virtual) continue;
      const id = `${description.group}/${description.plural}`;
      const informer = this.informers.informer(description.group, description.plural);
      const resource = { id, description, informer };
      this.resources.set(id, resource);
      informer.addIndex(ownersIndex, (object) => (object.metadata.ownerReferences ?? []).map((ref) => ref.uid));
      informer.addHandlers({
        add: (object) => this.observe(resource, object),
        update: (_old, object) => this.observe(resource, object),
        delete: (object) => this.removed(object),
      });
    }
  }

  private observe(resource: Resource, object: KubeObject): void {
    const key = `${resource.id}|${objectKey(object)}`;
    if (object.metadata.ownerReferences?.length) this.queue.add(key);
    const finalizers = object.metadata.finalizers;
    if (object.metadata.deletionTimestamp && (finalizers?.includes(foregroundFinalizer) || finalizers?.includes(orphanFinalizer))) this.queue.add(key);
  }

  /** An object went: its dependents may now be orphans, and an owner waiting for it may go. */
  private removed(object: KubeObject): void {
    for (const dependent of this.dependentsOf(object.metadata.uid!)) this.queue.add(`${dependent.resource.id}|${objectKey(dependent.object)}`);
    for (const ref of object.metadata.ownerReferences ?? []) {
      const owner = this.resolveOwner(object, ref);
      if (owner && owner !== 'unknown' && owner.object.metadata.deletionTimestamp) this.queue.add(`${owner.resource.id}|${objectKey(owner.object)}`);
    }
  }

  private dependentsOf(uid: string): { resource: Resource; object: KubeObject }[] {
    const found: { resource: Resource; object: KubeObject }[] = [];
    for (const resource of this.resources.values()) {
      for (const object of resource.informer.byIndex(ownersIndex, uid)) found.push({ resource, object });
    }
    return found;
  }

  /** The live owner an ownerReference names (same uid), or undefined when it is absent. */
  private resolveOwner(dependent: KubeObject, ref: OwnerReference): { resource: Resource; object: KubeObject } | 'unknown' | undefined {
    const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/', 2) : ['', ref.apiVersion];
    const served = this.core.registry.lookupKind(group!, version!, ref.kind);
    if (!served) return 'unknown';
    const resource = this.resources.get(`${served.description.group}/${served.description.plural}`);
    if (!resource) return 'unknown';
    const namespace = served.description.namespaced ? dependent.metadata.namespace : undefined;
    if (served.description.namespaced && !namespace) return undefined;
    const owner = resource.informer.get(namespace, ref.name);
    return owner && owner.metadata.uid === ref.uid ? { resource, object: owner } : undefined;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const bar = key.indexOf('|');
    const resource = this.resources.get(key.slice(0, bar));
    if (!resource) return;
    const object = resource.informer.getByKey(key.slice(bar + 1));
    if (!object) return;
    const finalizers = object.metadata.finalizers ?? [];
    if (object.metadata.deletionTimestamp) {
      if (finalizers.includes(orphanFinalizer)) await this.orphanDependents(resource, object);
      if (finalizers.includes(foregroundFinalizer)) return this.deleteDependentsFirst(resource, object);
      return;
    }
    if (object.metadata.ownerReferences?.length) await this.collectIfOrphaned(resource, object);
  }

  private async removeFinalizer(resource: Resource, object: KubeObject, finalizer: string): Promise<void> {
    await removeFinalizer(this.client.resource(resource.description.group, resource.description.plural), object, finalizer);
  }

  private async orphanDependents(resource: Resource, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const dependent of this.dependentsOf(uid)) {
      try {
        await this.client.resource(dependent.resource.description.group, dependent.resource.description.plural).modify(dependent.object.metadata.namespace, dependent.object.metadata.name!, (current) => {
          current.metadata.ownerReferences = (current.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
          if (!current.metadata.ownerReferences.length) delete current.metadata.ownerReferences;
          return current;
        });
      } catch (error) {
        if (!gone(error)) throw error;
      }
    }
    await this.removeFinalizer(resource, owner, orphanFinalizer);
  }

  private async deleteDependentsFirst(resource: Resource, owner: KubeObject): Promise<ReconcileResult | void> {
    const uid = owner.metadata.uid!;
    const dependents = this.dependentsOf(uid);
    for (const { resource: depResource, object } of dependents) {
      if (object.metadata.deletionTimestamp) continue;
      const hasOwnDependents = this.dependentsOf(object.metadata.uid!).length > 0;
      await this.deleteObject(depResource, object, hasOwnDependents ? 'Foreground' : this.policyFor(object));
    }
    const blocking = dependents.filter(({ object }) => object.metadata.ownerReferences?.some((ref) => ref.uid === uid && ref.blockOwnerDeletion));
    if (blocking.length === 0) {
      await this.removeFinalizer(resource, owner, foregroundFinalizer);
      return;
    }
    // Deletions of the dependents requeue the owner; look again anyway in case one is stuck.
    return { requeueAfterMs: 5000 };
  }

  private policyFor(object: KubeObject): 'Orphan' | 'Foreground' | 'Background' {
    const finalizers = object.metadata.finalizers ?? [];
    if (finalizers.includes(orphanFinalizer)) return 'Orphan';
    if (finalizers.includes(foregroundFinalizer)) return 'Foreground';
    return 'Background';
  }

  private async deleteObject(resource: Resource, object: KubeObject, propagationPolicy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    try {
      await this.client.resource(resource.description.group, resource.description.plural).delete(object.metadata.namespace, object.metadata.name!, { propagationPolicy, preconditions: { uid: object.metadata.uid } });
    } catch (error) {
      if (!gone(error)) throw error;
    }
  }

  /** attemptToDeleteItem: delete when every owner is gone or itself waiting on its dependents. */
  private async collectIfOrphaned(resource: Resource, object: KubeObject): Promise<void> {
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of object.metadata.ownerReferences ?? []) {
      const owner = this.resolveOwner(object, ref);
      if (owner === 'unknown') solid.push(ref); // an owner kind this server does not serve: never guess
      else if (!owner) dangling.push(ref);
      else if (owner.object.metadata.deletionTimestamp && owner.object.metadata.finalizers?.includes(foregroundFinalizer)) waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length) {
      if (!dangling.length && !waiting.length) return;
      const drop = new Set([...dangling, ...waiting].map((ref) => ref.uid));
      try {
        await this.client.resource(resource.description.group, resource.description.plural).modify(object.metadata.namespace, object.metadata.name!, (current) => {
          current.metadata.ownerReferences = (current.metadata.ownerReferences ?? []).filter((ref) => !drop.has(ref.uid));
          return current;
        });
      } catch (error) {
        if (!gone(error)) throw error;
      }
      return;
    }
    const hasDependents = this.dependentsOf(object.metadata.uid!).length > 0;
    const policy = waiting.length && hasDependents ? 'Foreground' : this.policyFor(object);
    await this.deleteObject(resource, object, policy);
  }
}
