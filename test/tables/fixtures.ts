// Realistic stored objects of every built-in resource, keyed as in ../shared/facts/table-columns.json,
// and the clock the table tests read ages against.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinTableConvertor } from '../../apiserver/tables/index.ts';

export const now = Date.parse('2025-05-01T12:00:00Z');

/** A file of the shared material (`../shared` beside the checkout), found from any worktree depth. */
export function sharedFile(relative: string): string {
  if (process.env.K2_SHARED_DIR) return join(process.env.K2_SHARED_DIR, relative);
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'shared', relative);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`shared material ${relative} not found above ${import.meta.url}; set K2_SHARED_DIR`);
}

/** An RFC 3339 timestamp `seconds` before `now`. */
export function ago(seconds: number): string {
  return new Date(now - seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** The cells of a built-in resource's row for an object, at `now`. */
export function cellsOf(group: string, resource: string, object: any): unknown[] {
  return builtinTableConvertor(group, resource)!.cells(object, now);
}

export function meta(name: string, extra: Record<string, unknown> = {}) {
  return { name, uid: `uid-${name}`, resourceVersion: '42', creationTimestamp: ago(300), ...extra };
}

const podTemplate = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox:1.36' }] },
};

export const samples: Record<string, any> = {
  '/pods': {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta('web-0', { namespace: 'default', labels: { app: 'web' } }),
    spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
    status: {
      phase: 'Running',
      podIP: '10.42.0.5',
      podIPs: [{ ip: '10.42.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'nginx', ready: true, started: true, restartCount: 0, state: { running: { startedAt: ago(290) } } }],
    },
  },
  '/podtemplates': { metadata: meta('tmpl', { namespace: 'default' }), template: podTemplate },
  'policy/poddisruptionbudgets': {
    metadata: meta('web-pdb', { namespace: 'default' }),
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
    status: { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3 },
  },
  '/replicationcontrollers': {
    metadata: meta('legacy', { namespace: 'default' }),
    spec: { replicas: 2, selector: { app: 'legacy' }, template: podTemplate },
    status: { replicas: 2, readyReplicas: 1 },
  },
  'apps/replicasets': {
    metadata: meta('web-5d4f8', { namespace: 'default' }),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f8' } }, template: podTemplate },
    status: { replicas: 3, readyReplicas: 3, availableReplicas: 3 },
  },
  'apps/daemonsets': {
    metadata: meta('agent', { namespace: 'kube-system' }),
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { ...podTemplate, spec: { ...podTemplate.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } },
    },
    status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
  },
  'batch/jobs': {
    metadata: meta('migrate', { namespace: 'default' }),
    spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template: podTemplate },
    status: { startTime: ago(200), completionTime: ago(170), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
  },
  'batch/cronjobs': {
    metadata: meta('nightly', { namespace: 'default' }),
    spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template: podTemplate } } },
    status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(3600) },
  },
  '/services': {
    metadata: meta('web', { namespace: 'default' }),
    spec: { type: 'ClusterIP', clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'], ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' } },
    status: { loadBalancer: {} },
  },
  'networking.k8s.io/ingresses': {
    metadata: meta('web', { namespace: 'default' }),
    spec: { ingressClassName: 'traefik', rules: [{ host: 'web.example.com' }], tls: [{ hosts: ['web.example.com'] }] },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } },
  },
  'networking.k8s.io/ingressclasses': {
    metadata: meta('traefik'),
    spec: { controller: 'traefik.io/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } },
  },
  'apps/statefulsets': {
    metadata: meta('db', { namespace: 'default' }),
    spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: podTemplate },
    status: { replicas: 3, readyReplicas: 2 },
  },
  '/endpoints': {
    metadata: meta('web', { namespace: 'default' }),
    subsets: [{ addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }], ports: [{ port: 8080, protocol: 'TCP' }] }],
  },
  '/nodes': {
    metadata: meta('node-1', { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'node-1' } }),
    spec: {},
    status: {
      conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node-1' }],
      nodeInfo: { kubeletVersion: 'v1.33.0+k2', osImage: 'Debian GNU/Linux 13 (trixie)', kernelVersion: '6.12.0-1-amd64', containerRuntimeVersion: 'containerd://2.1.1' },
    },
  },
  '/events': {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta('web-0.183a', { namespace: 'default' }),
    involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
    reason: 'Pulled',
    message: 'Successfully pulled image "nginx:1.27"',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(280),
    lastTimestamp: ago(60),
    count: 2,
    type: 'Normal',
  },
  'events.k8s.io/events': {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: meta('web-0.183b', { namespace: 'default' }),
    eventTime: '2025-05-01T11:59:00.000000Z',
    reportingController: 'default-scheduler',
    reportingInstance: 'default-scheduler-node-1',
    action: 'Binding',
    reason: 'Scheduled',
    regarding: { kind: 'Pod', name: 'web-0', namespace: 'default' },
    note: 'Successfully assigned default/web-0 to node-1',
    type: 'Normal',
  },
  '/namespaces': { metadata: meta('default'), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
  '/secrets': { metadata: meta('creds', { namespace: 'default' }), type: 'Opaque', data: { user: 'YWRtaW4=', pass: 'cGFzcw==' } },
  '/serviceaccounts': { metadata: meta('default', { namespace: 'default' }) },
  '/persistentvolumes': {
    metadata: meta('pv-1'),
    spec: {
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'local-path',
      volumeMode: 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' },
      hostPath: { path: '/srv/pv-1' },
    },
    status: { phase: 'Bound' },
  },
  '/persistentvolumeclaims': {
    metadata: meta('data', { namespace: 'default' }),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, storageClassName: 'local-path', volumeMode: 'Filesystem', volumeName: 'pv-1' },
    status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
  },
  '/componentstatuses': { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] },
  'apps/deployments': {
    metadata: meta('web', { namespace: 'default' }),
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  },
  'autoscaling/horizontalpodautoscalers': {
    metadata: meta('web', { namespace: 'default' }),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    },
    status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '90m' } } }] },
  },
  '/configmaps': { metadata: meta('settings', { namespace: 'default' }), data: { 'app.conf': 'x=1', mode: 'prod' }, binaryData: { logo: 'iVBO' } },
  'networking.k8s.io/networkpolicies': {
    metadata: meta('deny-all', { namespace: 'default' }),
    spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
  },
  'rbac.authorization.k8s.io/rolebindings': {
    metadata: meta('readers', { namespace: 'default' }),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
    ],
  },
  'rbac.authorization.k8s.io/clusterrolebindings': {
    metadata: meta('admins'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'Group', name: 'system:masters', apiGroup: 'rbac.authorization.k8s.io' }],
  },
  'certificates.k8s.io/certificatesigningrequests': {
    metadata: meta('node-csr-1'),
    spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:node:node-1', expirationSeconds: 86400, request: 'LS0t', usages: ['client auth'] },
    status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' },
  },
  'certificates.k8s.io/clustertrustbundles': { metadata: meta('k2-ca'), spec: { signerName: 'k2.io/ca', trustBundle: '-----BEGIN CERTIFICATE-----' } },
  'coordination.k8s.io/leases': { metadata: meta('node-1', { namespace: 'kube-node-lease' }), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } },
  'coordination.k8s.io/leasecandidates': {
    metadata: meta('k2-server-1', { namespace: 'kube-system' }),
    spec: { leaseName: 'kube-controller-manager', binaryVersion: '1.33.0', emulationVersion: '1.33.0', strategy: 'OldestEmulationVersion' },
  },
  'storage.k8s.io/storageclasses': {
    metadata: meta('local-path', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
    provisioner: 'rancher.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  },
  'storage.k8s.io/volumeattributesclasses': { metadata: meta('gold'), driverName: 'csi.example.com', parameters: { iops: '3000' } },
  'apps/controllerrevisions': {
    metadata: meta('db-7c9d', {
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }],
    }),
    revision: 2,
    data: {},
  },
  '/resourcequotas': {
    metadata: meta('compute', { namespace: 'default' }),
    spec: { hard: { 'requests.cpu': '2', pods: '10', 'limits.memory': '4Gi' } },
    status: { hard: { 'requests.cpu': '2', pods: '10', 'limits.memory': '4Gi' }, used: { 'requests.cpu': '500m', pods: '3', 'limits.memory': '1Gi' } },
  },
  'scheduling.k8s.io/priorityclasses': { metadata: meta('high'), value: 1000000, globalDefault: false, preemptionPolicy: 'PreemptLowerPriority' },
  'node.k8s.io/runtimeclasses': { metadata: meta('runc'), handler: 'runc' },
  'storage.k8s.io/volumeattachments': {
    metadata: meta('csi-123'),
    spec: { attacher: 'csi.example.com', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' },
    status: { attached: true },
  },
  'discovery.k8s.io/endpointslices': {
    metadata: meta('web-abc12', { namespace: 'default' }),
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true } }, { addresses: ['10.42.0.6'], conditions: { ready: false } }],
  },
  'storage.k8s.io/csinodes': { metadata: meta('node-1'), spec: { drivers: [{ name: 'csi.example.com', nodeID: 'node-1' }] } },
  'storage.k8s.io/csidrivers': {
    metadata: meta('csi.example.com'),
    spec: { attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ['Persistent', 'Ephemeral'], tokenRequests: [{ audience: 'vault' }] },
  },
  'storage.k8s.io/csistoragecapacities': { metadata: meta('cap-1', { namespace: 'default' }), storageClassName: 'local-path', capacity: '100Gi' },
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': {
    metadata: meta('inject'),
    webhooks: [{ name: 'inject.example.com', clientConfig: { url: 'https://127.0.0.1:9443/inject' }, sideEffects: 'None', admissionReviewVersions: ['v1'] }],
  },
  'admissionregistration.k8s.io/validatingwebhookconfigurations': {
    metadata: meta('policy'),
    webhooks: [
      { name: 'a.example.com', clientConfig: { url: 'https://127.0.0.1:9443/a' }, sideEffects: 'None', admissionReviewVersions: ['v1'] },
      { name: 'b.example.com', clientConfig: { url: 'https://127.0.0.1:9443/b' }, sideEffects: 'None', admissionReviewVersions: ['v1'] },
    ],
  },
  'admissionregistration.k8s.io/validatingadmissionpolicies': {
    metadata: meta('replica-limit'),
    spec: { paramKind: { apiVersion: 'rules.example.com/v1', kind: 'ReplicaLimit' }, validations: [{ expression: 'object.spec.replicas <= params.maxReplicas' }] },
  },
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': {
    metadata: meta('replica-limit-binding'),
    spec: { policyName: 'replica-limit', paramRef: { name: 'limits', namespace: 'default' }, validationActions: ['Deny'] },
  },
  'admissionregistration.k8s.io/mutatingadmissionpolicies': {
    metadata: meta('add-label'),
    spec: { mutations: [{ patchType: 'ApplyConfiguration' }, { patchType: 'JSONPatch' }] },
  },
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings': { metadata: meta('add-label-binding'), spec: { policyName: 'add-label' } },
  'flowcontrol.apiserver.k8s.io/flowschemas': {
    metadata: meta('workload-leader-election'),
    spec: { priorityLevelConfiguration: { name: 'leader-election' }, matchingPrecedence: 200, distinguisherMethod: { type: 'ByUser' } },
    status: { conditions: [{ type: 'Dangling', status: 'False' }] },
  },
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': {
    metadata: meta('workload-low'),
    spec: { type: 'Limited', limited: { nominalConcurrencyShares: 100, limitResponse: { type: 'Queue', queuing: { queues: 128, handSize: 6, queueLengthLimit: 50 } } } },
  },
  'internal.apiserver.k8s.io/storageversions': {
    metadata: meta('apps.deployments'),
    status: { commonEncodingVersion: 'apps/v1', storageVersions: [{ apiServerID: 'k2-1', encodingVersion: 'apps/v1', decodableVersions: ['apps/v1'] }] },
  },
  '*/scale': { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: meta('web', { namespace: 'default' }), spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=web' } },
  'resource.k8s.io/deviceclasses': { metadata: meta('gpu.example.com'), spec: { selectors: [] } },
  'resource.k8s.io/resourceclaims': {
    metadata: meta('gpu-claim', { namespace: 'default' }),
    spec: { devices: { requests: [{ name: 'gpu' }] } },
    status: { allocation: { devices: { results: [] } }, reservedFor: [{ resource: 'pods', name: 'train-0', uid: 'u' }] },
  },
  'resource.k8s.io/resourceclaimtemplates': { metadata: meta('gpu-template', { namespace: 'default' }), spec: { spec: {} } },
  'resource.k8s.io/resourceslices': {
    metadata: meta('node-1-gpu'),
    spec: { nodeName: 'node-1', driver: 'gpu.example.com', pool: { name: 'node-1', generation: 1, resourceSliceCount: 1 } },
  },
  'resource.k8s.io/devicetaintrules': {
    metadata: meta('broken-gpu'),
    spec: { taint: { key: 'example.com/broken', value: 'true', effect: 'NoExecute', timeAdded: ago(120) } },
  },
  'networking.k8s.io/servicecidrs': { metadata: meta('kubernetes'), spec: { cidrs: ['10.43.0.0/16', 'fd00:43::/108'] } },
  'networking.k8s.io/ipaddresses': {
    metadata: meta('10.43.0.10'),
    spec: { parentRef: { group: '', resource: 'services', namespace: 'default', name: 'web' } },
  },
  'storagemigration.k8s.io/storageversionmigrations': {
    metadata: meta('migrate-secrets'),
    spec: { resource: { group: '', version: 'v1', resource: 'secrets' } },
  },
  'meta/Status': { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', message: 'pods "x" not found', code: 404 },
  'rbac.authorization.k8s.io/roles': { metadata: meta('reader', { namespace: 'default' }), rules: [] },
  'rbac.authorization.k8s.io/clusterroles': { metadata: meta('view'), rules: [] },
  '/limitranges': { metadata: meta('limits', { namespace: 'default' }), spec: { limits: [] } },
  'apiextensions.k8s.io/customresourcedefinitions': { metadata: meta('widgets.example.com'), spec: { group: 'example.com' } },
  'apiregistration.k8s.io/apiservices': {
    metadata: meta('v1beta1.metrics.k8s.io'),
    spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { namespace: 'kube-system', name: 'metrics-server' } },
    status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] },
  },
};
