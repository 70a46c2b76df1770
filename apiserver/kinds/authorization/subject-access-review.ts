import { defineKind } from '../define.ts';
import { subjectAccessReviewVersions } from './subject-access-review-versions.ts';

export const subjectAccessReviews = defineKind({
  group: 'authorization.k8s.io',
  kind: 'SubjectAccessReview',
  plural: 'subjectaccessreviews',
  namespaced: false,
  versions: ['v1', ...subjectAccessReviewVersions],
  verbs: ['create'],
  virtual: true,
});
