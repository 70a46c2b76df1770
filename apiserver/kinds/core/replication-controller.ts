import { fieldError } from '../../registry/field-errors.ts';
import { defineKind } from '../define.ts';
import { defaultPodSpec, validatePodTemplate } from './pod-spec.ts';

type Json = Record<string, any>;

export const replicationControllers = defineKind({
  group: '',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  shortNames: ['rc'],
  categories: ['all'],
  namespaced: true,
  versions: [
    'v1',
    // extensions/v1beta1 (1.2–1.15) served only the scale subresource of ReplicationControllers, under a placeholder kind.
    { group: 'extensions', version: 'v1beta1', kind: 'ReplicationControllerDummy', verbs: [], scale: { group: 'extensions', version: 'v1beta1' } },
  ],
  status: true,
  generation: true,
  scale: { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['status', 'selector'] },
  defaults(rc) {
    const spec: Json = ((rc.spec as Json | undefined) ??= {});
    const templateLabels = spec.template?.metadata?.labels;
    if (templateLabels) {
      if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
      if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0) rc.metadata.labels = { ...templateLabels };
    }
    spec.replicas ??= 1;
    defaultPodSpec(spec.template?.spec);
  },
  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
  },
  validate(rc) {
    const spec: Json = (rc.spec as Json) ?? {};
    const causes = validatePodTemplate(spec.template, 'spec.template', { restartPolicies: ['Always'] });
    if (typeof spec.replicas === 'number' && spec.replicas < 0) causes.push(fieldError.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
    return causes;
  },
});
