import { defineKind } from '../define.ts';

export const customResourceDefinitions = defineKind({
  group: 'apiextensions.k8s.io',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  versions: ['v1'],
  status: true,
  generation: true,
  prepareForCreate(crd) {
    crd.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
  },
});
