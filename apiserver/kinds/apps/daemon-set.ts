import { defineKind } from '../define.ts';
import { defaultPodSpec } from '../core/pod-spec.ts';
import { validateWorkload } from './workload.ts';

type Json = Record<string, any>;

export const daemonSets = defineKind({
  group: 'apps',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1'],
  status: true,
  generation: true,
  defaults(ds) {
    const spec: Json = ((ds.spec as Json | undefined) ??= {});
    spec.updateStrategy ??= {};
    spec.updateStrategy.type ||= 'RollingUpdate';
    if (spec.updateStrategy.type === 'RollingUpdate') {
      spec.updateStrategy.rollingUpdate ??= {};
      spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultPodSpec(spec.template?.spec);
  },
  prepareForCreate(ds) {
    ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  validate: (ds, old) => validateWorkload(ds as Json, old as Json | undefined, { replicas: false }),
});
