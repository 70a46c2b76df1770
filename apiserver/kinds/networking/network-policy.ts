import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

/** The same in networking.k8s.io/v1 and extensions/v1beta1: policyTypes from the rules given, TCP for ports without a protocol. */
function defaultNetworkPolicy(policy: KubeObject): void {
  const spec: Json = ((policy.spec as Json | undefined) ??= {});
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])] as Json[]) for (const port of rule.ports ?? []) port.protocol ||= 'TCP';
  if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
}

export const networkPolicies = defineKind({
  group: 'networking.k8s.io',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  namespaced: true,
  // extensions/v1beta1 served them (1.3–1.15) in the same shape.
  versions: ['v1', { group: 'extensions', version: 'v1beta1', defaults: defaultNetworkPolicy }],
  shortNames: ['netpol'],
  generation: true,
  defaults: defaultNetworkPolicy,
});
