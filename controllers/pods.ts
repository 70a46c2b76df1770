// What workload controllers ask about pods (ready, available, active) and how they make them from a
// template, with Kubernetes' rules (pkg/api/v1/pod and pkg/controller's PodControl).
import type { KubeObject } from '../apiserver/registry/types.ts';
import { cloneObject } from '../apiserver/registry/object-meta.ts';
import { newControllerRef } from './controller-ref.ts';

type Json = Record<string, any>;

function podCondition(pod: KubeObject, type: string): Json | undefined {
  return ((pod.status as Json | undefined)?.conditions as Json[] | undefined)?.find((c) => c.type === type);
}

export function podPhase(pod: KubeObject): string | undefined {
  return (pod.status as Json | undefined)?.phase;
}

export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least `minReadySeconds` (the Ready condition's lastTransitionTime counts). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now = Date.now()): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a ready pod becomes available, or undefined when it is not ready. */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, now = Date.now()): number | undefined {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return undefined;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Math.max(0, (Number.isFinite(since) ? since : now) + minReadySeconds * 1000 - now);
}

export function isPodTerminal(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Not finished and not being deleted (controller.IsPodActive). */
export function isPodActive(pod: KubeObject): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

function restarts(pod: KubeObject): number {
  return (((pod.status as Json | undefined)?.containerStatuses ?? []) as Json[]).reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
}

function phaseRank(pod: KubeObject): number {
  return { Pending: 0, Unknown: 1, Running: 2 }[podPhase(pod) ?? 'Pending'] ?? 0;
}

/**
 * Orders pods so that the first are the best to delete when scaling down (ActivePodsWithRanks):
 * unscheduled before scheduled, pending before running, not ready before ready, lower
 * pod-deletion-cost first, more pods of the same owner on the node first, recently ready before
 * long ready, more restarts first, newer before older.
 */
export function compareForDeletion(a: KubeObject, b: KubeObject, colocated?: Map<string, number>): number {
  const nodeA = (a.spec as Json | undefined)?.nodeName;
  const nodeB = (b.spec as Json | undefined)?.nodeName;
  if (Boolean(nodeA) !== Boolean(nodeB)) return nodeA ? 1 : -1;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
  const cost = (pod: KubeObject) => Number(pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0) || 0;
  if (cost(a) !== cost(b)) return cost(a) - cost(b);
  if (colocated) {
    const ca = colocated.get(a.metadata.uid!) ?? 0;
    const cb = colocated.get(b.metadata.uid!) ?? 0;
    if (ca !== cb) return cb - ca;
  }
  if (isPodReady(a) && isPodReady(b)) {
    const readySince = (pod: KubeObject) => Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '') || 0;
    if (readySince(a) !== readySince(b)) return readySince(b) - readySince(a);
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (pod: KubeObject) => Date.parse(pod.metadata.creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}

/** `pods` ranked for deletion, counting how many of `related` share each pod's node. */
export function rankForDeletion(pods: KubeObject[], related: KubeObject[] = pods): KubeObject[] {
  const perNode = new Map<string, number>();
  for (const pod of related) {
    const node = (pod.spec as Json | undefined)?.nodeName;
    if (node && isPodActive(pod)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const colocated = new Map<string, number>();
  for (const pod of pods) {
    const node = (pod.spec as Json | undefined)?.nodeName;
    colocated.set(pod.metadata.uid!, node ? (perNode.get(node) ?? 0) : 0);
  }
  return [...pods].sort((a, b) => compareForDeletion(a, b, colocated));
}

/**
 * A pod from a template owned by `owner` (GetPodFromTemplate): the template's labels, annotations
 * and finalizers, its spec, a controller reference, and `<owner>-` as generateName unless named.
 */
export function podFromTemplate(template: Json | undefined, owner: KubeObject, options: { name?: string; generateName?: string } = {}): KubeObject {
  const copy: Json = cloneObject(template ?? {});
  const metadata: Json = copy.metadata ?? {};
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: owner.metadata.namespace,
      labels: { ...(metadata.labels ?? {}) },
      ownerReferences: [newControllerRef(owner)],
    },
    spec: copy.spec ?? {},
  };
  if (metadata.annotations && Object.keys(metadata.annotations).length) pod.metadata.annotations = { ...metadata.annotations };
  if (metadata.finalizers?.length) pod.metadata.finalizers = [...metadata.finalizers];
  if (options.name) pod.metadata.name = options.name;
  else pod.metadata.generateName = options.generateName ?? `${owner.metadata.name}-`;
  return pod;
}

/** Sum of a numeric field over objects (status.readyReplicas and friends). */
export function sumOf(objects: KubeObject[], read: (object: Json) => number | undefined): number {
  return objects.reduce((sum, object) => sum + (read(object as Json) ?? 0), 0);
}
