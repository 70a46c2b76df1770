import { fieldError } from '../../registry/field-errors.ts';
import { defineKind } from '../define.ts';
import { defaultPodSpec } from '../core/pod-spec.ts';
import { validateWorkload } from './workload.ts';
import { statefulSetVersions } from './stateful-set-versions.ts';

type Json = Record<string, any>;

export const statefulSets = defineKind({
  group: 'apps',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1', ...statefulSetVersions],
  status: true,
  generation: true,
  scale: { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['spec', 'selector'] },
  defaults(sts) {
    const spec: Json = ((sts.spec as Json | undefined) ??= {});
    spec.replicas ??= 1;
    spec.podManagementPolicy ||= 'OrderedReady';
    spec.updateStrategy ??= {};
    spec.updateStrategy.type ||= 'RollingUpdate';
    if (spec.updateStrategy.type === 'RollingUpdate') {
      spec.updateStrategy.rollingUpdate ??= {};
      spec.updateStrategy.rollingUpdate.partition ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    spec.persistentVolumeClaimRetentionPolicy ??= {};
    spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= 'Retain';
    spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= 'Retain';
    for (const claim of spec.volumeClaimTemplates ?? []) {
      claim.spec ??= {};
      claim.spec.volumeMode ||= 'Filesystem';
      claim.status ??= { phase: 'Pending' };
      claim.apiVersion ??= 'v1';
      claim.kind ??= 'PersistentVolumeClaim';
    }
    defaultPodSpec(spec.template?.spec);
  },
  prepareForCreate(sts) {
    sts.status = { replicas: 0, availableReplicas: 0 };
  },
  validate(sts, old) {
    const spec: Json = (sts.spec as Json) ?? {};
    const causes = validateWorkload(sts as Json, old as Json | undefined, { replicas: true });
    if (!['OrderedReady', 'Parallel'].includes(spec.podManagementPolicy)) causes.push(fieldError.notSupported('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
    if (old) {
      // Only these fields of a StatefulSet spec may change (Kubernetes' message).
      const mutable = ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit'];
      const strip = (s: Json) => Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !mutable.includes(k)));
      if (JSON.stringify(strip(spec)) !== JSON.stringify(strip((old.spec as Json) ?? {}))) {
        causes.push(
          fieldError.forbidden(
            'spec',
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
          ),
        );
      }
    }
    return causes;
  },
});
