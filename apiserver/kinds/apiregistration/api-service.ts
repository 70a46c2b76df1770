import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const apiServices = defineKind({
  group: 'apiregistration.k8s.io',
  kind: 'APIService',
  plural: 'apiservices',
  namespaced: false,
  // v1beta1 (1.7–1.21) had v1's shape and default.
  versions: ['v1', 'v1beta1'],
  categories: ['api-extensions'],
  status: true,
  defaults(apiService) {
    const service = (apiService.spec as Json | undefined)?.service as Json | undefined;
    if (service) service.port ??= 443;
  },
});
