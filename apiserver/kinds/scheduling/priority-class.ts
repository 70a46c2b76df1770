import { defineKind } from '../define.ts';

export const priorityClasses = defineKind({
  group: 'scheduling.k8s.io',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  namespaced: false,
  // v1beta1 (1.11–1.21) and v1alpha1 (1.8–1.16) had v1's shape and default.
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  shortNames: ['pc'],
  defaults(priorityClass) {
    priorityClass.preemptionPolicy ||= 'PreemptLowerPriority';
  },
});
