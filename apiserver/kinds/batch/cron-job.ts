import { fieldError } from '../../registry/field-errors.ts';
import { defineKind } from '../define.ts';
import { defaultPodSpec } from '../core/pod-spec.ts';
import { validateJobSpec } from './job.ts';
import { cronScheduleError } from './cron-schedule.ts';
import { cronJobVersions } from './cron-job-versions.ts';

type Json = Record<string, any>;

export const cronJobs = defineKind({
  group: 'batch',
  kind: 'CronJob',
  plural: 'cronjobs',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1', ...cronJobVersions],
  status: true,
  generation: true,
  defaults(cronJob) {
    const spec: Json = ((cronJob.spec as Json | undefined) ??= {});
    spec.concurrencyPolicy ||= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    defaultPodSpec(spec.jobTemplate?.spec?.template?.spec);
  },
  prepareForCreate(cronJob) {
    cronJob.status = {};
  },
  validate(cronJob) {
    const spec: Json = (cronJob.spec as Json) ?? {};
    const causes = [];
    if (!spec.schedule) causes.push(fieldError.required('spec.schedule', ''));
    else {
      const problem = cronScheduleError(spec.schedule);
      if (problem) causes.push(fieldError.invalid('spec.schedule', spec.schedule, problem));
    }
    if (spec.timeZone) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: spec.timeZone });
      } catch {
        causes.push(fieldError.invalid('spec.timeZone', spec.timeZone, 'unknown time zone ' + spec.timeZone));
      }
    }
    if (!['Allow', 'Forbid', 'Replace'].includes(spec.concurrencyPolicy)) causes.push(fieldError.notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, ['Allow', 'Forbid', 'Replace']));
    if (!spec.jobTemplate) causes.push(fieldError.required('spec.jobTemplate', ''));
    else causes.push(...validateJobSpec(spec.jobTemplate.spec ?? {}, 'spec.jobTemplate.spec'));
    return causes;
  },
});
