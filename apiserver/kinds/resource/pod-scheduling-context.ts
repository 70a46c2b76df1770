// PodSchedulingContexts of classic dynamic resource allocation: resource.k8s.io/v1alpha3 (1.31),
// stored, v1alpha2 (1.27–1.30), the same shape, and v1alpha1's PodScheduling (1.26), its first name.
import { defineKind } from '../define.ts';

export const podSchedulingContexts = defineKind({
  group: 'resource.k8s.io',
  kind: 'PodSchedulingContext',
  plural: 'podschedulingcontexts',
  namespaced: true,
  versions: ['v1alpha3', 'v1alpha2', { version: 'v1alpha1', kind: 'PodScheduling', plural: 'podschedulings' }],
  status: true,
});
