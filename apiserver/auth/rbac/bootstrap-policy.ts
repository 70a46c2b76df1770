// The default roles and bindings every cluster starts with, as kube-apiserver's bootstrap policy
// defines them (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): user-facing roles (cluster-admin,
// admin, edit, view via aggregation), the system:* roles of the cluster's own components, one
// system:controller:* role per controller bound to its kube-system service account, and the
// namespace roles of kube-system and kube-public. k2's components run as these same identities.
import type { KubeObject } from '../../registry/types.ts';
import type { PolicyRule } from './rules.ts';

export const rbacGroup = 'rbac.authorization.k8s.io';
export const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const autoUpdateAnnotation = 'rbac.authorization.kubernetes.io/autoupdate';

const read = ['get', 'list', 'watch'];
const write = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const readWrite = [...read, ...write];

const sorted = (values: string[]) => [...new Set(values)].sort();

/** A resource rule, its lists sorted as Kubernetes' rule builder sorts them. */
function rule(verbs: string[], groups: string[], resources: string[], names?: string[]): PolicyRule {
  const r: PolicyRule = { apiGroups: sorted(groups), resources: sorted(resources), verbs: sorted(verbs) };
  if (names) r.resourceNames = sorted(names);
  return r;
}

function urls(verbs: string[], paths: string[]): PolicyRule {
  return { nonResourceURLs: sorted(paths), verbs: sorted(verbs) };
}

const eventsRule = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

const user = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'User', name });
const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name });
const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

interface RoleSpec {
  name: string;
  labels?: Record<string, string>;
  rules?: PolicyRule[];
  /** matchLabels of the aggregation rule's selectors. */
  aggregateFrom?: Record<string, string>[];
}

const aggregateTo = (role: 'admin' | 'edit' | 'view') => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: 'true' });

/** The rules of system:node, which the Node authorizer also applies to every node identity. */
export const nodeRules: PolicyRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(read, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], [''], ['events']),
  rule(read, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get', 'list', 'watch'], [''], ['secrets', 'configmaps']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(['get', 'watch', 'list'], ['storage.k8s.io'], ['csidrivers']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  rule(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
];

const approver = (signer: string) => [rule(['approve'], ['certificates.k8s.io'], ['signers'], [signer])];

