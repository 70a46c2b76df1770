import { defineKind } from '../define.ts';

export const apiServices = defineKind({
  group: 'apiregistration.k8s.io',
  kind: 'APIService',
  plural: 'apiservices',
  namespaced: false,
  versions: ['v1'],
  categories: ['api-extensions'],
  status: true,
});
