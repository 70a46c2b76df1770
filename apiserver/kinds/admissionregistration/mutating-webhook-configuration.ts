import { validateWebhookConfiguration } from '../../admission/webhooks/validation.ts';
import { defineKind } from '../define.ts';
import { defaultWebhooks, defaultWebhookV1, webhookConfigurationVersions } from './webhook-versions.ts';

export const mutatingWebhookConfigurations = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'MutatingWebhookConfiguration',
  plural: 'mutatingwebhookconfigurations',
  namespaced: false,
  versions: ['v1', ...webhookConfigurationVersions(true)],
  categories: ['api-extensions'],
  defaults: (configuration) => defaultWebhooks(configuration, (webhook) => defaultWebhookV1(webhook, true)),
  validate: (configuration) => validateWebhookConfiguration(configuration, true),
});
