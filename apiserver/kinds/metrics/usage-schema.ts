// The shape of metrics.k8s.io objects for the OpenAPI documents (metrics-server's types). They are published
// inline, as an aggregated API's are, since k2's built-in schema facts do not include them.
import type { OpenApiSchema } from '../../openapi/schema.ts';

const quantityMap: OpenApiSchema = { type: 'object', additionalProperties: { type: 'string', description: 'a Kubernetes quantity' } };
const typeMeta = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };

export const podMetricsSchema: OpenApiSchema = {
  type: 'object',
  description: 'Resource usage of the containers of a pod.',
  properties: {
    ...typeMeta,
    timestamp: { type: 'string', format: 'date-time' },
    window: { type: 'string' },
    containers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, usage: quantityMap }, required: ['name', 'usage'] } },
  },
};

export const nodeMetricsSchema: OpenApiSchema = {
  type: 'object',
  description: 'Resource usage of a node.',
  properties: { ...typeMeta, timestamp: { type: 'string', format: 'date-time' }, window: { type: 'string' }, usage: quantityMap },
};
