import { setAnnotation } from '../../registry/conversion.ts';
import { deepEqual } from '../../registry/object-meta.ts';
import { defineKind } from '../define.ts';
import { defaultPodSpec } from '../core/pod-spec.ts';
import { validateWorkload } from './workload.ts';
import { daemonSetVersions, templateGenerationAnnotation } from './daemon-set-versions.ts';

type Json = Record<string, any>;

export const daemonSets = defineKind({
  group: 'apps',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  versions: ['v1', ...daemonSetVersions],
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
    // The template generation extensions/v1beta1 showed as spec.templateGeneration starts at 1.
    if (!(Number(ds.metadata.annotations?.[templateGenerationAnnotation]) >= 1)) setAnnotation(ds, templateGenerationAnnotation, '1');
  },
  prepareForUpdate(ds, old) {
    // Clients cannot set it; a new pod template counts one more.
    const previous = Number(old.metadata.annotations?.[templateGenerationAnnotation] ?? 0) || 0;
    const changed = !deepEqual((ds.spec as Json | undefined)?.template, (old.spec as Json | undefined)?.template);
    setAnnotation(ds, templateGenerationAnnotation, String(changed ? previous + 1 : previous || 1));
  },
  validate: (ds, old) => validateWorkload(ds as Json, old as Json | undefined, { replicas: false }),
});
