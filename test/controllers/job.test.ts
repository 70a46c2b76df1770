// Jobs, the TTL-after-finished controller and CronJobs in process. Pods end as their command
// would, played by the test-only kubelet stand-in (nothing runs pods until the kubelet-bridge).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { formatInZone, mostRecentScheduleTime, parseSchedule } from '../../controllers/cron-job.ts';
import { formatIndexes, parseIndexes } from '../../controllers/job.ts';
import { controllerFixture, eventually, type ControllerFixture } from './fixture.ts';

type Json = Record<string, any>;

function job(name: string, command: string[], spec: Json = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1', command }] } }, ...spec },
  };
}

const condition = (j: Json, type: string) => (j.status?.conditions ?? []).find((c: Json) => c.type === type && c.status === 'True');

describe('schedules', () => {
  it('finds the most recent and next times, with descriptors, @every and time zones', () => {
    const every5 = parseSchedule('*/5 * * * *');
    const r = mostRecentScheduleTime(every5, new Date('2024-01-01T00:00:00Z'), new Date('2024-01-01T00:17:30Z'));
    expect(r.recent?.toISOString()).toBe('2024-01-01T00:15:00.000Z');
    expect(r.missed).toBe(3);
    expect(r.next.toISOString()).toBe('2024-01-01T00:20:00.000Z');
    expect(parseSchedule('@hourly').next(new Date('2024-01-01T00:10:00Z')).toISOString()).toBe('2024-01-01T01:00:00.000Z');
    expect(parseSchedule('@every 90s').next(new Date('2024-01-01T00:00:00Z')).toISOString()).toBe('2024-01-01T00:01:30.000Z');
    expect(parseSchedule('0 9 * * *', 'Europe/Berlin').next(new Date('2024-01-01T00:00:00Z')).toISOString()).toBe('2024-01-01T08:00:00.000Z');
    expect(formatInZone(new Date('2024-07-01T07:00:00Z'), 'Europe/Berlin')).toBe('2024-07-01T09:00:00+02:00');
    expect(formatInZone(new Date('2024-07-01T07:00:00Z'), 'UTC')).toBe('2024-07-01T07:00:00Z');
    expect(() => parseSchedule('61 * * * *')).toThrow();
  });

  it('formats completed indexes as Kubernetes does', () => {
    expect(formatIndexes([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7,8');
    expect(parseIndexes('0-2,5,7,8')).toEqual([0, 1, 2, 5, 7, 8]);
  });
});

describe('job controller', () => {
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture();
  });
  afterAll(() => f.close());
  const jobs = () => f.admin.resource('batch', 'jobs');
  const events = async (ns: string) => (await f.admin.resource('', 'events').list(ns)).items as Json[];

  it('runs to completion with parallelism, tracking pods with a finalizer', async () => {
    const ns = await f.namespace('j1');
    await jobs().create({ ...job('work', ['sh', '-c', 'echo done'], { completions: 3, parallelism: 2 }), metadata: { name: 'work', namespace: ns } });
    const done = (await eventually(async () => {
      const j = (await jobs().get(ns, 'work')) as Json;
      return condition(j, 'Complete') ? j : undefined;
    }, 15_000, 'job complete')) as Json;
    expect(done.status).toMatchObject({ succeeded: 3, active: 0, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(done.status.startTime).toBeTruthy();
    expect(done.status.completionTime).toBeTruthy();
    expect(condition(done, 'SuccessCriteriaMet')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(condition(done, 'Complete')).toMatchObject({ reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    const pods = (await f.admin.resource('', 'pods').list(ns)).items;
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata.finalizers ?? []).not.toContain('batch.kubernetes.io/job-tracking');
      expect(pod.metadata.labels).toMatchObject({ 'job-name': 'work', 'batch.kubernetes.io/job-name': 'work', 'controller-uid': done.metadata.uid });
    }
    const reasons = (await eventually(async () => {
      const list = await events(ns);
      return list.some((e) => e.reason === 'Completed') ? list : undefined;
    })).map((e) => `${e.reason}: ${e.message}`);
    expect(reasons.filter((r) => r.startsWith('SuccessfulCreate: Created pod: work-'))).toHaveLength(3);
    expect(reasons).toContain('Completed: Job completed');
  });

  it('fails after backoffLimit with FailureTarget then Failed, and deletes with its TTL', async () => {
    const ns = await f.namespace('j2');
    await jobs().create({ ...job('bad', ['sh', '-c', 'exit 1'], { backoffLimit: 0, ttlSecondsAfterFinished: 1 }), metadata: { name: 'bad', namespace: ns } });
    const failed = (await eventually(async () => {
      const j = (await jobs().get(ns, 'bad')) as Json;
      return condition(j, 'Failed') ? j : undefined;
    }, 15_000, 'job failed')) as Json;
    expect(failed.status.failed).toBe(1);
    expect(condition(failed, 'FailureTarget')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect((await events(ns)).some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning')).toBe(true);
    await eventually(async () => !(await jobs().find(ns, 'bad')), 10_000, 'ttl deleted the job');
    await eventually(async () => (await f.admin.resource('', 'pods').list(ns)).items.length === 0, 10_000, 'pods deleted with the job');
  });

  it('runs Indexed jobs with one pod per completion index', async () => {
    const ns = await f.namespace('j3');
    await jobs().create({ ...job('idx', ['sh', '-c', 'echo $JOB_COMPLETION_INDEX'], { completions: 3, parallelism: 3, completionMode: 'Indexed' }), metadata: { name: 'idx', namespace: ns } });
    const done = (await eventually(async () => {
      const j = (await jobs().get(ns, 'idx')) as Json;
      return condition(j, 'Complete') ? j : undefined;
    }, 15_000)) as Json;
    expect(done.status.completedIndexes).toBe('0-2');
    expect(done.status.succeeded).toBe(3);
    const pods = (await f.admin.resource('', 'pods').list(ns)).items as Json[];
    expect(pods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort()).toEqual(['0', '1', '2']);
    for (const pod of pods) {
      const index = pod.metadata.labels['batch.kubernetes.io/job-completion-index'];
      expect(pod.metadata.name).toMatch(new RegExp(`^idx-${index}-`));
      expect(pod.spec.hostname).toBe(`idx-${index}`);
      expect(pod.spec.containers[0].env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['batch.kubernetes.io/job-completion-index']" } } });
    }
  });

  it('fails at activeDeadlineSeconds and honours suspend', async () => {
    const ns = await f.namespace('j4');
    await jobs().create({ ...job('slow', ['sleep', '3600'], { activeDeadlineSeconds: 1 }), metadata: { name: 'slow', namespace: ns } });
    const failed = (await eventually(async () => {
      const j = (await jobs().get(ns, 'slow')) as Json;
      return condition(j, 'Failed') ? j : undefined;
    }, 15_000)) as Json;
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });

    await jobs().create({ ...job('held', ['sh', '-c', 'true'], { suspend: true }), metadata: { name: 'held', namespace: ns } });
    const held = (await eventually(async () => {
      const j = (await jobs().get(ns, 'held')) as Json;
      return condition(j, 'Suspended') ? j : undefined;
    })) as Json;
    expect(condition(held, 'Suspended')).toMatchObject({ reason: 'JobSuspended', message: 'Job suspended' });
    expect(held.status.startTime).toBeUndefined();
    expect((await f.admin.resource('', 'pods').list(ns)).items.filter((p) => p.metadata.labels?.['job-name'] === 'held')).toHaveLength(0);
    await jobs().modify(ns, 'held', (j) => ({ ...j, spec: { ...(j.spec as Json), suspend: false } }));
    const resumed = (await eventually(async () => {
      const j = (await jobs().get(ns, 'held')) as Json;
      return condition(j, 'Complete') ? j : undefined;
    }, 15_000)) as Json;
    expect(resumed.status.conditions.find((c: Json) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed', message: 'Job resumed' });
  });

  it('fails the job at once on a podFailurePolicy FailJob rule', async () => {
    const ns = await f.namespace('j5');
    await jobs().create({
      ...job('policy', ['sh', '-c', 'exit 1'], { backoffLimit: 6, podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }),
      metadata: { name: 'policy', namespace: ns },
    });
    const failed = (await eventually(async () => {
      const j = (await jobs().get(ns, 'policy')) as Json;
      return condition(j, 'Failed') ? j : undefined;
    }, 15_000)) as Json;
    expect(condition(failed, 'Failed').reason).toBe('PodFailurePolicy');
    expect(condition(failed, 'Failed').message).toMatch(/^Container main for pod j5\/policy-[a-z0-9]{5} failed with exit code 1 matching FailJob rule at index 0$/);
  });
});

describe('cronjob controller', () => {
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture();
  });
  afterAll(() => f.close());

  it('creates jobs named by the scheduled minute, records status and keeps the history limits', async () => {
    const ns = await f.namespace('cj');
    const cronJobs = f.admin.resource('batch', 'cronjobs');
    // Created "in the past" so that a scheduled time has already passed: the controller starts the most recent one.
    await cronJobs.create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: ns },
      spec: { schedule: '* * * * *', successfulJobsHistoryLimit: 1, jobTemplate: { metadata: { labels: { from: 'tick' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1', command: ['sh', '-c', 'echo tick'] }] } } } } },
    });
    await f.core.storeFor('batch', 'cronjobs').guaranteedUpdate(ns, 'tick', (cj) => {
      (cj.status as Json).lastScheduleTime = new Date(Date.now() - 120_000).toISOString().slice(0, 19) + 'Z';
      return cj;
    }, { user: { username: 'admin', groups: ['system:masters'] }, subresource: 'status' });
    const created = (await eventually(async () => (await f.admin.resource('batch', 'jobs').list(ns)).items[0], 10_000, 'cron job fired')) as Json;
    const minute = Math.floor(Date.now() / 60_000);
    expect(created.metadata.name).toMatch(/^tick-\d+$/);
    expect(Number(created.metadata.name.slice(5))).toBeGreaterThanOrEqual(minute - 1);
    expect(created.metadata.labels).toEqual({ from: 'tick' });
    const scheduled = created.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    expect(scheduled).toBe(new Date(Number(created.metadata.name.slice(5)) * 60_000).toISOString().slice(0, 19) + 'Z');
    expect(created.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    const cj = (await eventually(async () => {
      const current = (await cronJobs.get(ns, 'tick')) as Json;
      return current.status.lastSuccessfulTime ? current : undefined;
    }, 15_000, 'cronjob saw the job complete')) as Json;
    expect(cj.status.lastScheduleTime).toBe(scheduled);
    expect(cj.status.active).toBeUndefined();
    const messages = (await f.admin.resource('', 'events').list(ns)).items.map((e) => `${e.reason}: ${e.message}`);
    expect(messages).toContain(`SuccessfulCreate: Created job ${created.metadata.name}`);
    expect(messages).toContain(`SawCompletedJob: Saw completed job: ${created.metadata.name}, condition: Complete`);
  });
});
