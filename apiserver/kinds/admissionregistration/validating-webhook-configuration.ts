import { validateWebhookConfiguration } from '../../admission/webhooks/validation.ts';
import { defineKind } from '../define.ts';
import { defaultWebhooks, defaultWebhookV1, webhookConfigurationVersions } from './webhook-versions.ts';

export const validatingWebhookConfigurations = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'ValidatingWebhookConfiguration',
  plural: 'validatingwebhookconfigurations',
  namespaced: false,
  versions: ['v1', ...webhookConfigurationVersions(false)],
  categories: ['api-extensions'],
  defaults: (configuration) => defaultWebhooks(configuration, (webhook) => defaultWebhookV1(webhook, false)),
  validate: (configuration) => validateWebhookConfiguration(configuration, false),
});
