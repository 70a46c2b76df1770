import { defineKind } from '../define.ts';
import { defaultPodSpec } from '../core/pod-spec.ts';
import { validateWorkload } from './workload.ts';
import { replicaSetVersions } from './replica-set-versions.ts';

type Json = Record<string, any>;

export const replicaSets = defineKind({
  group: 'apps',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1', ...replicaSetVersions],
  status: true,
  generation: true,
  scale: { specReplicasPath: ['spec', 'replicas'], statusReplicasPath: ['status', 'replicas'], labelSelectorPath: ['spec', 'selector'] },
  defaults(rs) {
    const spec: Json = ((rs.spec as Json | undefined) ??= {});
    spec.replicas ??= 1;
    defaultPodSpec(spec.template?.spec);
  },
  prepareForCreate(rs) {
    rs.status = { replicas: 0 };
  },
  validate: (rs, old) => validateWorkload(rs as Json, old as Json | undefined, { replicas: true }),
});
