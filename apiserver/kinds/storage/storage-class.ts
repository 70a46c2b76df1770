import { defineKind } from '../define.ts';

export const storageClasses = defineKind({
  group: 'storage.k8s.io',
  kind: 'StorageClass',
  plural: 'storageclasses',
  namespaced: false,
  versions: ['v1'],
  shortNames: ['sc'],
});
