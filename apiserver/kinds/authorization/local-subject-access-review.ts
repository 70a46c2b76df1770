import { defineKind } from '../define.ts';

export const localSubjectAccessReviews = defineKind({
  group: 'authorization.k8s.io',
  kind: 'LocalSubjectAccessReview',
  plural: 'localsubjectaccessreviews',
  namespaced: true,
  versions: ['v1'],
  verbs: ['create'],
  virtual: true,
});
