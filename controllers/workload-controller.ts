// What the workload controllers share: their dependencies, and the informer wiring that turns
// changes into keys — an owner's own changes, and a child's changes queued for the owner that
// controls it (or, for an orphan, every owner whose selector matches, which may adopt it).
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { LabelSelector } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { Controller } from './controller.ts';
import { byControllerUid, controllerOf } from './controller-ref.ts';
import type { EventRecorder } from './events.ts';
import { objectKey, type Informer, type InformerFactory } from './informer.ts';

export abstract class WorkloadController extends Controller {
  constructor(
    protected readonly core: ApiCore,
    protected readonly informers: InformerFactory,
    protected readonly client: ApiClient,
    protected readonly recorder: EventRecorder,
  ) {
    super();
  }

  /** Queues the key of every object of `informer` that is added, changed or deleted. */
  protected watchOwn(informer: Informer): void {
    const enqueue = (object: KubeObject) => this.queue.add(objectKey(object));
    informer.addHandlers({ add: enqueue, update: (_old, object) => enqueue(object), delete: enqueue });
  }

  /**
   * Queues the `ownerKind` controlling each changed child (also the previous one when the
   * controller changed); with `selectorOf`, orphans queue every owner whose selector matches.
   * Indexes children by controller uid under `controller`.
   */
  protected watchChildren(children: Informer, ownerKind: string, owners?: { informer: Informer; selectorOf: (owner: KubeObject) => LabelSelector | undefined }): void {
    children.addIndex('controller', byControllerUid);
    const onChild = (child: KubeObject) => {
      const ref = controllerOf(child);
      if (ref) {
        if (ref.kind === ownerKind) this.queue.add(`${child.metadata.namespace}/${ref.name}`);
        return;
      }
      if (!owners) return;
      for (const owner of owners.informer.list(child.metadata.namespace)) {
        if (owners.selectorOf(owner)?.matches(child.metadata.labels)) this.queue.add(objectKey(owner));
      }
    };
    children.addHandlers({
      add: onChild,
      update: (old, child) => {
        onChild(child);
        const oldRef = controllerOf(old);
        if (oldRef?.kind === ownerKind && oldRef.uid !== controllerOf(child)?.uid) this.queue.add(`${old.metadata.namespace}/${oldRef.name}`);
      },
      delete: onChild,
    });
  }
}
