import { defineKind } from '../define.ts';

export const ipAddresses = defineKind({
  group: 'networking.k8s.io',
  kind: 'IPAddress',
  plural: 'ipaddresses',
  namespaced: false,
  // networking.k8s.io/v1 (GA in 1.33) has the shape of v1beta1 (1.31–1.32) and v1alpha1 (1.27–1.30),
  // the newest the schema facts describe.
  versions: [{ version: 'v1', definitionName: 'io.k8s.api.networking.v1beta1.IPAddress' }, 'v1beta1', 'v1alpha1'],
  shortNames: ['ip'],
});
