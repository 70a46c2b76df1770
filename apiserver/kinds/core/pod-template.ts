import { defineKind } from '../define.ts';

export const podTemplates = defineKind({
  group: '',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  namespaced: true,
  versions: ['v1'],
});
