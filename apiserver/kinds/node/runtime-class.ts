import { defineKind } from '../define.ts';

export const runtimeClasses = defineKind({
  group: 'node.k8s.io',
  kind: 'RuntimeClass',
  plural: 'runtimeclasses',
  namespaced: false,
  versions: ['v1'],
});
