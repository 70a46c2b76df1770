import { defineKind } from '../define.ts';

export const mutatingWebhookConfigurations = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'MutatingWebhookConfiguration',
  plural: 'mutatingwebhookconfigurations',
  namespaced: false,
  versions: ['v1'],
  categories: ['api-extensions'],
});
