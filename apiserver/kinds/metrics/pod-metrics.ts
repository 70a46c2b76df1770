import { defineKind } from '../define.ts';

/** metrics.k8s.io PodMetrics: not stored; every read asks the nodes (handlers/metrics-api.ts). */
export const podMetrics = defineKind({
  group: 'metrics.k8s.io',
  kind: 'PodMetrics',
  plural: 'pods',
  namespaced: true,
  versions: [{ version: 'v1beta1', definitionName: 'io.k8s.metrics.pkg.apis.metrics.v1beta1.PodMetrics' }],
  verbs: ['get', 'list'],
  virtual: true,
});
