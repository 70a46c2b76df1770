// PodSecurityPolicy: served in policy/v1beta1 (1.10–1.24) and extensions/v1beta1 (1.2–1.15) and
// stored, so manifests and charts that carry one keep applying, but enforced by nothing: Kubernetes
// removed it without a successor kind (Pod Security Admission works from namespace labels), and k2
// admits pods without consulting it. The README says so too.
import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

/** Kept permissive for policies written before the field existed (both versions default it). */
function defaultPodSecurityPolicy(psp: KubeObject): void {
  ((psp.spec as Json | undefined) ??= {}).allowPrivilegeEscalation ??= true;
}

export const podSecurityPolicies = defineKind({
  group: 'policy',
  kind: 'PodSecurityPolicy',
  plural: 'podsecuritypolicies',
  shortNames: ['psp'],
  namespaced: false,
  versions: ['v1beta1', { group: 'extensions', version: 'v1beta1' }],
  defaults: defaultPodSecurityPolicy,
});
