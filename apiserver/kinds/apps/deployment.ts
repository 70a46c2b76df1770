import { fieldError } from '../../registry/field-errors.ts';
import { defineKind, defaultField } from '../define.ts';
import { defaultPodSpec } from '../core/pod-spec.ts';
import { validateWorkload } from './workload.ts';
import { deploymentVersions } from './deployment-versions.ts';

type Json = Record<string, any>;

export const deployments = defineKind({
  group: 'apps',
  kind: 'Deployment',
  plural: 'deployments',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1', ...deploymentVersions],
  status: true,
  generation: true,
  scale: { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['spec', 'selector'] },
  defaults(deployment) {
    const spec: Json = ((deployment.spec as Json | undefined) ??= {});
    spec.replicas ??= 1;
    spec.strategy ??= {};
    defaultField(spec.strategy, 'type', 'RollingUpdate');
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      spec.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultPodSpec(spec.template?.spec);
  },
  validate(deployment, old) {
    const spec: Json = (deployment.spec as Json) ?? {};
    const causes = validateWorkload(deployment as Json, old as Json | undefined, { replicas: true });
    const type = spec.strategy?.type;
    if (type && type !== 'RollingUpdate' && type !== 'Recreate') causes.push(fieldError.notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
    if (type === 'Recreate' && spec.strategy.rollingUpdate) causes.push(fieldError.forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
    if (typeof spec.progressDeadlineSeconds === 'number' && typeof spec.minReadySeconds === 'number' && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
      causes.push(fieldError.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
    return causes;
  },
});
