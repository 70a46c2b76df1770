// ReplicaSet and ReplicationController: keep `spec.replicas` active pods matching the selector,
// created from the template as `<name>-<5 random>` with a controller reference, in slow-start
// batches (1, 2, 4, …); adopt matching orphans, release pods that stop matching; delete the
// cheapest pods first when scaling down; report replicas/ready/available and ReplicaFailure.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { deepEqual } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject, type LabelSelector } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { findCondition, removeCondition, setCondition } from './conditions.ts';
import type { ReconcileResult } from './controller.ts';
import { claimObjects, controllerOf } from './controller-ref.ts';
import type { EventRecorder } from './events.ts';
import type { InformerFactory } from './informer.ts';
import { WorkloadController } from './workload-controller.ts';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable, podFromTemplate, rankForDeletion } from './pods.ts';

type Json = Record<string, any>;

/** Kubernetes creates at most this many pods per sync (burstReplicas). */
const burstReplicas = 500;

export interface ReplicatedKind {
  group: string;
  plural: string;
  kind: string;
  /** The controller's name (its identity and its events' source). */
  name: string;
  selector(object: KubeObject): LabelSelector | undefined;
}

export const replicaSetKind: ReplicatedKind = {
  group: 'apps',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  name: 'replicaset-controller',
  selector: (rs) => labelSelectorFromObject((rs.spec as Json | undefined)?.selector),
};

export const replicationControllerKind: ReplicatedKind = {
  group: '',
  plural: 'replicationcontrollers',
  kind: 'ReplicationController',
  name: 'replication-controller',
  selector: (rc) => {
    const selector = (rc.spec as Json | undefined)?.selector as Record<string, string> | undefined;
    return selector ? labelSelectorFromObject({ matchLabels: selector }) : undefined;
  },
};

/** Runs `count` async steps in batches of 1, 2, 4…; stops after a batch with a failure. Returns successes and the first error. */
export async function slowStartBatch(count: number, step: (index: number) => Promise<void>): Promise<{ done: number; error?: Error }> {
  let done = 0;
  let index = 0;
  for (let batch = Math.min(count, 1); index < count; batch = Math.min(2 * batch, count - index)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => step(index++)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    done += results.filter((r) => r.status === 'fulfilled').length;
    if (failure) return { done, error: failure.reason as Error };
  }
  return { done };
}

/** Whether a create failed only because the namespace is going away (nothing to report then). */
export function namespaceTerminating(error: unknown): boolean {
  return error instanceof StatusError && error.code === 403 && /because it is being terminated/.test(error.message);
}

export class ReplicaSetController extends WorkloadController {
  readonly name: string;
  protected override workers = 3;

  constructor(
    core: ApiCore,
    informers: InformerFactory,
    client: ApiClient,
    recorder: EventRecorder,
    private readonly target: ReplicatedKind = replicaSetKind,
  ) {
    super(core, informers, client, recorder);
    this.name = target.name;
  }

  private get sets() {
    return this.informers.informer(this.target.group, this.target.plural);
  }

  private get pods() {
    return this.informers.informer('', 'pods');
  }

  setup(): void {
    this.watchOwn(this.sets);
    this.watchChildren(this.pods, this.target.kind, { informer: this.sets, selectorOf: (rs) => this.target.selector(rs) });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const rs = this.sets.getByKey(key);
    if (!rs) return;
    const spec = (rs.spec ?? {}) as Json;
    const selector = this.target.selector(rs);
    const podClient = this.client.resource('', 'pods');
    const namespace = rs.metadata.namespace!;
    const candidates = this.pods.list(namespace).filter(isPodActive);
    let pods = selector ? await claimObjects(rs, selector, candidates, podClient) : candidates.filter((p) => controllerOf(p)?.uid === rs.metadata.uid);

    let failure: { reason: string; message: string } | undefined;
    if (!rs.metadata.deletionTimestamp) {
      const wanted = (spec.replicas as number | undefined) ?? 1;
      const diff = pods.length - wanted;
      if (diff < 0) {
        const count = Math.min(-diff, burstReplicas);
        const created: KubeObject[] = [];
        const result = await slowStartBatch(count, async () => {
          try {
            const pod = await podClient.create(podFromTemplate(spec.template, rs));
            created.push(pod);
            this.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
          } catch (error) {
            if (namespaceTerminating(error)) return;
            this.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
            throw error;
          }
        });
        if (result.error) failure = { reason: 'FailedCreate', message: result.error.message };
        pods = [...pods, ...created];
      } else if (diff > 0) {
        const victims = rankForDeletion(pods).slice(0, Math.min(diff, burstReplicas));
        const gone = new Set<string>();
        await Promise.all(
          victims.map(async (pod) => {
            try {
              await podClient.delete(namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
              this.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
              gone.add(pod.metadata.uid!);
            } catch (error) {
              if (error instanceof StatusError && error.code === 404) {
                gone.add(pod.metadata.uid!);
                return;
              }
              this.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(error as Error).message}`);
              failure ??= { reason: 'FailedDelete', message: (error as Error).message };
            }
          }),
        );
        pods = pods.filter((p) => !gone.has(p.metadata.uid!));
      }
    }
    const requeue = await this.updateStatus(rs, pods, failure);
    if (failure) throw new Error(failure.message);
    return requeue;
  }

  private async updateStatus(rs: KubeObject, pods: KubeObject[], failure: { reason: string; message: string } | undefined): Promise<ReconcileResult | void> {
    const spec = (rs.spec ?? {}) as Json;
    const minReadySeconds = (spec.minReadySeconds as number | undefined) ?? 0;
    const templateLabels = (spec.template?.metadata?.labels ?? {}) as Record<string, string>;
    const now = Date.now();
    const ready = pods.filter(isPodReady);
    const status: Json = { replicas: pods.length };
    const fullyLabeled = pods.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length;
    if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
    if (ready.length) status.readyReplicas = ready.length;
    const available = ready.filter((p) => isPodAvailable(p, minReadySeconds, now)).length;
    if (available) status.availableReplicas = available;
    if (rs.metadata.generation !== undefined) status.observedGeneration = rs.metadata.generation;
    const old = (rs.status ?? {}) as Json;
    let conditions: Json[] | undefined = old.conditions;
    if (failure) conditions = setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message }, { compareMessage: true });
    else if (findCondition(conditions, 'ReplicaFailure')) conditions = removeCondition(conditions, 'ReplicaFailure');
    if (conditions?.length) status.conditions = conditions;
    if (!deepEqual(old, status)) {
      try {
        await this.client.resource(this.target.group, this.target.plural).modify(rs.metadata.namespace, rs.metadata.name!, (current) => {
          if (current.metadata.uid !== rs.metadata.uid) throw new StatusError(409, 'Conflict', 'replaced');
          current.status = status;
          return current;
        }, { subresource: 'status' });
      } catch (error) {
        if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    // Pods ready but not yet available for minReadySeconds: look again when they become so.
    if (minReadySeconds > 0 && ready.length !== available) {
      const waits = ready.map((p) => msUntilAvailable(p, minReadySeconds, now) ?? 0).filter((ms) => ms > 0);
      return { requeueAfterMs: Math.min(...waits, minReadySeconds * 1000) + 50 };
    }
  }
}
