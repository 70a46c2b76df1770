// The versions Deployments were served in before apps/v1: extensions/v1beta1 (1.2–1.15),
// apps/v1beta1 (1.6–1.15) and apps/v1beta2 (1.8–1.15). Each kept its own defaults; the first two
// had spec.rollbackTo, which apps/v1 keeps in the deprecated.deployment.rollback.to annotation.
import { setAnnotation, takeAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';
import { defaultSelectorAndLabelsFromTemplate, maxInt32 } from './template-label-defaults.ts';

type Json = Record<string, any>;

export const rollbackAnnotation = 'deprecated.deployment.rollback.to';

/**
 * spec.rollbackTo (old versions) → the annotation apps/v1 keeps it in. Without rollbackTo a numeric
 * annotation goes (the client saw it as rollbackTo and dropped it); any other value was shown as
 * an annotation and stays.
 */
function rollbackToAnnotation(deployment: KubeObject): KubeObject {
  const spec = deployment.spec as Json | undefined;
  if (spec?.rollbackTo) {
    setAnnotation(deployment, rollbackAnnotation, String(spec.rollbackTo.revision ?? 0));
    delete spec.rollbackTo;
  } else if (/^-?\d+$/.test(deployment.metadata.annotations?.[rollbackAnnotation] ?? '')) {
    setAnnotation(deployment, rollbackAnnotation, undefined);
  }
  return deployment;
}

/** The annotation → spec.rollbackTo; an annotation that is not a number stays as it is. */
function rollbackFromAnnotation(stored: KubeObject): KubeObject {
  const text = stored.metadata.annotations?.[rollbackAnnotation];
  if (text === undefined || !/^-?\d+$/.test(text)) return stored;
  const deployment = cloneObject(stored);
  takeAnnotation(deployment, rollbackAnnotation);
  ((deployment.spec as Json | undefined) ??= {}).rollbackTo = { revision: Number(text) };
  return deployment;
}

interface OldDeploymentDefaults {
  /** maxSurge and maxUnavailable of a rolling update. */
  rollingStep: number | string;
  /** extensions filled rollingUpdate even for Recreate when one was given (validation then refuses it). */
  rollingUpdateWhenGiven: boolean;
  revisionHistoryLimit: number;
  progressDeadlineSeconds: number;
}

/** The defaults of extensions/v1beta1 and apps/v1beta1: a selector from the template, and their own numbers. */
function oldDeploymentDefaults(values: OldDeploymentDefaults): (deployment: KubeObject) => void {
  return (deployment) => {
    defaultSelectorAndLabelsFromTemplate(deployment);
    const spec = deployment.spec as Json;
    spec.replicas ??= 1;
    spec.strategy ??= {};
    spec.strategy.type ||= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate' || (values.rollingUpdateWhenGiven && spec.strategy.rollingUpdate)) {
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxUnavailable ??= values.rollingStep;
      spec.strategy.rollingUpdate.maxSurge ??= values.rollingStep;
    }
    spec.revisionHistoryLimit ??= values.revisionHistoryLimit;
    spec.progressDeadlineSeconds ??= values.progressDeadlineSeconds;
  };
}

const rollback = { rollback: { kind: 'DeploymentRollback', verbs: ['create'] } };

export const deploymentVersions: VersionDescription[] = [
  {
    version: 'v1beta2',
    scale: { group: 'apps', version: 'v1beta2' },
  },
  {
    version: 'v1beta1',
    scale: { group: 'apps', version: 'v1beta1' },
    subresources: rollback,
    defaults: oldDeploymentDefaults({ rollingStep: '25%', rollingUpdateWhenGiven: false, revisionHistoryLimit: 2, progressDeadlineSeconds: 600 }),
    toStored: rollbackToAnnotation,
    fromStored: rollbackFromAnnotation,
  },
  {
    group: 'extensions',
    version: 'v1beta1',
    scale: { group: 'extensions', version: 'v1beta1' },
    subresources: rollback,
    defaults: oldDeploymentDefaults({ rollingStep: 1, rollingUpdateWhenGiven: true, revisionHistoryLimit: maxInt32, progressDeadlineSeconds: maxInt32 }),
    toStored: rollbackToAnnotation,
    fromStored: rollbackFromAnnotation,
  },
];
