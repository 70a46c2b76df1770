import { defineKind } from '../define.ts';

export const validatingWebhookConfigurations = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'ValidatingWebhookConfiguration',
  plural: 'validatingwebhookconfigurations',
  namespaced: false,
  versions: ['v1'],
  categories: ['api-extensions'],
});
