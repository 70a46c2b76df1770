import { defineKind } from '../define.ts';

export const componentStatuses = defineKind({
  group: '',
  kind: 'ComponentStatus',
  plural: 'componentstatuses',
  namespaced: false,
  versions: ['v1'],
  shortNames: ['cs'],
  verbs: ['get', 'list'],
});
