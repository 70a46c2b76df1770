import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const limitRanges = defineKind({
  group: '',
  kind: 'LimitRange',
  plural: 'limitranges',
  shortNames: ['limits'],
  namespaced: true,
  versions: ['v1'],
  defaults(range) {
    // Container limits: default ← max, defaultRequest ← default, else ← min (as Kubernetes defaults them).
    for (const item of ((range.spec as Json | undefined)?.limits ?? []) as Json[]) {
      if (item.type !== 'Container') continue;
      for (const [resource, value] of Object.entries((item.max ?? {}) as Json)) {
        item.default ??= {};
        item.default[resource] ??= value;
      }
      for (const [resource, value] of Object.entries((item.default ?? {}) as Json)) {
        item.defaultRequest ??= {};
        item.defaultRequest[resource] ??= value;
      }
      for (const [resource, value] of Object.entries((item.min ?? {}) as Json)) {
        item.defaultRequest ??= {};
        item.defaultRequest[resource] ??= value;
      }
    }
  },
});
