// A test-only list of served resources in the shape the resource registry hands the OpenAPI
// publisher: common built-in kinds (current and removed versions) and one custom resource.
import type { ApiResourceInfo } from '../../apiserver/openapi/operations.ts';
import type { OpenApiSchema } from '../../apiserver/openapi/schema.ts';

const all = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const statusOf = (group: string, version: string, kind: string) => ({ name: 'status', group, version, kind, verbs: ['get', 'patch', 'update'] });
const scale = { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };

function resource(group: string, version: string, kind: string, plural: string, namespaced: boolean, subresources: ApiResourceInfo['subresources'] = [], verbs = all): ApiResourceInfo {
  return { group, version, kind, plural, namespaced, verbs, subresources };
}

export const crontabSchema: OpenApiSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        cronSpec: { type: 'string', description: 'When to run, in cron syntax.' },
        image: { type: 'string' },
        replicas: { type: 'integer', nullable: true },
        config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { mode: { type: 'string' } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { 'x-kubernetes-int-or-string': true } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['cronSpec', 'replicas'],
    },
    status: { type: 'object', properties: { lastRun: { type: 'string', format: 'date-time' } } },
  },
};

export const servedResources: ApiResourceInfo[] = [
  resource('', 'v1', 'Pod', 'pods', true, [
    statusOf('', 'v1', 'Pod'),
    { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
    { name: 'exec', group: '', version: 'v1', kind: 'PodExecOptions', verbs: ['create', 'get'] },
    { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  ]),
  resource('', 'v1', 'ConfigMap', 'configmaps', true),
  resource('', 'v1', 'Secret', 'secrets', true),
  resource('', 'v1', 'Namespace', 'namespaces', false, [statusOf('', 'v1', 'Namespace')], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
  resource('', 'v1', 'Service', 'services', true, [statusOf('', 'v1', 'Service')]),
  resource('', 'v1', 'ServiceAccount', 'serviceaccounts', true, [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }]),
  resource('', 'v1', 'Node', 'nodes', false, [statusOf('', 'v1', 'Node')]),
  resource('apps', 'v1', 'Deployment', 'deployments', true, [statusOf('apps', 'v1', 'Deployment'), scale]),
  resource('apps', 'v1', 'StatefulSet', 'statefulsets', true, [statusOf('apps', 'v1', 'StatefulSet'), scale]),
  resource('apps', 'v1', 'DaemonSet', 'daemonsets', true, [statusOf('apps', 'v1', 'DaemonSet')]),
  resource('apps', 'v1beta1', 'Deployment', 'deployments', true, [statusOf('apps', 'v1beta1', 'Deployment'), scale]),
  resource('extensions', 'v1beta1', 'Ingress', 'ingresses', true, [statusOf('extensions', 'v1beta1', 'Ingress')]),
  resource('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, [statusOf('networking.k8s.io', 'v1', 'Ingress')]),
  resource('networking.k8s.io', 'v1beta1', 'Ingress', 'ingresses', true, [statusOf('networking.k8s.io', 'v1beta1', 'Ingress')]),
  resource('batch', 'v1', 'CronJob', 'cronjobs', true, [statusOf('batch', 'v1', 'CronJob')]),
  resource('batch', 'v1beta1', 'CronJob', 'cronjobs', true, [statusOf('batch', 'v1beta1', 'CronJob')]),
  resource('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  resource('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, [], ['create']),
  resource('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, [statusOf('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')]),
  { ...resource('stable.example.com', 'v1', 'CronTab', 'crontabs', true, [statusOf('stable.example.com', 'v1', 'CronTab'), scale]), schema: crontabSchema },
];
