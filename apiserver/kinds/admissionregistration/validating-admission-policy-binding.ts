import { validateAdmissionPolicyBinding } from '../../admission/policies/validation.ts';
import { defineKind } from '../define.ts';

export const validatingAdmissionPolicyBindings = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'ValidatingAdmissionPolicyBinding',
  plural: 'validatingadmissionpolicybindings',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  categories: ['api-extensions'],
  generation: true,
  validate: (object) => validateAdmissionPolicyBinding(object),
});
