import { defineKind } from '../define.ts';
import { podMetricsSchema } from './usage-schema.ts';

/** metrics.k8s.io PodMetrics: not stored; every read asks the nodes (handlers/metrics-api.ts). */
export const podMetrics = defineKind({
  group: 'metrics.k8s.io',
  kind: 'PodMetrics',
  plural: 'pods',
  namespaced: true,
  versions: [{ version: 'v1beta1', schema: podMetricsSchema }],
  verbs: ['get', 'list'],
  virtual: true,
});
