// auditregistration.k8s.io/v1alpha1 AuditSink (1.13–1.18): dynamic audit backends, removed without a
// successor. Stored and served so that manifests still apply; k2 sends no audit events to it.
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const auditSinks = defineKind({
  group: 'auditregistration.k8s.io',
  kind: 'AuditSink',
  plural: 'auditsinks',
  namespaced: false,
  versions: ['v1alpha1'],
  defaults(sink) {
    // Kubernetes' defaults (read from its 1.18 sources, not verified against a live server).
    const webhook: Json = (((sink.spec as Json | undefined) ??= {}).webhook ??= {});
    webhook.throttle ??= {};
    webhook.throttle.qps ??= 10;
    webhook.throttle.burst ??= 15;
    const service = webhook.clientConfig?.service as Json | undefined;
    if (service) service.port ??= 443;
  },
});
