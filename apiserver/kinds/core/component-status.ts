import { defineKind } from '../define.ts';

/** Not stored: every read asks the components (handlers/component-statuses.ts). */
export const componentStatuses = defineKind({
  group: '',
  kind: 'ComponentStatus',
  plural: 'componentstatuses',
  namespaced: false,
  versions: ['v1'],
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  virtual: true,
});
