// VolumeAttributesClass: storage.k8s.io/v1alpha1 (1.29–) and v1beta1 (1.31–), the same shape; stored
// in v1beta1, the newest version the schema facts describe.
import { defineKind } from '../define.ts';

export const volumeAttributesClasses = defineKind({
  group: 'storage.k8s.io',
  kind: 'VolumeAttributesClass',
  plural: 'volumeattributesclasses',
  shortNames: ['vac'],
  namespaced: false,
  versions: ['v1beta1', 'v1alpha1'],
});
