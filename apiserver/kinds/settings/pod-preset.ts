// settings.k8s.io/v1alpha1 PodPreset (1.6–1.19): env, volumes and mounts injected into matching pods
// by an admission plugin; removed without a successor. Stored and served so that manifests still
// apply; k2 injects nothing.
import { defineKind } from '../define.ts';

export const podPresets = defineKind({
  group: 'settings.k8s.io',
  kind: 'PodPreset',
  plural: 'podpresets',
  namespaced: true,
  versions: ['v1alpha1'],
});
