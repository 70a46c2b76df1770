import { defineKind } from '../define.ts';

export const leases = defineKind({
  group: 'coordination.k8s.io',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  versions: ['v1', 'v1beta1'],
  allowCreateOnUpdate: true,
});
