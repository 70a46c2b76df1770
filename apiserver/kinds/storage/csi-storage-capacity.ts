import { defineKind } from '../define.ts';

export const csiStorageCapacities = defineKind({
  group: 'storage.k8s.io',
  kind: 'CSIStorageCapacity',
  plural: 'csistoragecapacities',
  namespaced: true,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
});
