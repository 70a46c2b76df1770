// DaemonSet: one pod on every node it should run on (nodeSelector, required node affinity, taints
// the pod does not tolerate — with the tolerations Kubernetes adds to every daemon pod). Pods are
// created with a required node affinity to their node (`matchFields metadata.name`), which the
// scheduler then binds, as Kubernetes does; rolling updates within maxUnavailable/maxSurge through
// ControllerRevisions; status as `kubectl rollout status daemonset` reads it.
import { cloneObject, deepEqual } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject, requirementMatches, type LabelOperator } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { ReconcileResult } from './controller.ts';
import { byControllerUid, claimObjects } from './controller-ref.ts';
import { scaledValue } from './deployment.ts';
import { objectKey } from './informer.ts';
import { isPodAvailable, isPodReady, podFromTemplate, podPhase } from './pods.ts';
import { namespaceTerminating, slowStartBatch } from './replica-set.ts';
import { pruneRevisions, revisionHashLabel, revisionNumber, syncRevision } from './revisions.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

const revisionLabel = 'controller-revision-hash';

/** The tolerations every DaemonSet pod gets (AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(spec: Json): Json[] {
  const add: Json[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const tolerations: Json[] = [...(spec.tolerations ?? [])];
  for (const toleration of add) {
    if (!tolerations.some((t) => t.key === toleration.key && t.effect === toleration.effect && (t.operator ?? 'Equal') === 'Exists')) tolerations.push(toleration);
  }
  return tolerations;
}

export function tolerates(tolerations: Json[], taint: Json): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

const nodeSelectorOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: '>', Lt: '<' };

/** Whether a node satisfies a required NodeSelector (terms ORed, requirements ANDed). */
export function nodeMatchesSelector(node: KubeObject, selector: Json | undefined): boolean {
  const terms: Json[] = selector?.nodeSelectorTerms ?? [];
  if (!terms.length) return true;
  return terms.some((term) => {
    const expressions: Json[] = term.matchExpressions ?? [];
    const fields: Json[] = term.matchFields ?? [];
    if (!expressions.length && !fields.length) return false;
    const labelsOk = expressions.every((e) => requirementMatches({ key: e.key, operator: nodeSelectorOperators[e.operator] ?? 'in', values: e.values ?? [] }, node.metadata.labels));
    const fieldsOk = fields.every((e) => requirementMatches({ key: e.key, operator: nodeSelectorOperators[e.operator] ?? 'in', values: e.values ?? [] }, { 'metadata.name': node.metadata.name! }));
    return labelsOk && fieldsOk;
  });
}

