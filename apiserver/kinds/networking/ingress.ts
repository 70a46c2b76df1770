import { defineKind } from '../define.ts';
import { ingressVersions } from './ingress-versions.ts';

type Json = Record<string, any>;

export const ingresses = defineKind({
  group: 'networking.k8s.io',
  kind: 'Ingress',
  plural: 'ingresses',
  shortNames: ['ing'],
  namespaced: true,
  versions: ['v1', ...ingressVersions],
  status: true,
  generation: true,
  defaults(ingress) {
    for (const rule of ((ingress.spec as Json | undefined)?.rules ?? []) as Json[]) for (const path of rule.http?.paths ?? []) path.pathType ||= 'ImplementationSpecific';
  },
  prepareForCreate(ingress) {
    ingress.status = { loadBalancer: {} };
  },
});
