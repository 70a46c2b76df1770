// The versions StatefulSets were served in before apps/v1: apps/v1alpha1 PetSet (1.3–1.4, the same
// object under its first name), apps/v1beta1 (1.5–1.15, OnDelete by default, selector from the
// template) and apps/v1beta2 (1.8–1.15, the apps/v1 defaults).
import type { VersionDescription } from '../../registry/types.ts';
import { defaultSelectorAndLabelsFromTemplate } from './template-label-defaults.ts';

type Json = Record<string, any>;

export const statefulSetVersions: VersionDescription[] = [
  { version: 'v1beta2', scale: { group: 'apps', version: 'v1beta2' } },
  {
    version: 'v1beta1',
    scale: { group: 'apps', version: 'v1beta1' },
    defaults(sts) {
      defaultSelectorAndLabelsFromTemplate(sts);
      const spec = sts.spec as Json;
      spec.replicas ??= 1;
      spec.podManagementPolicy ||= 'OrderedReady';
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ||= 'OnDelete';
      // apps/v1beta1 defaulted the partition only of a rollingUpdate the client gave.
      if (spec.updateStrategy.type === 'RollingUpdate' && spec.updateStrategy.rollingUpdate) spec.updateStrategy.rollingUpdate.partition ??= 0;
      spec.revisionHistoryLimit ??= 10;
    },
  },
  {
    version: 'v1alpha1',
    kind: 'PetSet',
    plural: 'petsets',
    shortNames: [],
    categories: [],
    defaults(petSet) {
      defaultSelectorAndLabelsFromTemplate(petSet);
      (petSet.spec as Json).replicas ??= 1;
    },
  },
];
