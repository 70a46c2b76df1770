import { defineKind } from '../define.ts';

export const ingressClasses = defineKind({
  group: 'networking.k8s.io',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  namespaced: false,
  versions: ['v1'],
});
