import { defineKind } from '../define.ts';

export const selfSubjectRulesReviews = defineKind({
  group: 'authorization.k8s.io',
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  namespaced: false,
  versions: ['v1', 'v1beta1'],
  verbs: ['create'],
  virtual: true,
});
