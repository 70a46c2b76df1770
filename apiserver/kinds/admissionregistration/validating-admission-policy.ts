import { validateAdmissionPolicy } from '../../admission/policies/validation.ts';
import { defineKind } from '../define.ts';

export const validatingAdmissionPolicies = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'ValidatingAdmissionPolicy',
  plural: 'validatingadmissionpolicies',
  namespaced: false,
  versions: ['v1', 'v1beta1', 'v1alpha1'],
  categories: ['api-extensions'],
  status: true,
  generation: true,
  validate: (object) => validateAdmissionPolicy(object),
});
