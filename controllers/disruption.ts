// PodDisruptionBudget status (kube-controller-manager's disruption controller): how many selected
// pods are healthy, how many must stay so (minAvailable / maxUnavailable, percentages against the
// owning controllers' scale), and so how many disruptions are allowed now. Evictions (the
// pods/eviction subresource) spend those disruptions and record the pod in status.disruptedPods
// until this controller sees it go.
import { cloneObject, deepEqual } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { setCondition } from './conditions.ts';
import type { ReconcileResult } from './controller.ts';
import { controllerOf } from './controller-ref.ts';
import { scaledValue } from './deployment.ts';
import { objectKey } from './informer.ts';
import { isPodReady } from './pods.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

/** An eviction not yet seen as a deleted pod is forgotten after this long (DeletionTimeout). */
const disruptedPodTimeoutMs = 2 * 60_000;

/** The pods a budget covers: policy/v1 selects every pod of the namespace with an empty selector. */
export function budgetSelects(pdb: KubeObject, pod: KubeObject): boolean {
  if (pod.metadata.namespace !== pdb.metadata.namespace) return false;
  const selector = (pdb.spec as Json | undefined)?.selector;
  if (!selector) return false;
  return labelSelectorFromObject(selector)?.matches(pod.metadata.labels) ?? false;
}

export class DisruptionController extends WorkloadController {
  readonly name = 'disruption-controller';

  private get budgets() {
    return this.informers.informer('policy', 'poddisruptionbudgets');
  }

  setup(): void {
    this.budgets.addHandlers({ add: (p) => this.queue.add(objectKey(p)), update: (_o, p) => this.queue.add(objectKey(p)) });
    const onPod = (pod: KubeObject) => {
      for (const pdb of this.budgets.list(pod.metadata.namespace)) if (budgetSelects(pdb, pod)) this.queue.add(objectKey(pdb));
    };
    this.informers.informer('', 'pods').addHandlers({ add: onPod, update: (old, pod) => (onPod(old), onPod(pod)), delete: onPod });
    // Scaling a workload changes the expected pod count of percentage budgets.
    for (const [group, plural] of [
      ['apps', 'replicasets'],
      ['apps', 'statefulsets'],
      ['apps', 'deployments'],
      ['', 'replicationcontrollers'],
    ] as const) {
      this.informers.informer(group, plural).addHandlers({ update: (_o, w) => this.budgets.list(w.metadata.namespace).forEach((p) => this.queue.add(objectKey(p))) });
    }
  }

  /** The replicas of the controller that owns `pod` (a Deployment's, for its ReplicaSets' pods). */
  private controllerScale(pod: KubeObject): { uid: string; replicas: number } | undefined {
    const ref = controllerOf(pod);
    if (!ref) return undefined;
    const ns = pod.metadata.namespace;
    const lookup = (group: string, plural: string, name: string) => this.informers.informer(group, plural).get(ns, name);
    const replicas = (o: KubeObject) => ((o.spec as Json | undefined)?.replicas as number | undefined) ?? 1;
    if (ref.kind === 'ReplicaSet') {
      const rs = lookup('apps', 'replicasets', ref.name);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const dRef = controllerOf(rs);
      const d = dRef?.kind === 'Deployment' ? lookup('apps', 'deployments', dRef.name) : undefined;
      if (d && d.metadata.uid === dRef!.uid) return { uid: d.metadata.uid!, replicas: replicas(d) };
      return { uid: rs.metadata.uid!, replicas: replicas(rs) };
    }
    const kinds: Record<string, [string, string]> = { StatefulSet: ['apps', 'statefulsets'], ReplicationController: ['', 'replicationcontrollers'] };
    const where = kinds[ref.kind];
    if (!where) return undefined;
    const owner = lookup(where[0], where[1], ref.name);
    return owner && owner.metadata.uid === ref.uid ? { uid: owner.metadata.uid!, replicas: replicas(owner) } : undefined;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const cached = this.budgets.getByKey(key);
    if (!cached) return;
    const pdb = cloneObject(cached);
    const spec = (pdb.spec ?? {}) as Json;
    const old = (pdb.status ?? {}) as Json;
    const pods = this.informers.informer('', 'pods').list(pdb.metadata.namespace).filter((p) => budgetSelects(pdb, p));
    const now = Date.now();

    // Evicted pods stay counted as disrupted until they are seen deleted or the entry times out.
    const disrupted: Record<string, string> = {};
    let nextExpiry: number | undefined;
    for (const [name, at] of Object.entries((old.disruptedPods ?? {}) as Record<string, string>)) {
      const pod = pods.find((p) => p.metadata.name === name);
      const expires = Date.parse(at) + disruptedPodTimeoutMs;
      if (!pod || pod.metadata.deletionTimestamp || expires <= now) continue;
      disrupted[name] = at;
      nextExpiry = Math.min(nextExpiry ?? expires, expires);
    }

    let expected = 0;
    let desired = 0;
    let failure: string | undefined;
    const usesScale = spec.maxUnavailable !== undefined || (typeof spec.minAvailable === 'string' && spec.minAvailable.endsWith('%'));
    if (usesScale) {
      const controllers = new Map<string, number>();
      for (const pod of pods) {
        const scale = this.controllerScale(pod);
        if (!scale) {
          failure = `found no controllers for pod "${pod.metadata.name}"`;
          break;
        }
        controllers.set(scale.uid, scale.replicas);
      }
      expected = [...controllers.values()].reduce((a, b) => a + b, 0);
    } else expected = pods.length;
    if (spec.maxUnavailable !== undefined) desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected, true));
    else if (spec.minAvailable !== undefined) desired = scaledValue(spec.minAvailable, expected, true);

    const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && !disrupted[p.metadata.name!] && isPodReady(p)).length;
    const status: Json = {
      observedGeneration: pdb.metadata.generation,
      disruptionsAllowed: failure ? 0 : Math.max(0, healthy - desired),
      currentHealthy: failure ? 0 : healthy,
      desiredHealthy: failure ? 0 : desired,
      expectedPods: failure ? 0 : expected,
    };
    if (Object.keys(disrupted).length) status.disruptedPods = disrupted;
    const condition = failure
      ? { type: 'DisruptionAllowed', status: 'False' as const, reason: 'SyncFailed', message: failure }
      : status.disruptionsAllowed > 0
        ? { type: 'DisruptionAllowed', status: 'True' as const, reason: 'SufficientPods', message: '' }
        : { type: 'DisruptionAllowed', status: 'False' as const, reason: 'InsufficientPods', message: '' };
    status.conditions = setCondition(old.conditions, condition, { compareMessage: true });
    if (!deepEqual(old, status)) {
      await this.client.resource('policy', 'poddisruptionbudgets').modify(pdb.metadata.namespace, pdb.metadata.name!, (latest) => {
        if (latest.metadata.uid !== pdb.metadata.uid) throw new StatusError(409, 'Conflict', 'replaced');
        // Evictions recorded meanwhile are kept: only entries this sync dropped go.
        const latestDisrupted = ((latest.status as Json | undefined)?.disruptedPods ?? {}) as Record<string, string>;
        const merged = { ...disrupted };
        for (const [name, at] of Object.entries(latestDisrupted)) if (!(name in (old.disruptedPods ?? {}))) merged[name] = at;
        latest.status = { ...status, ...(Object.keys(merged).length ? { disruptedPods: merged } : {}) };
        if (!Object.keys(merged).length) delete (latest.status as Json).disruptedPods;
        return latest;
      }, { subresource: 'status' });
    }
    if (nextExpiry !== undefined) return { requeueAfterMs: nextExpiry - now + 50 };
  }
}
