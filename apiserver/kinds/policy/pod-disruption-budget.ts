import { defineKind } from '../define.ts';
import { podDisruptionBudgetVersions, stripStrayMarker } from './pod-disruption-budget-versions.ts';

export const podDisruptionBudgets = defineKind({
  group: 'policy',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
  versions: ['v1', ...podDisruptionBudgetVersions],
  shortNames: ['pdb'],
  status: true,
  generation: true,
  defaults: stripStrayMarker,
});
