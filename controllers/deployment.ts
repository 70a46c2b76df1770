// Deployment: rolls a pod template out through ReplicaSets named `<deployment>-<pod-template-hash>`,
// with kube-controller-manager's algorithm — RollingUpdate within maxSurge/maxUnavailable, Recreate,
// proportional scaling of a rollout in flight, pause/resume, the revision annotations kubectl's
// `rollout history/undo` read, revisionHistoryLimit cleanup, progressDeadlineSeconds, and the
// status and conditions (`Available`, `Progressing`) `rollout status` and `wait` rely on.
import { canonicalJson, cloneObject, deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { findCondition, removeCondition, setCondition } from './conditions.ts';
import type { ReconcileResult } from './controller.ts';
import { claimObjects, controllerOf, newControllerRef } from './controller-ref.ts';
import { isPodTerminal } from './pods.ts';
import { namespaceTerminating } from './replica-set.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

export const podTemplateHashLabel = 'pod-template-hash';
export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';

/** Deployment annotations never copied to its ReplicaSets (nor back on rollback). */
const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

// --- pure helpers (deployment/util in Kubernetes) -------------------------------------------------

export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' rand.SafeEncodeString: every character mapped into an alphabet without vowels. */
export function safeEncode(text: string): string {
  let out = '';
  for (const char of text) out += safeAlphabet[char.charCodeAt(0) % safeAlphabet.length];
  return out;
}

/** The pod-template-hash of a template (FNV-32a of the template and the collision count). */
export function podTemplateHash(template: Json | undefined, collisionCount?: number): string {
  let text = canonicalJson(template ?? {});
  if (collisionCount !== undefined && collisionCount !== null) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(text)));
}

/** Templates equal but for the pod-template-hash label. */
export function equalIgnoreHash(a: Json | undefined, b: Json | undefined): boolean {
  const strip = (t: Json | undefined) => {
    const copy: Json = cloneObject(t ?? {});
    if (copy.metadata?.labels) {
      delete copy.metadata.labels[podTemplateHashLabel];
      if (!Object.keys(copy.metadata.labels).length) delete copy.metadata.labels;
    }
    if (copy.metadata && !Object.keys(copy.metadata).length) delete copy.metadata;
    return copy;
  };
  return deepEqual(strip(a), strip(b));
}

/** An int-or-percent against `total` (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) return Number.parseInt(value, 10) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function replicasOf(d: KubeObject): number {
  return ((d.spec as Json | undefined)?.replicas as number | undefined) ?? 1;
}

function isRollingUpdate(d: KubeObject): boolean {
  return ((d.spec as Json | undefined)?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** maxSurge and maxUnavailable as numbers (ResolveFenceposts: never both zero). */
