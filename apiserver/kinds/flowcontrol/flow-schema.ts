import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const flowSchemas = defineKind({
  group: 'flowcontrol.apiserver.k8s.io',
  kind: 'FlowSchema',
  plural: 'flowschemas',
  namespaced: false,
  // v1beta3 (1.26–1.31), v1beta2 (1.23–1.28), v1beta1 (1.20–1.25) and v1alpha1 (1.18–1.20) had v1's shape and defaults.
  versions: ['v1', 'v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1'],
  status: true,
  generation: true,
  defaults(flowSchema) {
    const spec: Json = ((flowSchema.spec as Json | undefined) ??= {});
    spec.matchingPrecedence ||= 1000;
  },
});
