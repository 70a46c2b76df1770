// networking.k8s.io/v1alpha1 ClusterCIDR (1.25–1.28): per-node pod CIDR ranges for the node IPAM
// controller, removed without a successor. Stored and served; k2 allocates pod CIDRs its own way.
import { defineKind } from '../define.ts';

export const clusterCIDRs = defineKind({
  group: 'networking.k8s.io',
  kind: 'ClusterCIDR',
  plural: 'clustercidrs',
  namespaced: false,
  versions: ['v1alpha1'],
});
