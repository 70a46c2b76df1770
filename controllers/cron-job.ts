// CronJob: creates a Job `<cronjob>-<scheduled minutes since the epoch>` at each scheduled time (5
// fields or @descriptors, in spec.timeZone), honouring concurrencyPolicy (Allow/Forbid/Replace),
// startingDeadlineSeconds and suspend; keeps status.active/lastScheduleTime/lastSuccessfulTime and
// the successful/failed history limits, as Kubernetes' cronjob controller (v2) does.
import { CronExpressionParser } from 'cron-parser';
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { cloneObject, deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { ReconcileResult } from './controller.ts';
import { controllerOf, newControllerRef } from './controller-ref.ts';
import type { EventRecorder } from './events.ts';
import { objectKey, type InformerFactory } from './informer.ts';
import { jobFinishedCondition } from './job.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

const descriptorPatterns: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A schedule: the times it fires strictly after a given instant. */
export interface Schedule {
  next(after: Date): Date;
}

/** Parses a CronJob schedule as Kubernetes does (robfig/cron: 5 fields, @descriptors, @every). */
export function parseSchedule(text: string, timeZone = 'UTC'): Schedule {
  const trimmed = text.trim();
  if (trimmed.startsWith('@every ')) {
    let ms = 0;
    for (const [, value, unit] of trimmed.slice(7).trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(value) * durationUnits[unit!]!;
    if (ms < 1000) ms = 1000; // robfig/cron rounds @every up to at least one second
    return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + Math.floor(ms / 1000) * 1000) };
  }
  const pattern = descriptorPatterns[trimmed] ?? trimmed;
  CronExpressionParser.parse(pattern, { tz: timeZone }); // throws on a bad schedule
  return {
    next: (after) => CronExpressionParser.parse(pattern, { currentDate: after, tz: timeZone }).next().toDate(),
  };
}

