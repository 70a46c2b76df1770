import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const nodes = defineKind({
  group: '',
  kind: 'Node',
  plural: 'nodes',
  shortNames: ['no'],
  namespaced: false,
  versions: ['v1'],
  status: true,
  returnDeletedObject: true,
  subresources: { proxy: { kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] } },
  fieldSelectors: { 'spec.unschedulable': (node) => String(Boolean((node.spec as Json | undefined)?.unschedulable)) },
  prepareForCreate(node) {
    // A node's status comes from its agent at registration; keep what it sent.
    node.spec ??= {};
  },
});
