// The versions ReplicaSets were served in before apps/v1: extensions/v1beta1 (1.2–1.15, selector and
// labels defaulted from the template) and apps/v1beta2 (1.8–1.15). The shape never changed.
import type { VersionDescription } from '../../registry/types.ts';
import { defaultSelectorAndLabelsFromTemplate } from './template-label-defaults.ts';

export const replicaSetVersions: VersionDescription[] = [
  { version: 'v1beta2', scale: { group: 'apps', version: 'v1beta2' } },
  {
    group: 'extensions',
    version: 'v1beta1',
    scale: { group: 'extensions', version: 'v1beta1' },
    defaults(rs) {
      defaultSelectorAndLabelsFromTemplate(rs);
      (rs.spec as Record<string, unknown>).replicas ??= 1;
    },
  },
];
