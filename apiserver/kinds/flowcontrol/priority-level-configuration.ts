import { defineKind } from '../define.ts';

export const priorityLevelConfigurations = defineKind({
  group: 'flowcontrol.apiserver.k8s.io',
  kind: 'PriorityLevelConfiguration',
  plural: 'prioritylevelconfigurations',
  namespaced: false,
  versions: ['v1'],
  status: true,
  generation: true,
});
