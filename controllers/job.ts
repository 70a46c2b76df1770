// Job: runs pods until `completions` succeed (or, without completions, until one does), at most
// `parallelism` at once, recreating failed ones with exponential back-off until `backoffLimit`;
// `activeDeadlineSeconds`, `suspend`, Indexed completion mode, podFailurePolicy basics. Pods carry
// the `batch.kubernetes.io/job-tracking` finalizer: a finished pod is first recorded in
// status.uncountedTerminatedPods, then its finalizer is removed, then it is counted — so no pod is
// lost or counted twice (Kubernetes' finalizer-based tracking). Conditions as Kubernetes 1.33:
// SuccessCriteriaMet then Complete, FailureTarget then Failed.
import { cloneObject, deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { findCondition } from './conditions.ts';
import { removeFinalizer } from './finalizers.ts';
import type { ReconcileResult } from './controller.ts';
import { byControllerUid, claimObjects, controllerOf } from './controller-ref.ts';
import { objectKey } from './informer.ts';
import { isPodReady, podFromTemplate, podPhase, rankForDeletion } from './pods.ts';
import { namespaceTerminating, slowStartBatch } from './replica-set.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

export const jobTrackingFinalizer = 'batch.kubernetes.io/job-tracking';
export const completionIndexAnnotation = 'batch.kubernetes.io/job-completion-index';
const backoffBaseMs = 10_000;
const backoffMaxMs = 600_000;
const maxPodsPerSync = 500;

export function jobFinishedCondition(job: KubeObject): Json | undefined {
  return ((job.status as Json | undefined)?.conditions as Json[] | undefined)?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function completionIndex(pod: KubeObject): number | undefined {
  const value = pod.metadata.annotations?.[completionIndexAnnotation] ?? pod.metadata.labels?.[completionIndexAnnotation];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** `0-2,5` ↔ a sorted list of indexes (status.completedIndexes). */
export function formatIndexes(indexes: number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function parseIndexes(text: string | undefined): number[] {
  const result: number[] = [];
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const [from, to] = part.split('-').map(Number);
    for (let i = from!; i <= (to ?? from!); i++) result.push(i);
  }
  return result;
}

function terminatedState(pod: KubeObject): Json[] {
  return ((((pod.status as Json | undefined)?.containerStatuses ?? []) as Json[]).map((s) => ({ name: s.name, terminated: s.state?.terminated })).filter((s) => s.terminated)) as Json[];
}

function finishedAt(pod: KubeObject): number {
  const times = terminatedState(pod).map((s) => Date.parse(s.terminated.finishedAt ?? '') || 0);
  const ready = ((pod.status as Json | undefined)?.conditions as Json[] | undefined)?.find((c) => c.type === 'Ready');
  return Math.max(0, ...times, Date.parse(ready?.lastTransitionTime ?? '') || 0, Date.parse(pod.metadata.deletionTimestamp ?? '') || 0);
}

/** The first podFailurePolicy rule a failed pod matches: [action, index, message]. */
export function matchPodFailurePolicy(job: KubeObject, pod: KubeObject): { action: string; index: number; message: string } | undefined {
  const rules: Json[] = (job.spec as Json).podFailurePolicy?.rules ?? [];
  const conditions: Json[] = ((pod.status as Json | undefined)?.conditions ?? []) as Json[];
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    if (rule.onExitCodes) {
      const { containerName, operator, values } = rule.onExitCodes as { containerName?: string; operator: string; values: number[] };
      for (const { name, terminated } of terminatedState(pod)) {
        if (containerName && containerName !== name) continue;
        const code = terminated.exitCode as number;
        if (code === 0) continue;
        if ((operator === 'In') === values.includes(code)) {
          return { action: rule.action, index, message: `Container ${name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${code} matching ${rule.action} rule at index ${index}` };
        }
      }
    }
    for (const pattern of (rule.onPodConditions ?? []) as Json[]) {
      if (conditions.some((c) => c.type === pattern.type && c.status === (pattern.status ?? 'True'))) {
        return { action: rule.action, index, message: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${pattern.type} matching ${rule.action} rule at index ${index}` };
      }
    }
  }
  return undefined;
}

export class JobController extends WorkloadController {
  readonly name = 'job-controller';
  protected override workers = 3;

  private get jobs() {
    return this.informers.informer('batch', 'jobs');
  }

  private get pods() {
    return this.informers.informer('', 'pods');
  }

  setup(): void {
    this.pods.addIndex('controller', byControllerUid);
    this.watchOwn(this.jobs);
    // A deleted Job's pods lose their tracking finalizer.
    this.jobs.addHandlers({ delete: (job) => this.pods.byIndex('controller', job.metadata.uid!).forEach((pod) => this.queue.add(`orphan|${objectKey(pod)}`)) });
    const onPod = (pod: KubeObject) => {
      const ref = controllerOf(pod);
      if (ref?.kind === 'Job') {
        const job = this.jobs.get(pod.metadata.namespace, ref.name);
        if (job && job.metadata.uid === ref.uid && !jobFinishedCondition(job)) this.queue.add(objectKey(job));
        else if (pod.metadata.finalizers?.includes(jobTrackingFinalizer)) this.queue.add(`orphan|${objectKey(pod)}`);
        return;
      }
      if (!ref && pod.metadata.finalizers?.includes(jobTrackingFinalizer)) this.queue.add(`orphan|${objectKey(pod)}`);
      if (!ref) {
        for (const job of this.jobs.list(pod.metadata.namespace)) {
          if (labelSelectorFromObject((job.spec as Json | undefined)?.selector)?.matches(pod.metadata.labels)) this.queue.add(objectKey(job));
        }
      }
    };
    this.pods.addHandlers({ add: onPod, update: (_old, pod) => onPod(pod), delete: onPod });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    if (key.startsWith('orphan|')) return this.releaseOrphan(key.slice(7));
    const cached = this.jobs.getByKey(key);
    if (!cached || jobFinishedCondition(cached)) return;
    return new JobSync(this, cloneObject(cached)).run();
  }

  /** A pod whose Job is gone or finished keeps no tracking finalizer. */
  private async releaseOrphan(podKey: string): Promise<void> {
    const pod = this.pods.getByKey(podKey);
    if (!pod?.metadata.finalizers?.includes(jobTrackingFinalizer)) return;
    const ref = controllerOf(pod);
    if (ref && ref.kind === 'Job') {
      const job = this.jobs.get(pod.metadata.namespace, ref.name);
      if (job && job.metadata.uid === ref.uid && !jobFinishedCondition(job)) return;
    } else if (ref) return;
    await this.removeFinalizer(pod);
  }

  /** Removes the tracking finalizer; true when it is gone (or the pod is). */
  async removeFinalizer(pod: KubeObject): Promise<boolean> {
    await removeFinalizer(this.client.resource('', 'pods'), pod, jobTrackingFinalizer);
    return true;
  }

  // What one sync needs from the controller.
  get podClient() {
    return this.client.resource('', 'pods');
  }
  get jobClient() {
    return this.client.resource('batch', 'jobs');
  }
  get events() {
    return this.recorder;
  }
  podsIn(namespace: string): KubeObject[] {
    return this.pods.list(namespace);
  }
}

/** One pass of syncJob over a private copy of the Job. */
class JobSync {
  private readonly spec: Json;
  private readonly status: Json;
  /** The status as stored, to write only real changes. */
  private lastWritten: Json;
  private readonly now = Date.now();
  private requeueMs: number | undefined;

  constructor(
    private readonly controller: JobController,
    private readonly job: KubeObject,
  ) {
    this.spec = job.spec as Json;
    this.lastWritten = cloneObject((job.status ?? {}) as Json);
    this.status = (job.status ??= {}) as Json;
  }

  private get indexed(): boolean {
    return this.spec.completionMode === 'Indexed';
  }

  private get suspended(): boolean {
    return this.spec.suspend === true;
  }

  private isFailed(pod: KubeObject): boolean {
    if (podPhase(pod) === 'Failed') return true;
    if (this.spec.podFailurePolicy || this.spec.podReplacementPolicy === 'Failed') return false;
    return Boolean(pod.metadata.deletionTimestamp) && podPhase(pod) !== 'Succeeded';
  }

  private requeue(ms: number): void {
    this.requeueMs = this.requeueMs === undefined ? ms : Math.min(this.requeueMs, ms);
  }

  async run(): Promise<ReconcileResult | void> {
    const job = this.job;
    const selector = labelSelectorFromObject(this.spec.selector);
    const namespace = job.metadata.namespace!;
    let pods = selector ? await claimObjects(job, selector, this.controller.podsIn(namespace), this.controller.podClient, { adoptionFinalizer: jobTrackingFinalizer }) : [];
    const uncounted: Json = (this.status.uncountedTerminatedPods ??= {});
    const uncountedSucceeded = new Set<string>(uncounted.succeeded ?? []);
    const uncountedFailed = new Set<string>(uncounted.failed ?? []);
    const tracked = (pod: KubeObject) => pod.metadata.finalizers?.includes(jobTrackingFinalizer) && !uncountedSucceeded.has(pod.metadata.uid!) && !uncountedFailed.has(pod.metadata.uid!);
    const validIndex = (pod: KubeObject) => !this.indexed || ((completionIndex(pod) ?? -1) >= 0 && completionIndex(pod)! < this.spec.completions);
    const active = () => pods.filter((p) => !p.metadata.deletionTimestamp && podPhase(p) !== 'Succeeded' && podPhase(p) !== 'Failed');
    const counts = (pod: KubeObject) => !this.spec.podFailurePolicy || matchPodFailurePolicy(job, pod)?.action !== 'Ignore';
    const newSucceeded = pods.filter((p) => tracked(p) && validIndex(p) && podPhase(p) === 'Succeeded');
    const newFailed = pods.filter((p) => tracked(p) && validIndex(p) && this.isFailed(p));
    let succeeded = (this.status.succeeded ?? 0) + newSucceeded.length + uncountedSucceeded.size;
    const failed = (this.status.failed ?? 0) + newFailed.filter(counts).length + uncountedFailed.size;

    if (!this.status.startTime && !this.suspended) this.status.startTime = timestamp(new Date(this.now));

    // Why the Job ends, if it does now.
    let finished: Json | undefined = findCondition(this.status.conditions, 'SuccessCriteriaMet');
    if (!finished) {
      const target = findCondition(this.status.conditions, 'FailureTarget');
      if (target?.status === 'True') finished = target;
      else if (this.spec.podFailurePolicy) {
        for (const pod of pods.filter((p) => this.isFailed(p))) {
          const match = matchPodFailurePolicy(job, pod);
          if (match?.action === 'FailJob') {
            finished = this.condition('FailureTarget', 'PodFailurePolicy', match.message);
            break;
          }
        }
      }
    }
    if (!finished) {
      if (failed > (this.spec.backoffLimit ?? 6) || this.pastBackoffLimitOnFailure(pods)) finished = this.condition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      else if (this.pastActiveDeadline()) finished = this.condition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline');
      else if (typeof this.spec.activeDeadlineSeconds === 'number' && !this.suspended && this.status.startTime) {
        this.requeue(Date.parse(this.status.startTime) + this.spec.activeDeadlineSeconds * 1000 - this.now + 50);
      }
    }
    let succeededIndexes: number[] = [];
    if (this.indexed) {
      succeededIndexes = [...parseIndexes(this.status.completedIndexes), ...newSucceeded.map((p) => completionIndex(p)!)].filter((i) => i < this.spec.completions);
      succeeded = new Set(succeededIndexes).size;
    }

    let activeCount = active().length;
    if (finished) {
      // A failing Job stops its running pods (they keep their finalizer until counted).
      for (const pod of active()) await this.deletePod(pod, false);
    } else if (!job.metadata.deletionTimestamp) {
      pods = await this.manage(pods, active(), succeeded, succeededIndexes);
      activeCount = active().length;
      const complete = this.spec.completions === undefined || this.spec.completions === null ? succeeded > 0 && activeCount === 0 : succeeded >= this.spec.completions && activeCount === 0;
      if (complete) finished = this.condition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
      else this.syncSuspendedCondition();
    }
    this.status.active = activeCount;
    this.status.ready = active().filter(isPodReady).length;
    this.status.terminating = pods.filter((p) => p.metadata.deletionTimestamp && podPhase(p) !== 'Succeeded' && podPhase(p) !== 'Failed').length;
    await this.trackAndRemoveFinalizers(pods, finished, succeededIndexes);
    if (this.requeueMs !== undefined) return { requeueAfterMs: Math.max(this.requeueMs, 10) };
  }

  private condition(type: string, reason: string, message: string): Json {
    const now = timestamp(new Date(this.now));
    return { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message };
  }

  private setCondition(condition: Json): boolean {
    const list: Json[] = (this.status.conditions ??= []);
    const current = list.find((c) => c.type === condition.type);
    if (current) {
      if (current.status === condition.status && current.reason === condition.reason && current.message === condition.message) return false;
      Object.assign(current, condition);
      return true;
    }
    if (condition.status === 'False') return false;
    list.push(condition);
    return true;
  }

  private syncSuspendedCondition(): void {
    if (this.suspended) {
      if (this.setCondition(this.condition('Suspended', 'JobSuspended', 'Job suspended'))) this.controller.events.event(this.job, 'Normal', 'Suspended', 'Job suspended');
    } else if (this.setCondition({ ...this.condition('Suspended', 'JobResumed', 'Job resumed'), status: 'False' })) {
      this.controller.events.event(this.job, 'Normal', 'Resumed', 'Job resumed');
      this.status.startTime = timestamp(new Date(this.now));
    }
  }

  private pastBackoffLimitOnFailure(pods: KubeObject[]): boolean {
    if (this.spec.template?.spec?.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const pod of pods) {
      if (podPhase(pod) !== 'Running' && podPhase(pod) !== 'Pending') continue;
      const status = (pod.status ?? {}) as Json;
      for (const s of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
    }
    const limit = this.spec.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  private pastActiveDeadline(): boolean {
    if (typeof this.spec.activeDeadlineSeconds !== 'number' || !this.status.startTime || this.suspended) return false;
    return this.now - Date.parse(this.status.startTime) >= this.spec.activeDeadlineSeconds * 1000;
  }

  /** Milliseconds until failed pods may be replaced: 10 s doubled per consecutive failure, at most 10 min. */
  private backoffRemaining(pods: KubeObject[]): number {
    const lastSuccess = Math.max(0, ...pods.filter((p) => podPhase(p) === 'Succeeded').map(finishedAt));
    const failures = pods.filter((p) => this.isFailed(p) && finishedAt(p) >= lastSuccess);
    if (!failures.length) return 0;
    const delay = Math.min(backoffBaseMs * 2 ** (failures.length - 1), backoffMaxMs);
    return Math.max(0, Math.max(...failures.map(finishedAt)) + delay - this.now);
  }

  private async deletePod(pod: KubeObject, removeFinalizer: boolean): Promise<boolean> {
    try {
      if (removeFinalizer) await this.controller.removeFinalizer(pod);
      await this.controller.podClient.delete(pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      this.controller.events.event(this.job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
      return true;
    } catch (error) {
      if (error instanceof StatusError && error.code === 404) return true;
      this.controller.events.event(this.job, 'Warning', 'FailedDelete', `Error deleting: ${(error as Error).message}`);
      throw error;
    }
  }

  /** manageJob: delete extra pods or create missing ones. Returns the pods as they are now. */
  private async manage(pods: KubeObject[], active: KubeObject[], succeeded: number, succeededIndexes: number[]): Promise<KubeObject[]> {
    const deleted = new Set<string>();
    const without = () => pods.filter((p) => !deleted.has(p.metadata.uid!));
    if (this.suspended) {
      for (const pod of active) if (await this.deletePod(pod, true)) deleted.add(pod.metadata.uid!);
      return without();
    }
    const parallelism = this.spec.parallelism ?? 1;
    let wantActive: number;
    if (this.spec.completions === undefined || this.spec.completions === null) wantActive = succeeded > 0 ? active.length : parallelism;
    else wantActive = Math.max(0, Math.min(this.spec.completions - succeeded, parallelism));

    // Indexed: duplicates and out-of-range indexes go first.
    const remove: KubeObject[] = [];
    let keep = active;
    if (this.indexed) {
      const seen = new Set<number>();
      keep = [];
      for (const pod of active) {
        const index = completionIndex(pod);
        if (index === undefined || index >= this.spec.completions || seen.has(index) || succeededIndexes.includes(index)) remove.push(pod);
        else {
          seen.add(index);
          keep.push(pod);
        }
      }
    }
    const extra = keep.length - wantActive;
    if (extra > 0) remove.push(...rankForDeletion(keep).slice(0, extra));
    if (remove.length) {
      for (const pod of remove.slice(0, maxPodsPerSync)) if (await this.deletePod(pod, true)) deleted.add(pod.metadata.uid!);
      return without();
    }
    const terminating = this.spec.podReplacementPolicy === 'Failed' || this.spec.podFailurePolicy ? pods.filter((p) => p.metadata.deletionTimestamp && podPhase(p) !== 'Failed' && podPhase(p) !== 'Succeeded').length : 0;
    let diff = Math.min(wantActive - terminating - active.length, maxPodsPerSync);
    if (diff <= 0) return pods;
    const wait = this.backoffRemaining(pods);
    if (wait > 0) {
      this.requeue(wait + 50);
      return pods;
    }
    let indexes: number[] = [];
    if (this.indexed) {
      const taken = new Set([...succeededIndexes, ...active.map((p) => completionIndex(p)!)]);
      for (let i = 0; i < this.spec.completions && indexes.length < diff; i++) if (!taken.has(i)) indexes.push(i);
      diff = indexes.length;
    }
    const created: KubeObject[] = [];
    const result = await slowStartBatch(diff, async (n) => {
      const pod = this.podFor(indexes[n]);
      try {
        const made = await this.controller.podClient.create(pod);
        created.push(made);
        this.controller.events.event(this.job, 'Normal', 'SuccessfulCreate', `Created pod: ${made.metadata.name}`);
      } catch (error) {
        if (namespaceTerminating(error)) return;
        this.controller.events.event(this.job, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
        throw error;
      }
    });
    if (result.error) this.requeue(1000);
    return [...pods, ...created];
  }

  private podFor(index: number | undefined): KubeObject {
    const template: Json = cloneObject(this.spec.template ?? {});
    template.metadata ??= {};
    template.metadata.finalizers = [...new Set([...(template.metadata.finalizers ?? []), jobTrackingFinalizer])];
    let generateName: string | undefined;
    if (index !== undefined) {
      template.metadata.annotations = { ...(template.metadata.annotations ?? {}), [completionIndexAnnotation]: String(index) };
      template.metadata.labels = { ...(template.metadata.labels ?? {}), [completionIndexAnnotation]: String(index) };
      template.spec.hostname = `${this.job.metadata.name}-${index}`;
      generateName = `${this.job.metadata.name}-${index}-`;
      for (const container of [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])] as Json[]) {
        container.env = [...(container.env ?? []).filter((e: Json) => e.name !== 'JOB_COMPLETION_INDEX'), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.labels['${completionIndexAnnotation}']` } } }];
      }
    }
    return podFromTemplate(template, this.job, { generateName });
  }

  /**
   * trackJobStatusAndRemoveFinalizers: record finished pods as uncounted, remove their finalizers,
   * count them, then set the terminal condition once nothing is left uncounted or terminating.
   */
  private async trackAndRemoveFinalizers(pods: KubeObject[], finished: Json | undefined, succeededIndexes: number[]): Promise<void> {
    const uncounted: Json = this.status.uncountedTerminatedPods;
    const uncountedSucceeded: string[] = [...(uncounted.succeeded ?? [])];
    const uncountedFailed: string[] = [...(uncounted.failed ?? [])];
    const toRelease: KubeObject[] = [];
    const isFailureTarget = finished?.type === 'FailureTarget';
    for (const pod of pods) {
      const uid = pod.metadata.uid!;
      if (!pod.metadata.finalizers?.includes(jobTrackingFinalizer)) continue;
      const failedPod = this.isFailed(pod);
      const canRemove = Boolean(this.job.metadata.deletionTimestamp) || Boolean(finished) || podPhase(pod) === 'Succeeded' || failedPod;
      if (!canRemove) continue;
      toRelease.push(pod);
      if (uncountedSucceeded.includes(uid) || uncountedFailed.includes(uid)) continue;
      const index = completionIndex(pod);
      const inRange = !this.indexed || (index !== undefined && index < this.spec.completions);
      if (podPhase(pod) === 'Succeeded') {
        if (!this.indexed) uncountedSucceeded.push(uid);
      } else if ((failedPod || isFailureTarget) && inRange) {
        if (!this.spec.podFailurePolicy || matchPodFailurePolicy(this.job, pod)?.action !== 'Ignore') uncountedFailed.push(uid);
      }
    }
    if (this.indexed) {
      this.status.completedIndexes = formatIndexes(succeededIndexes);
      this.status.succeeded = new Set(succeededIndexes).size;
    }
    this.status.uncountedTerminatedPods = { ...(uncountedSucceeded.length ? { succeeded: uncountedSucceeded } : {}), ...(uncountedFailed.length ? { failed: uncountedFailed } : {}) };
    let final: Json | undefined;
    if (finished) {
      if (finished.type === 'FailureTarget' || finished.type === 'SuccessCriteriaMet') {
        this.setCondition(finished);
        final = this.condition(finished.type === 'FailureTarget' ? 'Failed' : 'Complete', finished.reason, finished.message);
      } else final = finished;
    }
    await this.writeStatus();
    // Remove the finalizers of what is now recorded, then count what was released.
    const released = new Set<string>();
    for (const pod of toRelease) if (await this.controller.removeFinalizer(pod)) released.add(pod.metadata.uid!);
    const stillSucceeded = uncountedSucceeded.filter((uid) => !released.has(uid) && pods.some((p) => p.metadata.uid === uid));
    const stillFailed = uncountedFailed.filter((uid) => !released.has(uid) && pods.some((p) => p.metadata.uid === uid));
    if (!this.indexed) this.status.succeeded = (this.status.succeeded ?? 0) + uncountedSucceeded.length - stillSucceeded.length;
    this.status.failed = (this.status.failed ?? 0) + uncountedFailed.length - stillFailed.length;
    this.status.uncountedTerminatedPods = { ...(stillSucceeded.length ? { succeeded: stillSucceeded } : {}), ...(stillFailed.length ? { failed: stillFailed } : {}) };
    let justFinished = false;
    if (final && !stillSucceeded.length && !stillFailed.length && this.status.terminating === 0) {
      this.setCondition(final);
      if (final.type === 'Complete') this.status.completionTime = final.lastTransitionTime;
      justFinished = true;
    } else if (final && this.status.terminating > 0) this.requeue(1000);
    await this.writeStatus();
    if (justFinished) {
      if (final!.type === 'Complete') {
        if (typeof this.spec.completions === 'number' && this.status.succeeded > this.spec.completions) {
          this.controller.events.event(this.job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
        }
        this.controller.events.event(this.job, 'Normal', 'Completed', 'Job completed');
      } else this.controller.events.event(this.job, 'Warning', final!.reason, final!.message);
    }
  }

  private async writeStatus(): Promise<void> {
    for (const field of ['succeeded', 'failed']) if (!this.status[field]) delete this.status[field];
    if (!this.status.completedIndexes && !this.indexed) delete this.status.completedIndexes;
    const wanted = cloneObject(this.status);
    if (deepEqual(this.lastWritten, wanted)) return;
    await this.controller.jobClient.modify(this.job.metadata.namespace, this.job.metadata.name!, (current) => {
      if (current.metadata.uid !== this.job.metadata.uid) throw new StatusError(409, 'Conflict', 'job replaced');
      current.status = wanted;
      return current;
    }, { subresource: 'status' });
    this.lastWritten = wanted;
  }
}
