import { validateRole } from '../../auth/rbac/validation.ts';
import { defineKind } from '../define.ts';

export const roles = defineKind({
  group: 'rbac.authorization.k8s.io',
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  nameValidation: 'path',
  validate: (role) => validateRole(role, true),
});
