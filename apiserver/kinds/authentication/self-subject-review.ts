import { defineKind } from '../define.ts';

// kubectl 1.27 asks v1beta1 then v1alpha1; 1.28+ v1. The shape never changed.
export const selfSubjectReviews = defineKind({
  group: 'authentication.k8s.io',
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  verbs: ['create'],
  virtual: true,
});
