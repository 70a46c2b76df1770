import { defineKind } from '../define.ts';

export const resourceQuotas = defineKind({
  group: '',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  shortNames: ['quota'],
  namespaced: true,
  versions: ['v1'],
  status: true,
});
