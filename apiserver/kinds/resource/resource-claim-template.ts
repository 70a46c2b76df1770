// ResourceClaimTemplates: stored in resource.k8s.io/v1beta1, served as v1alpha3 and as the classic
// v1alpha2/v1alpha1 templates (see classic-claim-versions.ts).
import { defineKind } from '../define.ts';
import { classicClaimTemplateVersions } from './classic-claim-versions.ts';

export const resourceClaimTemplates = defineKind({
  group: 'resource.k8s.io',
  kind: 'ResourceClaimTemplate',
  plural: 'resourceclaimtemplates',
  namespaced: true,
  versions: ['v1beta1', 'v1alpha3', ...classicClaimTemplateVersions],
});
