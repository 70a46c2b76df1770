// What Deployments, ReplicaSets, StatefulSets and DaemonSets share: a selector that must match the
// template's labels and cannot change, a valid pod template, and non-negative replicas.
import type { StatusCause } from '../../status.ts';
import { fieldError } from '../../registry/field-errors.ts';
import { deepEqual } from '../../registry/object-meta.ts';
import { labelSelectorFromObject, type LabelSelectorObject } from '../../registry/selectors.ts';
import { validatePodTemplate } from '../core/pod-spec.ts';

type Json = Record<string, any>;

/** Go's %#v of a label map, as Kubernetes prints it in messages. */
function goLabelMap(labels: Record<string, string> | undefined): string {
  const entries = Object.keys(labels ?? {})
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify(labels![key])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

export function validateWorkload(object: Json, old: Json | undefined, options: { replicas: boolean; restartPolicies?: string[] }): StatusCause[] {
  const spec: Json = object.spec ?? {};
  const causes: StatusCause[] = [];
  const selector = spec.selector as LabelSelectorObject | undefined;
  if (!selector) causes.push(fieldError.required('spec.selector', ''));
  else {
    const parsed = labelSelectorFromObject(selector);
    if (parsed?.empty) causes.push(fieldError.invalid('spec.selector', selector, 'empty selector is invalid for deployment'));
    const labels = spec.template?.metadata?.labels as Record<string, string> | undefined;
    if (parsed && !parsed.empty && !parsed.matches(labels)) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${goLabelMap(labels)}: \`selector\` does not match template \`labels\`` });
    }
  }
  causes.push(...validatePodTemplate(spec.template, 'spec.template', { restartPolicies: options.restartPolicies ?? ['Always'] }));
  if (options.replicas && spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    causes.push(fieldError.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  if (typeof spec.revisionHistoryLimit === 'number' && spec.revisionHistoryLimit < 0) causes.push(fieldError.invalid('spec.revisionHistoryLimit', spec.revisionHistoryLimit, 'must be greater than or equal to 0'));
  if (typeof spec.minReadySeconds === 'number' && spec.minReadySeconds < 0) causes.push(fieldError.invalid('spec.minReadySeconds', spec.minReadySeconds, 'must be greater than or equal to 0'));
  if (old && selector && !deepEqual(selector, old.spec?.selector)) {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: `Invalid value: ${JSON.stringify(selector)}: field is immutable` });
  }
  return causes;
}
