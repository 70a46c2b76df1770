import { defineKind } from '../define.ts';

export const endpointSlices = defineKind({
  group: 'discovery.k8s.io',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
  versions: ['v1'],
});
