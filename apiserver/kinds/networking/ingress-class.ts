import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const ingressClasses = defineKind({
  group: 'networking.k8s.io',
  kind: 'IngressClass',
  plural: 'ingressclasses',
  namespaced: false,
  // networking.k8s.io/v1beta1 (1.18–1.21) had the same shape and no defaults of its own.
  versions: ['v1', 'v1beta1'],
  defaults(ingressClass) {
    const parameters = (ingressClass.spec as Json | undefined)?.parameters as Json | undefined;
    if (parameters) parameters.scope ||= 'Cluster';
  },
});
