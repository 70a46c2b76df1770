import { defineKind } from '../define.ts';
import { nodeMetricsSchema } from './usage-schema.ts';

/** metrics.k8s.io NodeMetrics: not stored; every read asks the nodes (handlers/metrics-api.ts). */
export const nodeMetrics = defineKind({
  group: 'metrics.k8s.io',
  kind: 'NodeMetrics',
  plural: 'nodes',
  namespaced: false,
  versions: [{ version: 'v1beta1', schema: nodeMetricsSchema }],
  verbs: ['get', 'list'],
  virtual: true,
});
