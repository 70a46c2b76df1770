import { defineKind } from '../define.ts';

// POST-only: binds a pod to a node (the pods/binding subresource does the same).
export const bindings = defineKind({
  group: '',
  kind: 'Binding',
  plural: 'bindings',
  namespaced: true,
  versions: ['v1'],
  verbs: ['create'],
  virtual: true,
});
