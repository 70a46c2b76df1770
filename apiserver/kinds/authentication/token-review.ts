import { defineKind } from '../define.ts';

export const tokenReviews = defineKind({
  group: 'authentication.k8s.io',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  namespaced: false,
  versions: ['v1', 'v1beta1'],
  verbs: ['create'],
  virtual: true,
});
