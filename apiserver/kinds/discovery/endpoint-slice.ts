import { defineKind } from '../define.ts';
import { defaultEndpointSlicePorts, endpointSliceVersions } from './endpoint-slice-versions.ts';

export const endpointSlices = defineKind({
  group: 'discovery.k8s.io',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  namespaced: true,
  versions: ['v1', ...endpointSliceVersions],
  defaults: defaultEndpointSlicePorts,
});
