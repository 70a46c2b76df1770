import { defineKind } from '../define.ts';

export const priorityClasses = defineKind({
  group: 'scheduling.k8s.io',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  namespaced: false,
  versions: ['v1'],
  shortNames: ['pc'],
});
