import { defineKind } from '../define.ts';

export const networkPolicies = defineKind({
  group: 'networking.k8s.io',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  namespaced: true,
  versions: ['v1'],
  shortNames: ['netpol'],
  generation: true,
});
