import { validateRole } from '../../auth/rbac/validation.ts';
import { defineKind } from '../define.ts';

export const clusterRoles = defineKind({
  group: 'rbac.authorization.k8s.io',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  nameValidation: 'path',
  validate: (role) => validateRole(role, false),
});
