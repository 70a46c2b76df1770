import { defineKind } from '../define.ts';

export const selfSubjectAccessReviews = defineKind({
  group: 'authorization.k8s.io',
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  namespaced: false,
  versions: ['v1', 'v1beta1'],
  verbs: ['create'],
  virtual: true,
});
