import { defaultSubjects, validateBinding } from '../../auth/rbac/validation.ts';
import { defineKind } from '../define.ts';

export const clusterRoleBindings = defineKind({
  group: 'rbac.authorization.k8s.io',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  namespaced: false,
  versions: ['v1'],
  nameValidation: 'path',
  defaults: defaultSubjects,
  validate: (binding, old) => validateBinding(binding, old, false),
});
