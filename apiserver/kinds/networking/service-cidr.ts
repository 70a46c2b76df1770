import { defineKind } from '../define.ts';

export const serviceCIDRs = defineKind({
  group: 'networking.k8s.io',
  kind: 'ServiceCIDR',
  plural: 'servicecidrs',
  namespaced: false,
  // networking.k8s.io/v1 (GA in 1.33) has the shape of v1beta1 (1.31–1.32) and v1alpha1 (1.27–1.30),
  // the newest the schema facts describe.
  versions: [{ version: 'v1', definitionName: 'io.k8s.api.networking.v1beta1.ServiceCIDR' }, 'v1beta1', 'v1alpha1'],
  status: true,
});