/** NodeShouldRunDaemonPod: selector, affinity and NoSchedule/NoExecute taints. */
export function shouldRunOn(node: KubeObject, template: Json): boolean {
  const spec: Json = template.spec ?? {};
  const labels = node.metadata.labels ?? {};
  if (Object.entries((spec.nodeSelector ?? {}) as Record<string, string>).some(([k, v]) => labels[k] !== v)) return false;
  if (!nodeMatchesSelector(node, spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution)) return false;
  const tolerations = daemonPodTolerations(spec);
  for (const taint of ((node.spec as Json | undefined)?.taints ?? []) as Json[]) {
    if ((taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerates(tolerations, taint)) return false;
  }
  return true;
}

/** The node a daemon pod is for: where it is bound, or the node its affinity names. */
function podNode(pod: KubeObject): string | undefined {
  const bound = (pod.spec as Json | undefined)?.nodeName;
  if (bound) return bound;
  for (const term of ((pod.spec as Json | undefined)?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as Json[]) {
    const field = (term.matchFields ?? []).find((f: Json) => f.key === 'metadata.name' && f.operator === 'In');
    if (field?.values?.length === 1) return field.values[0];
  }
  return undefined;
}

export class DaemonSetController extends WorkloadController {
  readonly name = 'daemonset-controller';

  private get sets() {
    return this.informers.informer('apps', 'daemonsets');
  }

  setup(): void {
    this.informers.informer('apps', 'controllerrevisions').addIndex('controller', byControllerUid);
    this.watchOwn(this.sets);
    this.watchChildren(this.informers.informer('', 'pods'), 'DaemonSet');
    const all = () => {
      for (const set of this.sets.list()) this.queue.add(objectKey(set));
    };
    this.informers.informer('', 'nodes').addHandlers({ add: all, update: (old, node) => !deepEqual(old.metadata.labels, node.metadata.labels) || !deepEqual(old.spec, node.spec) ? all() : undefined, delete: all });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const cached = this.sets.getByKey(key);
    if (!cached) return;
    const ds = cloneObject(cached);
    const spec = ds.spec as Json;
    const selector = labelSelectorFromObject(spec.selector);
    if (!selector) return;
    const namespace = ds.metadata.namespace!;
    const podClient = this.client.resource('', 'pods');
    const pods = (await claimObjects(ds, selector, this.informers.informer('', 'pods').list(namespace), podClient)).filter((p) => !p.metadata.deletionTimestamp);
    const status = (ds.status ?? {}) as Json;
    const { update, all, collisionCount } = await syncRevision(this.client, ds, this.informers.informer('apps', 'controllerrevisions').byIndex('controller', ds.metadata.uid!), status.collisionCount ?? 0);
    const hash = update.metadata.labels?.[revisionHashLabel] ?? '';
    const nodes = this.informers.informer('', 'nodes').list();
    const minReadySeconds = spec.minReadySeconds ?? 0;
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of pods) {
      const node = podNode(pod);
      if (!node) continue;
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    const toCreate: string[] = [];
    const toDelete: KubeObject[] = [];
    const eligible = new Set<string>();
    if (!ds.metadata.deletionTimestamp) {
      for (const node of nodes) {
        const name = node.metadata.name!;
        const onNode = byNode.get(name) ?? [];
        if (!shouldRunOn(node, spec.template ?? {})) {
          toDelete.push(...onNode);
          continue;
        }
        eligible.add(name);
        const failed = onNode.filter((p) => podPhase(p) === 'Failed');
        for (const pod of failed) this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${namespace}/${pod.metadata.name} on node ${name}, will try to kill it`);
        toDelete.push(...failed);
        const alive = onNode.filter((p) => podPhase(p) !== 'Failed');
        if (!alive.length) toCreate.push(name);
        else if (alive.length > 1) {
          // Keep the oldest (updated pods first when surging), delete the rest.
          const sorted = [...alive].sort((a, b) => Date.parse(a.metadata.creationTimestamp!) - Date.parse(b.metadata.creationTimestamp!));
          const keep = sorted.find((p) => p.metadata.labels?.[revisionLabel] === hash && isPodAvailable(p, minReadySeconds)) ?? sorted[0]!;
          toDelete.push(...sorted.filter((p) => p !== keep));
        }
      }
      for (const [node, onNode] of byNode) if (!nodes.some((n) => n.metadata.name === node)) toDelete.push(...onNode);
      if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') this.rollingUpdate(ds, byNode, eligible, hash, toCreate, toDelete);
    }
    for (const pod of new Set(toDelete)) {
      try {
        await podClient.delete(namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      } catch (error) {
        if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    const template: Json = cloneObject(spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [revisionLabel]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) };
    template.spec ??= {};
    template.spec.tolerations = daemonPodTolerations(template.spec);
    const result = await slowStartBatch(toCreate.length, async (i) => {
      const node = toCreate[i]!;
      const podTemplate = cloneObject(template);
      const affinity = (podTemplate.spec.affinity ??= {});
      affinity.nodeAffinity ??= {};
      affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
      try {
        const pod = await podClient.create(podFromTemplate(podTemplate, ds));
        this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (error) {
        if (namespaceTerminating(error)) return;
        this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
        throw error;
      }
    });

    // Status over the pods as the cache will show them.
    const current = this.informers.informer('', 'pods').byIndex('controller', ds.metadata.uid!).filter((p) => !p.metadata.deletionTimestamp);
    const podsOn = (node: string) => current.filter((p) => podNode(p) === node);
    const desired = eligible.size;
    let scheduled = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const name = node.metadata.name!;
      const onNode = podsOn(name);
      if (!onNode.length) continue;
      if (!eligible.has(name)) {
        misscheduled++;
        continue;
      }
      scheduled++;
      const pod = onNode.find((p) => p.metadata.labels?.[revisionLabel] === hash) ?? onNode[0]!;
      if (isPodReady(pod)) ready++;
      if (isPodAvailable(pod, minReadySeconds)) available++;
      if (pod.metadata.labels?.[revisionLabel] === hash) updated++;
    }
    const next: Json = {
      currentNumberScheduled: scheduled,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
      collisionCount,
    };
    for (const field of ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) if (!next[field]) delete next[field];
    if (!deepEqual(status, next)) {
      await this.client.resource('apps', 'daemonsets').modify(namespace, ds.metadata.name!, (latest) => {
        if (latest.metadata.uid !== ds.metadata.uid) throw new StatusError(409, 'Conflict', 'replaced');
        latest.status = next;
        return latest;
      }, { subresource: 'status' });
    }
    const live = new Set(current.map((p) => all.find((r) => r.metadata.labels?.[revisionHashLabel] === p.metadata.labels?.[revisionLabel])?.metadata.name).filter((n): n is string => Boolean(n)));
    live.add(update.metadata.name!);
    await pruneRevisions(this.client, all.sort((a, b) => revisionNumber(a) - revisionNumber(b)), live, spec.revisionHistoryLimit ?? 10);
    if (result.error) throw result.error;
    if (minReadySeconds && ready !== available) return { requeueAfterMs: minReadySeconds * 1000 + 50 };
  }

  /**
   * Replaces old-revision pods: without surge, deletes up to maxUnavailable of them (unavailable pods
   * use the budget); with surge, starts the new pod beside the old one, which goes once the new is available.
   */
  private rollingUpdate(ds: KubeObject, byNode: Map<string, KubeObject[]>, eligible: Set<string>, hash: string, toCreate: string[], toDelete: KubeObject[]): void {
    const spec = ds.spec as Json;
    const rolling = spec.updateStrategy?.rollingUpdate ?? {};
    const desired = eligible.size;
    const minReadySeconds = spec.minReadySeconds ?? 0;
    const maxSurge = scaledValue(rolling.maxSurge ?? 0, desired, true);
    const maxUnavailable = maxSurge > 0 ? 0 : Math.max(scaledValue(rolling.maxUnavailable ?? 1, desired, true), 1);
    let unavailable = 0;
    const oldOnNode: { node: string; pod: KubeObject }[] = [];
    for (const node of eligible) {
      const alive = (byNode.get(node) ?? []).filter((p) => podPhase(p) !== 'Failed' && !toDelete.includes(p));
      const fresh = alive.find((p) => p.metadata.labels?.[revisionLabel] === hash);
      const old = alive.find((p) => p.metadata.labels?.[revisionLabel] !== hash);
      if (!alive.length || !alive.some((p) => isPodAvailable(p, minReadySeconds))) unavailable++;
      if (!old) continue;
      if (fresh) {
        if (isPodAvailable(fresh, minReadySeconds)) toDelete.push(old);
        continue;
      }
      oldOnNode.push({ node, pod: old });
    }
    if (maxSurge > 0) {
      const surging = [...eligible].filter((node) => (byNode.get(node) ?? []).some((p) => p.metadata.labels?.[revisionLabel] === hash) && (byNode.get(node) ?? []).some((p) => p.metadata.labels?.[revisionLabel] !== hash)).length;
      for (const { node } of oldOnNode.slice(0, Math.max(0, maxSurge - surging))) toCreate.push(node);
      return;
    }
    // Unavailable old pods go first: they cost no availability.
    oldOnNode.sort((a, b) => Number(isPodAvailable(a.pod, minReadySeconds)) - Number(isPodAvailable(b.pod, minReadySeconds)));
    for (const { pod } of oldOnNode) {
      if (!isPodAvailable(pod, minReadySeconds)) {
        toDelete.push(pod);
        continue;
      }
      if (unavailable >= maxUnavailable) break;
      toDelete.push(pod);
      unavailable++;
    }
  }
}
