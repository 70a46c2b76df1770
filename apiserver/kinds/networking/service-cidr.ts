import { defineKind } from '../define.ts';

export const serviceCIDRs = defineKind({
  group: 'networking.k8s.io',
  kind: 'ServiceCIDR',
  plural: 'servicecidrs',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  status: true,
});
