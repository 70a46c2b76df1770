import { defineKind } from '../define.ts';

export const ipAddresses = defineKind({
  group: 'networking.k8s.io',
  kind: 'IPAddress',
  plural: 'ipaddresses',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  shortNames: ['ip'],
});