const clusterRoleSpecs: RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', aggregateFrom: [aggregateTo('admin')] },
  { name: 'edit', labels: aggregateTo('admin'), aggregateFrom: [aggregateTo('edit')] },
  { name: 'view', labels: aggregateTo('edit'), aggregateFrom: [aggregateTo('view')] },
  {
    name: 'system:aggregate-to-admin',
    labels: aggregateTo('admin'),
    rules: [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(readWrite, [rbacGroup], ['roles', 'rolebindings'])],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: aggregateTo('edit'),
    rules: [
      rule(read, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(write, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(['create'], [''], ['pods/eviction']),
      rule(write, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(write, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
      rule(write, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(write, ['batch'], ['jobs', 'cronjobs']),
      rule(write, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
      rule(write, ['policy'], ['poddisruptionbudgets']),
      rule(write, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
      rule(readWrite, ['coordination.k8s.io'], ['leases']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: aggregateTo('view'),
    rules: [
      rule(read, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
      rule(read, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
      rule(read, [''], ['namespaces']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
      rule(read, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
      rule(read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(read, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(read, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
      rule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(read, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
    ],
  },
  { name: 'system:auth-delegator', rules: [rule(['create'], ['authentication.k8s.io'], ['tokenreviews']), rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews'])] },
  {
    name: 'system:basic-user',
    rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])],
  },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'])] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['create'], ['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'])] },
  { name: 'system:certificates.k8s.io:kube-apiserver-client-approver', rules: approver('kubernetes.io/kube-apiserver-client') },
  { name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', rules: approver('kubernetes.io/kube-apiserver-client-kubelet') },
  { name: 'system:certificates.k8s.io:kubelet-serving-approver', rules: approver('kubernetes.io/kubelet-serving') },
  { name: 'system:certificates.k8s.io:legacy-unknown-approver', rules: approver('kubernetes.io/legacy-unknown') },
  { name: 'system:discovery', rules: [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])] },
  { name: 'system:monitoring', rules: [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])] },
  { name: 'system:service-account-issuer-discovery', rules: [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])] },
  { name: 'system:heapster', rules: [rule(read, [''], ['events', 'pods', 'nodes', 'namespaces']), rule(read, ['extensions'], ['deployments'])] },
  { name: 'system:kube-aggregator', rules: [rule(read, [''], ['services', 'endpoints'])] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], [''], ['secrets', 'serviceaccounts']),
      rule(['delete'], [''], ['secrets']),
      rule(['get'], [''], ['namespaces', 'secrets', 'serviceaccounts', 'configmaps']),
      rule(['update'], [''], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [''], ['serviceaccounts/token']),
    ],
  },
  { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
  {
    name: 'system:kube-scheduler',
    rules: [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(read, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(read, [''], ['replicationcontrollers', 'services']),
      rule(read, ['apps', 'extensions'], ['replicasets']),
      rule(read, ['apps'], ['statefulsets']),
      rule(read, ['policy'], ['poddisruptionbudgets']),
      rule(read, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(read, ['storage.k8s.io'], ['csinodes']),
      rule(read, [''], ['namespaces']),
      rule(read, ['storage.k8s.io'], ['csidrivers']),
      rule(read, ['storage.k8s.io'], ['csistoragecapacities']),
    ],
  },
  { name: 'system:kubelet-api-admin', rules: [rule(read, [''], ['nodes']), rule(['proxy'], [''], ['nodes']), rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log'])] },
  { name: 'system:node', rules: nodeRules },
  { name: 'system:node-bootstrapper', rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])] },
  { name: 'system:node-problem-detector', rules: [rule(['get'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), eventsRule] },
  { name: 'system:node-proxier', rules: [rule(['list', 'watch'], [''], ['services', 'endpoints']), rule(read, [''], ['nodes']), eventsRule, rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices'])] },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      rule(['get', 'list', 'watch', 'create', 'delete'], [''], ['persistentvolumes']),
      rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
      rule(read, ['storage.k8s.io'], ['storageclasses']),
      rule(['watch'], [''], ['events']),
      eventsRule,
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [rule([...read, 'patch', 'update'], [''], ['persistentvolumes']), rule(read, ['storage.k8s.io'], ['storageclasses']), rule([...read, 'patch', 'update'], [''], ['persistentvolumeclaims'])],
  },
];

/** The controllers of kube-controller-manager (and k2's), each with its own role and service account. */
const controllerRoleSpecs: Record<string, PolicyRule[]> = {
  'attachdetach-controller': [
    rule(['list', 'watch'], [''], ['persistentvolumes', 'persistentvolumeclaims']),
    rule(read, [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['list', 'watch'], [''], ['pods']),
    eventsRule,
    rule(['get', 'create', 'delete', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
    rule(read, ['storage.k8s.io'], ['csidrivers']),
    rule(read, ['storage.k8s.io'], ['csinodes']),
  ],
  'certificate-controller': [
    rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
    rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    rule(['sign'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
    rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    eventsRule,
  ],
  'clusterrole-aggregation-controller': [rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], [rbacGroup], ['clusterroles'])],
  'cronjob-controller': [
    rule(['get', 'list', 'watch', 'update'], ['batch'], ['cronjobs']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['cronjobs/status']),
    rule(['update'], ['batch'], ['cronjobs/finalizers']),
    rule(['list', 'delete', 'watch'], [''], ['pods']),
    eventsRule,
  ],
  'daemon-set-controller': [
    rule(read, ['apps', 'extensions'], ['daemonsets']),
    rule(['update'], ['apps', 'extensions'], ['daemonsets/status']),
    rule(['update'], ['apps', 'extensions'], ['daemonsets/finalizers']),
    rule(['list', 'watch'], [''], ['nodes']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], ['apps'], ['controllerrevisions']),
    eventsRule,
  ],
  'deployment-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['deployments']),
    rule(['update'], ['apps', 'extensions'], ['deployments/status']),
    rule(['update'], ['apps', 'extensions'], ['deployments/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['apps', 'extensions'], ['replicasets']),
    rule(['get', 'list', 'watch', 'update'], [''], ['pods']),
    eventsRule,
  ],
  'disruption-controller': [
    rule(read, ['apps', 'extensions'], ['deployments']),
    rule(read, ['apps', 'extensions'], ['replicasets']),
    rule(read, [''], ['replicationcontrollers']),
    rule(read, ['policy'], ['poddisruptionbudgets']),
    rule(read, ['apps'], ['statefulsets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    eventsRule,
  ],
  'endpoint-controller': [
    rule(read, [''], ['services', 'pods']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [''], ['endpoints']),
    rule(['create'], [''], ['endpoints/restricted']),
    eventsRule,
  ],
  'endpointslice-controller': [
    rule(read, [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    eventsRule,
  ],
  'endpointslicemirroring-controller': [
    rule(read, [''], ['services', 'endpoints']),
    rule(['update'], [''], ['services/finalizers']),
    rule(['update'], [''], ['endpoints/finalizers']),
    rule(['get', 'list', 'watch', 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
    eventsRule,
  ],
  'ephemeral-volume-controller': [
    rule(read, [''], ['pods']),
    rule(['update'], [''], ['pods/finalizers']),
    rule(['get', 'list', 'watch', 'create'], [''], ['persistentvolumeclaims']),
    eventsRule,
  ],
  'expand-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['persistentvolumes']),
    rule(['update', 'patch'], [''], ['persistentvolumeclaims/status']),
    rule(read, [''], ['persistentvolumeclaims']),
    eventsRule,
  ],
  'generic-garbage-collector': [rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']), eventsRule],
  'horizontal-pod-autoscaler': [
    rule(read, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list', 'watch'], [''], ['pods']),
    rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
    rule(read, ['custom.metrics.k8s.io'], ['*']),
    rule(read, ['external.metrics.k8s.io'], ['*']),
    eventsRule,
  ],
  'job-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['batch'], ['jobs']),
    rule(['update'], ['batch'], ['jobs/status']),
    rule(['update'], ['batch'], ['jobs/finalizers']),
    rule(['list', 'watch', 'create', 'delete', 'patch'], [''], ['pods']),
    eventsRule,
  ],
  'legacy-service-account-token-cleaner': [
    rule(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
    rule(['patch', 'delete'], [''], ['secrets']),
  ],
  'namespace-controller': [
    rule(['get', 'list', 'watch', 'delete'], [''], ['namespaces']),
    rule(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
  ],
  'node-controller': [
    rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['list', 'watch', 'delete', 'get'], [''], ['pods']),
    eventsRule,
  ],
  'persistent-volume-binder': [
    rule(['get', 'list', 'watch', 'update', 'create', 'delete'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status']),
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
    rule(['list', 'watch', 'get', 'create', 'delete'], [''], ['pods']),
    rule(read, ['storage.k8s.io'], ['storageclasses']),
    rule(['list', 'watch'], [''], ['nodes']),
    eventsRule,
    rule(['watch'], [''], ['events']),
  ],
  'pod-garbage-collector': [rule(['list', 'watch', 'delete'], [''], ['pods']), rule(read, [''], ['nodes']), rule(['patch'], [''], ['pods/status'])],
  'pv-protection-controller': [rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumes']), eventsRule],
  'pvc-protection-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
    rule(read, [''], ['pods']),
    eventsRule,
  ],
  'replicaset-controller': [
    rule(['get', 'list', 'watch', 'update'], ['apps', 'extensions'], ['replicasets']),
    rule(['update'], ['apps', 'extensions'], ['replicasets/status']),
    rule(['update'], ['apps', 'extensions'], ['replicasets/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    eventsRule,
  ],
  'replication-controller': [
    rule(['get', 'list', 'watch', 'update'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status']),
    rule(['update'], [''], ['replicationcontrollers/finalizers']),
    rule(['list', 'watch', 'patch', 'create', 'delete'], [''], ['pods']),
    eventsRule,
  ],
  'resourcequota-controller': [rule(['list', 'watch'], ['*'], ['*']), rule(['update'], [''], ['resourcequotas/status']), eventsRule],
  'root-ca-cert-publisher': [rule(['create', 'update'], [''], ['configmaps']), eventsRule],
  'route-controller': [rule(['list', 'watch'], [''], ['nodes']), rule(['patch'], [''], ['nodes/status']), eventsRule],
  'service-account-controller': [rule(['create'], [''], ['serviceaccounts']), eventsRule],
  'service-cidrs-controller': [
    rule(['get', 'list', 'watch', 'patch', 'update'], ['networking.k8s.io'], ['servicecidrs']),
    rule(['patch', 'update'], ['networking.k8s.io'], ['servicecidrs/finalizers']),
    rule(['patch', 'update'], ['networking.k8s.io'], ['servicecidrs/status']),
    rule(read, ['networking.k8s.io'], ['ipaddresses']),
    eventsRule,
  ],
  'service-controller': [rule(read, [''], ['services']), rule(['patch', 'update'], [''], ['services/status']), rule(['list', 'watch'], [''], ['nodes']), eventsRule],
  'statefulset-controller': [
    rule(['list', 'watch'], [''], ['pods']),
    rule(read, ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status']),
    rule(['update'], ['apps'], ['statefulsets/finalizers']),
    rule(['get', 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['get', 'create', 'delete', 'update', 'patch', 'list', 'watch'], ['apps'], ['controllerrevisions']),
    rule(['get', 'create', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    rule(['update', 'delete'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['pods/finalizers']),
    eventsRule,
  ],
  'ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], ['batch'], ['jobs']), eventsRule],
  'ttl-controller': [rule(['update', 'patch', 'list', 'watch'], [''], ['nodes']), eventsRule],
  // k2's own controllers (beyond kube-controller-manager's), each with what it writes.
  'crd-controller': [
    rule(['get', 'list', 'watch', 'update', 'patch'], ['apiextensions.k8s.io'], ['customresourcedefinitions']),
    rule(['update', 'patch'], ['apiextensions.k8s.io'], ['customresourcedefinitions/status']),
    rule(['list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    eventsRule,
  ],
  'local-path-provisioner': [
    rule(read, [''], ['nodes', 'persistentvolumeclaims']),
    rule(['update', 'patch'], [''], ['persistentvolumeclaims']),
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [''], ['persistentvolumes']),
    rule(['get', 'list', 'watch', 'create'], ['storage.k8s.io'], ['storageclasses']),
    eventsRule,
  ],
  'node-ipam-controller': [rule(['get', 'list', 'watch', 'update', 'patch'], [''], ['nodes']), eventsRule],
  'simulated-nodes': [
    rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [''], ['nodes']),
    rule(['update', 'patch'], [''], ['nodes/status']),
    rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
    rule(['update', 'patch'], [''], ['pods/status']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
    eventsRule,
  ],
  'validatingadmissionpolicy-status-controller': [
    rule(read, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
    rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
    eventsRule,
  ],
};

interface NamespacedRoleSpec extends RoleSpec {
  namespace: string;
}

const namespaceRoleSpecs: NamespacedRoleSpec[] = [
  { namespace: 'kube-system', name: 'extension-apiserver-authentication-reader', rules: [rule(read, [''], ['configmaps'], ['extension-apiserver-authentication'])] },
  ...['kube-controller-manager', 'kube-scheduler'].map(
    (component): NamespacedRoleSpec => ({
      namespace: 'kube-system',
      name: `system::leader-locking-${component}`,
      rules: [
        rule(['watch'], [''], ['configmaps']),
        rule(['get', 'update'], [''], ['configmaps'], [component]),
        rule(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leases']),
        rule(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leasecandidates']),
      ],
    }),
  ),
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', rules: [rule(read, [''], ['secrets'])] },
  { namespace: 'kube-system', name: 'system:controller:cloud-provider', rules: [rule(['create', 'get', 'list', 'watch'], [''], ['configmaps'])] },
  { namespace: 'kube-system', name: 'system:controller:token-cleaner', rules: [rule(['delete', 'get', 'list', 'watch'], [''], ['secrets']), eventsRule] },
  { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', rules: [rule(read, [''], ['configmaps']), rule(['update'], [''], ['configmaps'], ['cluster-info']), eventsRule] },
];

interface BindingSpec {
  name: string;
  namespace?: string;
  roleRef: { kind: 'ClusterRole' | 'Role'; name: string };
  subjects: Subject[];
}

const clusterBindingSpecs: BindingSpec[] = [
  { name: 'cluster-admin', roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [group('system:masters')] },
  { name: 'system:basic-user', roleRef: { kind: 'ClusterRole', name: 'system:basic-user' }, subjects: [group('system:authenticated')] },
  { name: 'system:discovery', roleRef: { kind: 'ClusterRole', name: 'system:discovery' }, subjects: [group('system:authenticated')] },
  { name: 'system:public-info-viewer', roleRef: { kind: 'ClusterRole', name: 'system:public-info-viewer' }, subjects: [group('system:authenticated'), group('system:unauthenticated')] },
  { name: 'system:monitoring', roleRef: { kind: 'ClusterRole', name: 'system:monitoring' }, subjects: [group('system:monitoring')] },
  { name: 'system:service-account-issuer-discovery', roleRef: { kind: 'ClusterRole', name: 'system:service-account-issuer-discovery' }, subjects: [group('system:serviceaccounts')] },
  { name: 'system:kube-controller-manager', roleRef: { kind: 'ClusterRole', name: 'system:kube-controller-manager' }, subjects: [user('system:kube-controller-manager')] },
  { name: 'system:kube-dns', roleRef: { kind: 'ClusterRole', name: 'system:kube-dns' }, subjects: [serviceAccount('kube-system', 'kube-dns')] },
  { name: 'system:kube-scheduler', roleRef: { kind: 'ClusterRole', name: 'system:kube-scheduler' }, subjects: [user('system:kube-scheduler')] },
  { name: 'system:volume-scheduler', roleRef: { kind: 'ClusterRole', name: 'system:volume-scheduler' }, subjects: [user('system:kube-scheduler')] },
  // Nodes get their permissions from the Node authorizer; this binding stays without subjects.
  { name: 'system:node', roleRef: { kind: 'ClusterRole', name: 'system:node' }, subjects: [] },
  { name: 'system:node-proxier', roleRef: { kind: 'ClusterRole', name: 'system:node-proxier' }, subjects: [user('system:kube-proxy')] },
  // k2's node agent is also its service proxy and DNS: nodes read Services and EndpointSlices as kube-proxy does.
  { name: 'k2:node-proxier', roleRef: { kind: 'ClusterRole', name: 'system:node-proxier' }, subjects: [group('system:nodes')] },
  // Joining agents authenticate with bootstrap tokens and ask for their node's client certificate,
  // which is approved automatically; nodes renew their own (the bindings kubeadm creates, k2-named).
  { name: 'k2:node-bootstrapper', roleRef: { kind: 'ClusterRole', name: 'system:node-bootstrapper' }, subjects: [group('system:bootstrappers')] },
  {
    name: 'k2:node-autoapprove-bootstrap',
    roleRef: { kind: 'ClusterRole', name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient' },
    subjects: [group('system:bootstrappers')],
  },
  {
    name: 'k2:node-autoapprove-certificate-rotation',
    roleRef: { kind: 'ClusterRole', name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient' },
    subjects: [group('system:nodes')],
  },
];

const namespaceBindingSpecs: BindingSpec[] = [
  {
    namespace: 'kube-system',
    name: 'system::extension-apiserver-authentication-reader',
    roleRef: { kind: 'Role', name: 'extension-apiserver-authentication-reader' },
    subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler')],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    roleRef: { kind: 'Role', name: 'system::leader-locking-kube-controller-manager' },
    subjects: [user('system:kube-controller-manager'), serviceAccount('kube-system', 'kube-controller-manager')],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    roleRef: { kind: 'Role', name: 'system::leader-locking-kube-scheduler' },
    subjects: [user('system:kube-scheduler'), serviceAccount('kube-system', 'kube-scheduler')],
  },
  ...['bootstrap-signer', 'cloud-provider', 'token-cleaner'].map(
    (name): BindingSpec => ({ namespace: 'kube-system', name: `system:controller:${name}`, roleRef: { kind: 'Role', name: `system:controller:${name}` }, subjects: [serviceAccount('kube-system', name)] }),
  ),
  { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', roleRef: { kind: 'Role', name: 'system:controller:bootstrap-signer' }, subjects: [serviceAccount('kube-system', 'bootstrap-signer')] },
];

function metadata(name: string, namespace: string | undefined, labels?: Record<string, string>): KubeObject['metadata'] {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...bootstrapLabels, ...labels }, annotations: { [autoUpdateAnnotation]: 'true' } };
}

function roleObject(kind: 'ClusterRole' | 'Role', spec: RoleSpec & { namespace?: string }): KubeObject {
  const object: KubeObject = { apiVersion: `${rbacGroup}/v1`, kind, metadata: metadata(spec.name, spec.namespace, spec.labels) };
  if (spec.aggregateFrom) object.aggregationRule = { clusterRoleSelectors: spec.aggregateFrom.map((matchLabels) => ({ matchLabels })) };
  if (spec.rules) object.rules = spec.rules.map((r) => structuredClone(r));
  return object;
}

function bindingObject(kind: 'ClusterRoleBinding' | 'RoleBinding', spec: BindingSpec): KubeObject {
  const object: KubeObject = { apiVersion: `${rbacGroup}/v1`, kind, metadata: metadata(spec.name, spec.namespace), roleRef: { apiGroup: rbacGroup, ...spec.roleRef } };
  if (spec.subjects.length) object.subjects = spec.subjects.map((s) => ({ ...s }));
  return object;
}

/** The service account every controller runs as (`system:serviceaccount:kube-system:<name>`). */
export const controllerNames = Object.keys(controllerRoleSpecs);

export interface BootstrapPolicy {
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
  roles: KubeObject[];
  roleBindings: KubeObject[];
}

export function bootstrapPolicy(): BootstrapPolicy {
  const controllerRoles = Object.entries(controllerRoleSpecs).map(([name, rules]) => roleObject('ClusterRole', { name: `system:controller:${name}`, rules }));
  const controllerBindings = controllerNames.map((name) =>
    bindingObject('ClusterRoleBinding', { name: `system:controller:${name}`, roleRef: { kind: 'ClusterRole', name: `system:controller:${name}` }, subjects: [serviceAccount('kube-system', name)] }),
  );
  return {
    clusterRoles: [...clusterRoleSpecs.map((spec) => roleObject('ClusterRole', spec)), ...controllerRoles],
    clusterRoleBindings: [...clusterBindingSpecs.map((spec) => bindingObject('ClusterRoleBinding', spec)), ...controllerBindings],
    roles: namespaceRoleSpecs.map((spec) => roleObject('Role', spec)),
    roleBindings: namespaceBindingSpecs.map((spec) => bindingObject('RoleBinding', spec)),
  };
}
