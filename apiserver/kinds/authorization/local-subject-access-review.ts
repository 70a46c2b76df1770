import { defineKind } from '../define.ts';
import { subjectAccessReviewVersions } from './subject-access-review-versions.ts';

export const localSubjectAccessReviews = defineKind({
  group: 'authorization.k8s.io',
  kind: 'LocalSubjectAccessReview',
  plural: 'localsubjectaccessreviews',
  namespaced: true,
  versions: ['v1', ...subjectAccessReviewVersions],
  verbs: ['create'],
  virtual: true,
});
