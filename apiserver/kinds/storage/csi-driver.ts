import { defineKind } from '../define.ts';

export const csiDrivers = defineKind({
  group: 'storage.k8s.io',
  kind: 'CSIDriver',
  plural: 'csidrivers',
  namespaced: false,
  versions: ['v1'],
});
