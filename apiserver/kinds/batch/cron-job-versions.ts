// The versions CronJobs were served in before batch/v1: batch/v1beta1 (1.8–1.24, the batch/v1 shape
// and defaults), batch/v2alpha1 (1.5–1.20: no history-limit defaults, and no spec.timeZone or
// status.lastSuccessfulTime, kept in an annotation so that a round trip loses nothing) and its
// 1.4 name, batch/v2alpha1 ScheduledJob.
import { setAnnotation, takeAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

/** Fields batch/v2alpha1 never had, as JSON `{"spec":{"timeZone":…},"status":{"lastSuccessfulTime":…}}`. */
export const v2alpha1FieldsAnnotation = 'versionless.k2.io/batch-v2alpha1-missing-fields';

function v2alpha1FromStored(stored: KubeObject): KubeObject {
  const spec = stored.spec as Json | undefined;
  const status = stored.status as Json | undefined;
  const kept: Json = {};
  if (spec?.timeZone !== undefined) kept.spec = { timeZone: spec.timeZone };
  if (status?.lastSuccessfulTime !== undefined) kept.status = { lastSuccessfulTime: status.lastSuccessfulTime };
  if (!Object.keys(kept).length) return stored;
  const cronJob = cloneObject(stored);
  delete (cronJob.spec as Json).timeZone;
  if (kept.status) delete (cronJob.status as Json).lastSuccessfulTime;
  setAnnotation(cronJob, v2alpha1FieldsAnnotation, JSON.stringify(kept));
  return cronJob;
}

function v2alpha1ToStored(cronJob: KubeObject): KubeObject {
  const text = takeAnnotation(cronJob, v2alpha1FieldsAnnotation);
  if (text === undefined) return cronJob;
  let kept: Json;
  try {
    kept = JSON.parse(text) as Json;
  } catch {
    return cronJob; // not ours to interpret: dropped, as Kubernetes drops malformed round-trip annotations
  }
  if (kept.spec?.timeZone !== undefined) ((cronJob.spec as Json | undefined) ??= {}).timeZone ??= kept.spec.timeZone;
  if (kept.status?.lastSuccessfulTime !== undefined) ((cronJob.status as Json | undefined) ??= {}).lastSuccessfulTime ??= kept.status.lastSuccessfulTime;
  return cronJob;
}

function v2alpha1Defaults(cronJob: KubeObject): void {
  const spec: Json = ((cronJob.spec as Json | undefined) ??= {});
  spec.concurrencyPolicy ||= 'Allow';
  spec.suspend ??= false;
}

export const cronJobVersions: VersionDescription[] = [
  {
    version: 'v1beta1',
    defaults(cronJob) {
      v2alpha1Defaults(cronJob);
      const spec = cronJob.spec as Json;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
    },
  },
  { version: 'v2alpha1', defaults: v2alpha1Defaults, toStored: v2alpha1ToStored, fromStored: v2alpha1FromStored },
  {
    version: 'v2alpha1',
    kind: 'ScheduledJob',
    plural: 'scheduledjobs',
    shortNames: [],
    categories: [],
    // 1.4's ScheduledJob is CronJob's shape under its first name.
    defaults: v2alpha1Defaults,
    toStored: v2alpha1ToStored,
    fromStored: v2alpha1FromStored,
  },
];
