import { defineKind } from '../define.ts';

export const controllerRevisions = defineKind({
  group: 'apps',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  namespaced: true,
  versions: ['v1', 'v1beta2', 'v1beta1'],
});
