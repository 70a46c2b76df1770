// Webhook configurations before admissionregistration.k8s.io/v1: v1beta1 (1.9–1.21) had the v1 shape
// with forgiving defaults (failurePolicy Ignore, matchPolicy Exact, 30 s, sideEffects Unknown,
// admissionReviewVersions [v1beta1]); v1alpha1's ExternalAdmissionHookConfiguration (1.7–1.8) was
// the validating kind's first form, its webhooks called externalAdmissionHooks.
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

/** v1's defaults of one webhook entry; `mutating` adds reinvocationPolicy. */
export function defaultWebhookV1(webhook: Json, mutating: boolean): void {
  webhook.failurePolicy ||= 'Fail';
  webhook.matchPolicy ||= 'Equivalent';
  webhook.timeoutSeconds ??= 10;
  defaultWebhookCommon(webhook, mutating);
}

function defaultWebhookCommon(webhook: Json, mutating: boolean): void {
  webhook.namespaceSelector ??= {};
  webhook.objectSelector ??= {};
  if (mutating) webhook.reinvocationPolicy ||= 'Never';
  for (const rule of webhook.rules ?? []) rule.scope ||= '*';
  const service = webhook.clientConfig?.service as Json | undefined;
  if (service) service.port ??= 443;
}

function defaultWebhookV1beta1(webhook: Json, mutating: boolean): void {
  webhook.failurePolicy ||= 'Ignore';
  webhook.matchPolicy ||= 'Exact';
  webhook.timeoutSeconds ??= 30;
  webhook.sideEffects ||= 'Unknown';
  if (!webhook.admissionReviewVersions?.length) webhook.admissionReviewVersions = ['v1beta1'];
  defaultWebhookCommon(webhook, mutating);
}

export function defaultWebhooks(configuration: KubeObject, each: (webhook: Json) => void): void {
  for (const webhook of (configuration.webhooks ?? []) as Json[]) each(webhook);
}

export function webhookConfigurationVersions(mutating: boolean): VersionDescription[] {
  const versions: VersionDescription[] = [{ version: 'v1beta1', defaults: (c) => defaultWebhooks(c, (w) => defaultWebhookV1beta1(w, mutating)) }];
  if (mutating) return versions;
  return [
    ...versions,
    {
      version: 'v1alpha1',
      kind: 'ExternalAdmissionHookConfiguration',
      plural: 'externaladmissionhookconfigurations',
      categories: [],
      defaults(configuration) {
        for (const hook of (configuration.externalAdmissionHooks ?? []) as Json[]) defaultWebhookV1beta1(hook, false);
      },
      toStored(configuration) {
        if ('externalAdmissionHooks' in configuration) {
          configuration.webhooks = configuration.externalAdmissionHooks;
          delete configuration.externalAdmissionHooks;
        }
        return configuration;
      },
      fromStored(stored) {
        if (!('webhooks' in stored)) return stored;
        const configuration = cloneObject(stored);
        configuration.externalAdmissionHooks = configuration.webhooks;
        delete configuration.webhooks;
        return configuration;
      },
    },
  ];
}
