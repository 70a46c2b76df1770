import { defineKind } from '../define.ts';

export const limitRanges = defineKind({
  group: '',
  kind: 'LimitRange',
  plural: 'limitranges',
  namespaced: true,
  versions: ['v1'],
  shortNames: ['limits'],
});
