import { defaultSubjects, validateBinding } from '../../auth/rbac/validation.ts';
import { defineKind } from '../define.ts';

export const roleBindings = defineKind({
  group: 'rbac.authorization.k8s.io',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
  versions: ['v1'],
  nameValidation: 'path',
  defaults: defaultSubjects,
  validate: (binding, old) => validateBinding(binding, old, true),
});
