import { defineKind } from '../define.ts';

export const subjectAccessReviews = defineKind({
  group: 'authorization.k8s.io',
  kind: 'SubjectAccessReview',
  plural: 'subjectaccessreviews',
  namespaced: false,
  versions: ['v1'],
  verbs: ['create'],
  virtual: true,
});
