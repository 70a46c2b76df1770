// ResourceClaims (dynamic resource allocation): stored in resource.k8s.io/v1beta1 (1.32–), served
// also as v1alpha3 (1.31–1.32, the same shape) and as the classic v1alpha2/v1alpha1 claims.
import { defineKind } from '../define.ts';
import { classicClaimVersions } from './classic-claim-versions.ts';

export const resourceClaims = defineKind({
  group: 'resource.k8s.io',
  kind: 'ResourceClaim',
  plural: 'resourceclaims',
  namespaced: true,
  versions: ['v1beta1', 'v1alpha3', ...classicClaimVersions],
  status: true,
});
