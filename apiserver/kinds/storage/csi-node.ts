import { defineKind } from '../define.ts';

export const csiNodes = defineKind({
  group: 'storage.k8s.io',
  kind: 'CSINode',
  plural: 'csinodes',
  namespaced: false,
  versions: ['v1', 'v1beta1'],
});
