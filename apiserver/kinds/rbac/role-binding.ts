import { validateBinding } from '../../auth/rbac/validation.ts';
import { defineKind } from '../define.ts';
import { bindingVersions, defaultBinding } from './binding-versions.ts';

export const roleBindings = defineKind({
  group: 'rbac.authorization.k8s.io',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
  versions: ['v1', ...bindingVersions],
  nameValidation: 'path',
  defaults: defaultBinding,
  validate: (binding, old) => validateBinding(binding, old, true),
});