export function fenceposts(d: KubeObject): { surge: number; unavailable: number } {
  const rolling = (d.spec as Json | undefined)?.strategy?.rollingUpdate ?? {};
  const desired = replicasOf(d);
  const surge = scaledValue(rolling.maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(rolling.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: KubeObject): number {
  const desired = replicasOf(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

const rsReplicas = (rs: KubeObject | undefined) => ((rs?.spec as Json | undefined)?.replicas as number | undefined) ?? 0;
const rsStatus = (rs: KubeObject | undefined, field: string) => ((rs?.status as Json | undefined)?.[field] as number | undefined) ?? 0;
const sum = (list: (KubeObject | undefined)[], read: (rs: KubeObject | undefined) => number) => list.reduce((total, rs) => total + (rs ? read(rs) : 0), 0);
const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? '') || 0;

function byCreation(a: KubeObject, b: KubeObject): number {
  return created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

export function revisionOf(o: KubeObject | undefined): number {
  const value = o?.metadata.annotations?.[revisionAnnotation];
  const parsed = value === undefined ? 0 : Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

function annotationNumber(rs: KubeObject, name: string): number | undefined {
  const value = rs.metadata.annotations?.[name];
  if (value === undefined) return undefined;
  const parsed = Number.parseInt(value, 10);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function hasProgressDeadline(d: KubeObject): boolean {
  const deadline = (d.spec as Json | undefined)?.progressDeadlineSeconds;
  return typeof deadline === 'number' && deadline !== 2147483647;
}

/** Copies the deployment's annotations (but not the skipped ones) onto the ReplicaSet. */
function copyAnnotations(d: KubeObject, rs: KubeObject): boolean {
  let changed = false;
  rs.metadata.annotations ??= {};
  for (const [key, value] of Object.entries(d.metadata.annotations ?? {})) {
    if (annotationsToSkip.has(key) || rs.metadata.annotations[key] === value) continue;
    rs.metadata.annotations[key] = value;
    changed = true;
  }
  return changed;
}

function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  rs.metadata.annotations ??= {};
  let changed = false;
  for (const [key, value] of [
    [desiredReplicasAnnotation, String(desired)],
    [maxReplicasAnnotation, String(max)],
  ] as const) {
    if (rs.metadata.annotations[key] !== value) {
      rs.metadata.annotations[key] = value;
      changed = true;
    }
  }
  return changed;
}

/** SetNewReplicaSetAnnotations: copied annotations, a revision that only grows, its history. */
function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, rs);
  const annotations = rs.metadata.annotations!;
  const oldRevision = annotations[revisionAnnotation];
  const oldNumber = oldRevision === undefined ? 0 : Number.parseInt(oldRevision, 10) || 0;
  if (oldNumber < newRevision) {
    annotations[revisionAnnotation] = String(newRevision);
    changed = true;
    if (oldRevision !== undefined) {
      const history = annotations[revisionHistoryAnnotation];
      annotations[revisionHistoryAnnotation] = history ? `${history},${oldRevision}` : oldRevision;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** How many replicas the new ReplicaSet should have now (NewRSNewReplicas). */
function newRSNewReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject | undefined): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const surge = maxSurge(d);
  const current = sum(allRSs, rsReplicas);
  const maxTotal = replicasOf(d) + surge;
  if (current >= maxTotal) return rsReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicasOf(d) - rsReplicas(newRS));
  return rsReplicas(newRS) + scaleUp;
}

export interface DeploymentStatusView {
  replicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  readyReplicas: number;
  observedGeneration: number;
}

/** Every replica updated and available, and the newest spec observed (DeploymentComplete). */
export function deploymentComplete(d: KubeObject, status: Json): boolean {
  const want = replicasOf(d);
  return (status.updatedReplicas ?? 0) === want && (status.replicas ?? 0) === want && (status.availableReplicas ?? 0) === want && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function deploymentProgressing(d: KubeObject, status: Json): boolean {
  const old = (d.status ?? {}) as Json;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

function deploymentTimedOut(d: KubeObject, status: Json, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = findCondition(status.conditions, 'Progressing');
  if (!condition || condition.reason === 'NewReplicaSetAvailable') return false;
  if (condition.reason === 'ProgressDeadlineExceeded') return true;
  const from = Date.parse(condition.lastUpdateTime ?? condition.lastTransitionTime ?? '');
  return Number.isFinite(from) && from + ((d.spec as Json).progressDeadlineSeconds as number) * 1000 < now;
}

// --- the controller -------------------------------------------------------------------------------

interface ReplicaSets {
  newRS: KubeObject | undefined;
  oldRSs: KubeObject[];
}

export class DeploymentController extends WorkloadController {
  readonly name = 'deployment-controller';
  protected override workers = 3;

  private get deployments() {
    return this.informers.informer('apps', 'deployments');
  }

  private get replicaSets() {
    return this.informers.informer('apps', 'replicasets');
  }

  private get rsClient() {
    return this.client.resource('apps', 'replicasets');
  }

  setup(): void {
    this.watchOwn(this.deployments);
    this.watchChildren(this.replicaSets, 'Deployment', { informer: this.deployments, selectorOf: (d) => labelSelectorFromObject((d.spec as Json | undefined)?.selector) });
    // Recreate waits for the old pods to be gone: a pod going away may unblock it.
    this.informers.informer('', 'pods').addHandlers({
      delete: (pod) => {
        const rsRef = controllerOf(pod);
        if (rsRef?.kind !== 'ReplicaSet') return;
        const rs = this.replicaSets.get(pod.metadata.namespace, rsRef.name);
        const dRef = rs && controllerOf(rs);
        if (dRef?.kind === 'Deployment') this.queue.add(`${pod.metadata.namespace}/${dRef.name}`);
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    let d = this.deployments.getByKey(key);
    if (!d) return;
    d = cloneObject(d);
    const spec = (d.spec ?? {}) as Json;
    const selector = labelSelectorFromObject(spec.selector);
    if (!selector || selector.empty) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if (((d.status as Json | undefined)?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writeStatus(d, { ...((d.status ?? {}) as Json), observedGeneration: d.metadata.generation });
      }
      return;
    }
    const candidates = this.replicaSets.list(d.metadata.namespace);
    const rsList = await claimObjects(d, selector, candidates, this.rsClient);

    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (spec.paused) return this.sync(d, rsList);
    if (this.isScalingEvent(d, rsList)) return this.sync(d, rsList);
    return isRollingUpdate(d) ? this.rolloutRolling(d, rsList) : this.rolloutRecreate(d, rsList);
  }

  // --- finding and creating ReplicaSets

  private findNewReplicaSet(d: KubeObject, rsList: KubeObject[]): KubeObject | undefined {
    const template = (d.spec as Json).template;
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash((rs.spec as Json | undefined)?.template, template));
  }

  private async getAllReplicaSetsAndSyncRevision(d: KubeObject, rsList: KubeObject[], createIfMissing: boolean): Promise<ReplicaSets> {
    const existing = this.findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRS = await this.getNewReplicaSet(d, oldRSs, existing, createIfMissing);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(d: KubeObject, oldRSs: KubeObject[], existing: KubeObject | undefined, createIfMissing: boolean): Promise<KubeObject | undefined> {
    const maxOldRevision = Math.max(0, ...oldRSs.map(revisionOf));
    const newRevision = maxOldRevision + 1;
    const spec = d.spec as Json;
    if (existing) {
      const rsCopy = cloneObject(existing);
      const annotationsChanged = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReadySeconds = spec.minReadySeconds ?? 0;
      const minReadyChanged = ((rsCopy.spec as Json).minReadySeconds ?? 0) !== minReadySeconds;
      if (annotationsChanged || minReadyChanged) {
        (rsCopy.spec as Json).minReadySeconds = minReadySeconds;
        return this.rsClient.update(rsCopy);
      }
      await this.setDeploymentRevision(d, rsCopy.metadata.annotations?.[revisionAnnotation] ?? String(newRevision));
      if (hasProgressDeadline(d) && !findCondition((d.status as Json | undefined)?.conditions, 'Progressing')) {
        const status = { ...((d.status ?? {}) as Json) };
        status.conditions = setCondition(status.conditions, { type: 'Progressing', status: 'True', reason: 'FoundNewReplicaSet', message: `Found new replica set "${rsCopy.metadata.name}"`, lastUpdateTime: timestamp() });
        await this.writeStatus(d, status);
      }
      return rsCopy;
    }
    if (!createIfMissing) return undefined;

    const status = (d.status ?? {}) as Json;
    const hash = podTemplateHash(spec.template, status.collisionCount);
    const template: Json = cloneObject(spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [podTemplateHashLabel]: hash };
    const selector: Json = cloneObject(spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [podTemplateHashLabel]: hash };
    const newRS: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        ownerReferences: [newControllerRef(d)],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
    };
    const allRSs = [...oldRSs, newRS];
    const newReplicas = newRSNewReplicas(d, allRSs, newRS);
    (newRS.spec as Json).replicas = newReplicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);

    let createdRS: KubeObject;
    let alreadyExisted = false;
    try {
      createdRS = await this.rsClient.create(newRS);
    } catch (error) {
      if (error instanceof StatusError && error.code === 409 && error.reason === 'AlreadyExists') {
        const found = await this.rsClient.find(d.metadata.namespace, newRS.metadata.name!);
        if (found && controllerOf(found)?.uid === d.metadata.uid && equalIgnoreHash((found.spec as Json).template, spec.template)) {
          createdRS = found;
          alreadyExisted = true;
        } else {
          // A hash collision: count it so the next hash differs, and try again.
          await this.writeStatus(d, { ...status, collisionCount: (status.collisionCount ?? 0) + 1 });
          throw new Error(`hash collision for ReplicaSet ${newRS.metadata.name}; collisionCount bumped`);
        }
      } else if (namespaceTerminating(error)) {
        return undefined;
      } else {
        const message = `Failed to create new replica set "${newRS.metadata.name}": ${(error as Error).message}`;
        if (hasProgressDeadline(d)) {
          const next = { ...status, conditions: setCondition(status.conditions, { type: 'Progressing', status: 'False', reason: 'ReplicaSetCreateError', message, lastUpdateTime: timestamp() }) };
          await this.writeStatus(d, next);
        }
        this.recorder.event(d, 'Warning', 'ReplicaSetCreateError', message);
        throw error;
      }
    }
    if (!alreadyExisted && newReplicas > 0) {
      this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.metadata.name} from 0 to ${newReplicas}`);
    }
    await this.setDeploymentRevision(d, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const next = { ...((d.status ?? {}) as Json) };
      next.conditions = setCondition(next.conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${createdRS.metadata.name}"`, lastUpdateTime: timestamp() });
      await this.writeStatus(d, next);
    }
    return createdRS;
  }

  /** The revision annotation lives in metadata, so it is written through the main resource. */
  private async setDeploymentRevision(d: KubeObject, revision: string): Promise<boolean> {
    if (d.metadata.annotations?.[revisionAnnotation] === revision) return false;
    const updated = await this.client.resource('apps', 'deployments').modify(d.metadata.namespace, d.metadata.name!, (current) => {
      if (current.metadata.uid !== d.metadata.uid) throw new StatusError(409, 'Conflict', 'deployment replaced');
      current.metadata.annotations = { ...(current.metadata.annotations ?? {}), [revisionAnnotation]: revision };
      return current;
    });
    d.metadata.annotations = { ...(d.metadata.annotations ?? {}), [revisionAnnotation]: revision };
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
    return true;
  }

  private async writeStatus(d: KubeObject, status: Json): Promise<void> {
    const updated = await this.client.resource('apps', 'deployments').modify(d.metadata.namespace, d.metadata.name!, (current) => {
      if (current.metadata.uid !== d.metadata.uid) throw new StatusError(409, 'Conflict', 'deployment replaced');
      current.status = status;
      return current;
    }, { subresource: 'status' });
    d.status = updated.status;
  }

  // --- scaling

  private async scaleReplicaSet(rs: KubeObject, newScale: number, d: KubeObject, operation: 'up' | 'down'): Promise<{ scaled: boolean; rs: KubeObject }> {
    const sizeChanged = rsReplicas(rs) !== newScale;
    const copy = cloneObject(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return { scaled: false, rs };
    const oldScale = rsReplicas(rs);
    (copy.spec as Json).replicas = newScale;
    const updated = await this.rsClient.update(copy);
    if (sizeChanged) this.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${oldScale} to ${newScale}`);
    return { scaled: sizeChanged, rs: updated };
  }

  private async scaleReplicaSetAndRecordEvent(rs: KubeObject, newScale: number, d: KubeObject): Promise<{ scaled: boolean; rs: KubeObject }> {
    if (rsReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, d, rsReplicas(rs) < newScale ? 'up' : 'down');
  }

  private isScalingEvent(d: KubeObject, rsList: KubeObject[]): boolean {
    const existing = this.findNewReplicaSet(d, rsList);
    for (const rs of rsList.filter((r) => rsReplicas(r) > 0 || r === existing)) {
      if (rsReplicas(rs) === 0) continue;
      const desired = annotationNumber(rs, desiredReplicasAnnotation);
      if (desired !== undefined && desired !== replicasOf(d)) return true;
    }
    return false;
  }

  /** Scaling (or a paused deployment): resize proportionally, no rollout. */
  private async sync(d: KubeObject, rsList: KubeObject[]): Promise<ReconcileResult | void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if ((d.spec as Json).paused) await this.cleanupDeployment(oldRSs, d);
    const { newRS: freshNew, oldRSs: freshOld } = this.refreshed(newRS, oldRSs);
    return this.syncDeploymentStatus([...freshOld, ...(freshNew ? [freshNew] : [])], freshNew, d);
  }

  private async syncStatusOnly(d: KubeObject, rsList: KubeObject[]): Promise<ReconcileResult | void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    return this.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, d);
  }

  /** The latest cached copies of these ReplicaSets (after our own writes). */
  private refreshed(newRS: KubeObject | undefined, oldRSs: KubeObject[]): ReplicaSets {
    const fresh = (rs: KubeObject) => {
      const cached = this.replicaSets.get(rs.metadata.namespace, rs.metadata.name!);
      return cached && cached.metadata.uid === rs.metadata.uid && Number(cached.metadata.resourceVersion) >= Number(rs.metadata.resourceVersion) ? cached : rs;
    };
    return { newRS: newRS && fresh(newRS), oldRSs: oldRSs.map(fresh) };
  }

  private async scale(d: KubeObject, newRS: KubeObject | undefined, oldRSs: KubeObject[]): Promise<void> {
    const desired = replicasOf(d);
    const activeOrLatest = this.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (rsReplicas(activeOrLatest) !== desired) await this.scaleReplicaSetAndRecordEvent(activeOrLatest, desired, d);
      return;
    }
    // The new ReplicaSet is saturated: old ones can go.
    if (newRS && annotationNumber(newRS, desiredReplicasAnnotation) === desired && rsReplicas(newRS) === desired && rsStatus(newRS, 'availableReplicas') === desired) {
      for (const old of oldRSs.filter((rs) => rsReplicas(rs) > 0)) await this.scaleReplicaSetAndRecordEvent(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    // Proportional scaling of a rollout in progress.
    const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => rsReplicas(rs) > 0);
    const allowedSize = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowedSize - sum(allRSs, rsReplicas);
    if (toAdd === 0) return;
    const operation = toAdd > 0 ? 'up' : 'down';
    // Larger first; among equals, newer first when scaling up and older first when scaling down.
    allRSs.sort((a, b) => rsReplicas(b) - rsReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
    let added = 0;
    const sizes = new Map<KubeObject, number>();
    for (const rs of allRSs) {
      const proportion = this.proportion(rs, d, toAdd, added);
      sizes.set(rs, rsReplicas(rs) + proportion);
      added += proportion;
    }
    if (allRSs.length) {
      const first = allRSs[0]!;
      sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
    }
    for (const rs of allRSs) await this.scaleReplicaSet(rs, sizes.get(rs)!, d, operation);
  }

  private proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
    if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    let fraction: number;
    if (replicasOf(d) === 0) fraction = -rsReplicas(rs);
    else {
      const deploymentReplicas = replicasOf(d) + maxSurge(d);
      const annotated = annotationNumber(rs, maxReplicasAnnotation) ?? (((d.status as Json | undefined)?.replicas as number | undefined) ?? 0);
      fraction = annotated ? Math.round((rsReplicas(rs) * deploymentReplicas) / annotated) - rsReplicas(rs) : 0;
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private findActiveOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
    if (!newRS && !oldRSs.length) return undefined;
    const sortedOld = [...oldRSs].sort((a, b) => byCreation(b, a));
    const active = [...sortedOld, ...(newRS ? [newRS] : [])].filter((rs) => rsReplicas(rs) > 0);
    if (active.length === 0) return newRS ?? sortedOld[0];
    if (active.length === 1) return active[0];
    return undefined;
  }

  // --- strategies

  private async rolloutRolling(d: KubeObject, rsList: KubeObject[]): Promise<ReconcileResult | void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    let allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
    // Scale up the new ReplicaSet as far as maxSurge allows.
    if (newRS && rsReplicas(newRS) !== replicasOf(d)) {
      const target = rsReplicas(newRS) > replicasOf(d) ? replicasOf(d) : newRSNewReplicas(d, allRSs, newRS);
      const result = await this.scaleReplicaSetAndRecordEvent(newRS, target, d);
      newRS = result.rs;
      if (result.scaled) return this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
    }
    allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
    // Scale down old ReplicaSets as far as maxUnavailable allows.
    const scaledDown = await this.reconcileOldReplicaSets(allRSs, oldRSs.filter((rs) => rsReplicas(rs) > 0), newRS, d);
    ({ newRS, oldRSs } = this.refreshed(newRS, oldRSs));
    allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
    if (scaledDown) return this.syncRolloutStatus(allRSs, newRS, d);
    if (deploymentComplete(d, (d.status ?? {}) as Json)) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus(allRSs, newRS, d);
  }

  private async reconcileOldReplicaSets(allRSs: KubeObject[], oldRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): Promise<boolean> {
    const oldPods = sum(oldRSs, rsReplicas);
    if (oldPods === 0) return false;
    const allPods = sum(allRSs, rsReplicas);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = rsReplicas(newRS) - rsStatus(newRS, 'availableReplicas');
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // First take out unhealthy old replicas: they do not count towards availability anyway.
    let cleaned = 0;
    const survivors: KubeObject[] = [];
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown || rsReplicas(rs) === 0 || rsReplicas(rs) === rsStatus(rs, 'availableReplicas')) {
        survivors.push(rs);
        continue;
      }
      const count = Math.min(maxScaledDown - cleaned, rsReplicas(rs) - rsStatus(rs, 'availableReplicas'));
      const result = await this.scaleReplicaSetAndRecordEvent(rs, rsReplicas(rs) - count, d);
      cleaned += count;
      survivors.push(result.rs);
    }
    // Then scale down healthy ones, keeping minAvailable available.
    const available = sum([...survivors, newRS], (rs) => rsStatus(rs, 'availableReplicas'));
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...survivors].sort(byCreation)) {
        if (scaledDown >= total) break;
        if (rsReplicas(rs) === 0) continue;
        const count = Math.min(rsReplicas(rs), total - scaledDown);
        await this.scaleReplicaSetAndRecordEvent(rs, rsReplicas(rs) - count, d);
        scaledDown += count;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private async rolloutRecreate(d: KubeObject, rsList: KubeObject[]): Promise<ReconcileResult | void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let scaledDown = false;
    for (const rs of oldRSs.filter((r) => rsReplicas(r) > 0)) {
      if ((await this.scaleReplicaSetAndRecordEvent(rs, 0, d)).scaled) scaledDown = true;
    }
    ({ newRS, oldRSs } = this.refreshed(newRS, oldRSs));
    if (scaledDown) return this.syncRolloutStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, d);
    // Recreate: no new pod before every old one is gone.
    if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, d);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    if (newRS) newRS = (await this.scaleReplicaSetAndRecordEvent(newRS, replicasOf(d), d)).rs;
    if (deploymentComplete(d, (d.status ?? {}) as Json)) await this.cleanupDeployment(oldRSs, d);
    return this.syncRolloutStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, d);
  }

  private oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[]): boolean {
    if (sum(oldRSs, (rs) => rsStatus(rs, 'replicas')) > 0) return true;
    const pods = this.informers.informer('', 'pods');
    for (const rs of oldRSs) {
      if (rs === newRS) continue;
      for (const pod of pods.byIndex('controller', rs.metadata.uid!)) {
        if (!isPodTerminal(pod)) return true;
      }
    }
    return false;
  }

  /** Deletes the oldest idle ReplicaSets beyond revisionHistoryLimit. */
  private async cleanupDeployment(oldRSs: KubeObject[], d: KubeObject): Promise<void> {
    const limit = (d.spec as Json).revisionHistoryLimit;
    if (typeof limit !== 'number') return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      const observed = ((rs.status as Json | undefined)?.observedGeneration as number | undefined) ?? 0;
      if (rsStatus(rs, 'replicas') !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > observed) continue;
      try {
        await this.rsClient.delete(rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
      } catch (error) {
        if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
  }

  // --- status

  private calculateStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): Json {
    const available = sum(allRSs, (rs) => rsStatus(rs, 'availableReplicas'));
    const total = sum(allRSs, rsReplicas);
    const old = (d.status ?? {}) as Json;
    const status: Json = {
      observedGeneration: d.metadata.generation,
      replicas: sum(allRSs, (rs) => rsStatus(rs, 'replicas')),
      updatedReplicas: rsStatus(newRS, 'replicas'),
      readyReplicas: sum(allRSs, (rs) => rsStatus(rs, 'readyReplicas')),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    };
    if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
    for (const field of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) if (!status[field]) delete status[field];
    const now = timestamp();
    status.conditions = old.conditions ? cloneObject(old.conditions) : [];
    status.conditions =
      available >= replicasOf(d) - maxUnavailable(d)
        ? setCondition(status.conditions, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: now })
        : setCondition(status.conditions, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: now });
    return status;
  }

  /** Status for scaling and paused syncs: no progress estimation. */
  private async syncDeploymentStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): Promise<ReconcileResult | void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (!deepEqual(d.status ?? {}, status)) await this.writeStatus(d, status);
  }

  private async syncRolloutStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): Promise<ReconcileResult | void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    const now = Date.now();
    const stamp = timestamp(new Date(now));
    if (!hasProgressDeadline(d)) status.conditions = removeCondition(status.conditions, 'Progressing');
    const current = findCondition(status.conditions, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        status.conditions = setCondition(status.conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRS?.metadata.name}" has successfully progressed.`, lastUpdateTime: stamp });
      } else if (deploymentProgressing(d, status)) {
        const message = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
        const condition = { type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', message, lastUpdateTime: stamp, lastTransitionTime: current?.status === 'True' ? current.lastTransitionTime : stamp };
        // Progress refreshes lastUpdateTime even when the reason stays the same.
        status.conditions = [...removeCondition(status.conditions, 'Progressing'), condition];
      } else if (deploymentTimedOut(d, status, now)) {
        status.conditions = setCondition(status.conditions, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRS?.metadata.name}" has timed out progressing.`, lastUpdateTime: stamp });
      }
    }
    const failures = allRSs
      .map((rs) => findCondition((rs.status as Json | undefined)?.conditions, 'ReplicaFailure'))
      .filter((c): c is Json => Boolean(c && c.status === 'True'));
    if (failures.length) {
      const f = failures[0]!;
      status.conditions = setCondition(status.conditions, { type: 'ReplicaFailure', status: 'True', reason: f.reason, message: f.message, lastUpdateTime: f.lastTransitionTime, lastTransitionTime: f.lastTransitionTime });
    } else status.conditions = removeCondition(status.conditions, 'ReplicaFailure');
    if (!deepEqual(d.status ?? {}, status)) {
      await this.writeStatus(d, status);
      d.status = status;
    }
    return this.requeueStuck(d, status, now);
  }

  /** Looks again when the progress deadline would pass (requeueStuckDeployment). */
  private requeueStuck(d: KubeObject, status: Json, now: number): ReconcileResult | void {
    const current = findCondition(status.conditions, 'Progressing');
    if (!hasProgressDeadline(d) || !current) return;
    if (deploymentComplete(d, status) || current.reason === 'ProgressDeadlineExceeded') return;
    const from = Date.parse(current.lastUpdateTime ?? current.lastTransitionTime ?? '') || now;
    const after = from + ((d.spec as Json).progressDeadlineSeconds as number) * 1000 - now;
    return { requeueAfterMs: Math.max(after, 0) + 1000 };
  }

  private async checkPausedConditions(d: KubeObject): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const status = (d.status ?? {}) as Json;
    const current = findCondition(status.conditions, 'Progressing');
    if (current?.reason === 'ProgressDeadlineExceeded') return;
    const pausedCondition = current?.reason === 'DeploymentPaused';
    const paused = Boolean((d.spec as Json).paused);
    let conditions: Json[] | undefined;
    if (paused && !pausedCondition) conditions = setCondition(status.conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused', lastUpdateTime: timestamp() });
    else if (!paused && pausedCondition) conditions = setCondition(status.conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentResumed', message: 'Deployment is resumed', lastUpdateTime: timestamp() });
    if (conditions) await this.writeStatus(d, { ...status, conditions });
  }
}
