import { defineKind } from '../define.ts';
import { defaultPriorityLevel, priorityLevelConfigurationVersions } from './priority-level-configuration-versions.ts';

export const priorityLevelConfigurations = defineKind({
  group: 'flowcontrol.apiserver.k8s.io',
  kind: 'PriorityLevelConfiguration',
  plural: 'prioritylevelconfigurations',
  namespaced: false,
  versions: ['v1', ...priorityLevelConfigurationVersions],
  status: true,
  generation: true,
  defaults: defaultPriorityLevel,
});