/** RFC 3339 with the offset of `timeZone` at that instant (how the scheduled-timestamp annotation reads). */
export function formatInZone(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMinutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const text = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  if (offsetMinutes === 0) return `${text}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${text}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The latest schedule time in (earliest, now], how many were missed, and the next one after now. */
export function mostRecentScheduleTime(schedule: Schedule, earliest: Date, now: Date): { recent?: Date; missed: number; next: Date } {
  let recent: Date | undefined;
  let missed = 0;
  let t = schedule.next(earliest);
  while (t.getTime() <= now.getTime()) {
    recent = t;
    missed++;
    if (missed > 1000) {
      // Far behind: jump close to now rather than walking every missed time.
      const fromRecent = schedule.next(new Date(now.getTime() - 3_600_000));
      if (fromRecent.getTime() > t.getTime()) t = fromRecent;
    }
    t = schedule.next(t);
  }
  return { recent, missed, next: t };
}

export class CronJobController extends WorkloadController {
  readonly name = 'cronjob-controller';

  constructor(
    core: ApiCore,
    informers: InformerFactory,
    client: ApiClient,
    recorder: EventRecorder,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super(core, informers, client, recorder);
  }

  private get cronJobs() {
    return this.informers.informer('batch', 'cronjobs');
  }

  private get jobs() {
    return this.informers.informer('batch', 'jobs');
  }

  setup(): void {
    this.cronJobs.addHandlers({ add: (cj) => this.queue.add(objectKey(cj)), update: (_old, cj) => this.queue.add(objectKey(cj)) });
    this.watchChildren(this.jobs, 'CronJob');
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const cached = this.cronJobs.getByKey(key);
    if (!cached) return;
    const cj = cloneObject(cached);
    const spec = cj.spec as Json;
    const status = ((cj.status ??= {}) as Json);
    const before = cloneObject(status);
    const jobs = this.jobs.byIndex('controller', cj.metadata.uid!);
    const active: Json[] = [...(status.active ?? [])];
    const isActive = (uid: string) => active.some((ref) => ref.uid === uid);
    const removeActive = (uid: string) => active.splice(active.findIndex((ref) => ref.uid === uid), 1);

    for (const job of jobs) {
      const finished = jobFinishedCondition(job);
      if (!isActive(job.metadata.uid!) && !finished) {
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (isActive(job.metadata.uid!) && finished) {
        removeActive(job.metadata.uid!);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished.type}`);
      }
      const completion = (job.status as Json | undefined)?.completionTime;
      if (finished?.type === 'Complete' && completion && (!status.lastSuccessfulTime || Date.parse(completion) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = completion;
    }
    for (const ref of [...active]) {
      if (jobs.some((j) => j.metadata.uid === ref.uid)) continue;
      removeActive(ref.uid);
      this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    }
    status.active = active;

    let requeue: ReconcileResult | void = undefined;
    if (!cj.metadata.deletionTimestamp && !spec.suspend) requeue = await this.schedule(cj, spec, status, jobs);
    await this.cleanupFinishedJobs(cj, jobs);
    if (!status.active.length) delete status.active;
    if (!deepEqual(before, status)) {
      await this.client.resource('batch', 'cronjobs').modify(cj.metadata.namespace, cj.metadata.name!, (current) => {
        if (current.metadata.uid !== cj.metadata.uid) throw new StatusError(409, 'Conflict', 'cronjob replaced');
        current.status = status;
        return current;
      }, { subresource: 'status' });
    }
    return requeue;
  }

  private async schedule(cj: KubeObject, spec: Json, status: Json, jobs: KubeObject[]): Promise<ReconcileResult | void> {
    const timeZone = spec.timeZone || 'UTC';
    let schedule: Schedule;
    try {
      schedule = parseSchedule(spec.schedule, timeZone);
    } catch (error) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(error as Error).message}`);
      return;
    }
    const now = this.clock();
    let earliest = new Date(Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString()));
    if (typeof spec.startingDeadlineSeconds === 'number') {
      const limit = new Date(now.getTime() - spec.startingDeadlineSeconds * 1000);
      if (limit > earliest) earliest = limit;
    }
    const { recent, missed, next } = mostRecentScheduleTime(schedule, earliest, now);
    const requeue = { requeueAfterMs: Math.max(next.getTime() - now.getTime(), 0) + 100 };
    if (!recent) return requeue;
    if (missed > 100) {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    if (typeof spec.startingDeadlineSeconds === 'number' && recent.getTime() + spec.startingDeadlineSeconds * 1000 < now.getTime()) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${formatInZone(recent, timeZone)}`);
      return requeue;
    }
    const jobName = `${cj.metadata.name}-${Math.floor(recent.getTime() / 60_000)}`;
    if (jobs.some((j) => j.metadata.name === jobName) || status.active.some((ref: Json) => ref.name === jobName)) return requeue;
    if (spec.concurrencyPolicy === 'Forbid' && status.active.length) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue;
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...status.active]) {
        try {
          await this.client.resource('batch', 'jobs').delete(cj.metadata.namespace, ref.name, { propagationPolicy: 'Background', preconditions: { uid: ref.uid } });
          this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
        } catch (error) {
          if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
        }
        status.active = status.active.filter((r: Json) => r.uid !== ref.uid);
      }
    }
    const template: Json = cloneObject(spec.jobTemplate ?? {});
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
        namespace: cj.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [scheduledTimestampAnnotation]: formatInZone(recent, timeZone) },
        ownerReferences: [newControllerRef(cj)],
      },
      spec: template.spec ?? {},
    };
    let created: KubeObject;
    try {
      created = await this.client.resource('batch', 'jobs').create(job);
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
    } catch (error) {
      if (error instanceof StatusError && error.code === 409 && error.reason === 'AlreadyExists') {
        const existing = await this.client.resource('batch', 'jobs').find(cj.metadata.namespace, jobName);
        if (!existing || controllerOf(existing)?.uid !== cj.metadata.uid) return requeue;
        created = existing;
      } else {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(error as Error).message}`);
        throw error;
      }
    }
    status.active.push({ kind: 'Job', namespace: created.metadata.namespace, name: created.metadata.name, uid: created.metadata.uid, apiVersion: 'batch/v1', resourceVersion: created.metadata.resourceVersion });
    status.lastScheduleTime = timestamp(recent);
    return requeue;
  }

  /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
  private async cleanupFinishedJobs(cj: KubeObject, jobs: KubeObject[]): Promise<void> {
    const spec = cj.spec as Json;
    const started = (job: KubeObject) => Date.parse((job.status as Json | undefined)?.startTime ?? job.metadata.creationTimestamp ?? '') || 0;
    for (const [type, limit] of [
      ['Complete', spec.successfulJobsHistoryLimit],
      ['Failed', spec.failedJobsHistoryLimit],
    ] as const) {
      if (typeof limit !== 'number') continue;
      const finished = jobs.filter((j) => jobFinishedCondition(j)?.type === type && !j.metadata.deletionTimestamp).sort((a, b) => started(a) - started(b));
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
        try {
          await this.client.resource('batch', 'jobs').delete(job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
          this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
        } catch (error) {
          if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
        }
      }
    }
  }
}
