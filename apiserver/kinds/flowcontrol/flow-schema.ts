import { defineKind } from '../define.ts';

export const flowSchemas = defineKind({
  group: 'flowcontrol.apiserver.k8s.io',
  kind: 'FlowSchema',
  plural: 'flowschemas',
  namespaced: false,
  versions: ['v1'],
  status: true,
  generation: true,
});
