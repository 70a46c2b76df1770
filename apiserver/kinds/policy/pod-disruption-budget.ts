import { defineKind } from '../define.ts';

export const podDisruptionBudgets = defineKind({
  group: 'policy',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
  versions: ['v1'],
  shortNames: ['pdb'],
  status: true,
  generation: true,
});
