import { fieldError } from '../../registry/field-errors.ts';
import { deepEqual } from '../../registry/object-meta.ts';
import { labelSelectorFromObject } from '../../registry/selectors.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind } from '../define.ts';
import { defaultPodSpec, validatePodTemplate } from '../core/pod-spec.ts';
import { jobVersions } from './job-versions.ts';

type Json = Record<string, any>;

/** Job defaults, shared with CronJob's jobTemplate only for the pod template (as in Kubernetes). */
export function defaultJobSpec(spec: Json): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ||= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ||= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  spec.manualSelector ??= undefined;
  defaultPodSpec(spec.template?.spec);
}

export function validateJobSpec(spec: Json, path: string): StatusCause[] {
  const causes = validatePodTemplate(spec.template, `${path}.template`, { restartPolicies: ['OnFailure', 'Never'] });
  const restartPolicy = spec.template?.spec?.restartPolicy;
  if (restartPolicy === 'Always') {
    causes.splice(
      causes.findIndex((c) => c.field === `${path}.template.spec.restartPolicy`),
      1,
      fieldError.required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'),
    );
  }
  for (const field of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) {
    if (typeof spec[field] === 'number' && spec[field] < (field === 'activeDeadlineSeconds' ? 1 : 0)) {
      causes.push(fieldError.invalid(`${path}.${field}`, spec[field], field === 'activeDeadlineSeconds' ? 'must be greater than 0' : 'must be greater than or equal to 0'));
    }
  }
  if (spec.completionMode && !['NonIndexed', 'Indexed'].includes(spec.completionMode)) causes.push(fieldError.notSupported(`${path}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) causes.push(fieldError.required(`${path}.completions`, 'when completion mode is Indexed'));
  return causes;
}

export const jobs = defineKind({
  group: 'batch',
  kind: 'Job',
  plural: 'jobs',
  categories: ['all'],
  namespaced: true,
  versions: ['v1', ...jobVersions],
  status: true,
  generation: true,
  fieldSelectors: { 'status.successful': (job) => String((job.status as Json | undefined)?.succeeded ?? 0) },
  defaults(job) {
    const spec: Json = ((job.spec as Json | undefined) ??= {});
    const templateLabels = spec.template?.metadata?.labels;
    if (templateLabels && (!job.metadata.labels || Object.keys(job.metadata.labels).length === 0)) job.metadata.labels = { ...templateLabels };
    defaultJobSpec(spec);
  },
  prepareForCreate(job) {
    // Unless the user manages the selector, a Job selects its pods by its own uid.
    const spec: Json = job.spec as Json;
    if (!spec.manualSelector) {
      const uid = job.metadata.uid!;
      const name = job.metadata.name!;
      spec.template ??= {};
      spec.template.metadata ??= {};
      spec.template.metadata.labels = {
        ...spec.template.metadata.labels,
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name,
      };
      spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    }
    job.status = {};
  },
  validate(job, old) {
    const spec: Json = (job.spec as Json) ?? {};
    const causes = validateJobSpec(spec, 'spec');
    if (!spec.selector) causes.push(fieldError.required('spec.selector', ''));
    else if (!labelSelectorFromObject(spec.selector)?.matches(spec.template?.metadata?.labels)) {
      causes.push(fieldError.invalid('spec.template.metadata.labels', spec.template?.metadata?.labels, '`selector` does not match template `labels`'));
    }
    if (old) {
      const oldSpec: Json = (old.spec as Json) ?? {};
      if (!deepEqual(spec.selector, oldSpec.selector)) causes.push(fieldError.immutable('spec.selector', spec.selector));
      if (spec.completions !== oldSpec.completions && spec.completionMode !== 'Indexed') causes.push(fieldError.immutable('spec.completions', spec.completions));
      if (!deepEqual(spec.template, oldSpec.template) && !oldSpec.suspend) causes.push(fieldError.immutable('spec.template', spec.template));
    }
    return causes;
  },
});
