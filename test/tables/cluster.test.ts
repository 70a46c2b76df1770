// Tables of Nodes, Events and the cluster, configuration, access-control and API server kinds.

import { describe, expect, it } from 'vitest';
import { builtinTableConvertor, renderTable } from '../../apiserver/tables/index.ts';
import { ago, cellsOf, meta, now, samples } from './fixtures.ts';

describe('Node', () => {
  const node = (labels: any, conditions: any[] | undefined, spec: any = {}) => ({ metadata: meta('n', { labels }), spec, status: { conditions, nodeInfo: { kubeletVersion: 'v1.33.0' } } });

  it('prints status, roles, age, version and the wide cells', () => {
    expect(cellsOf('', 'nodes', samples['/nodes'])).toEqual([
      'node-1',
      'Ready',
      'control-plane',
      '5m',
      'v1.33.0+k2',
      '192.168.1.10',
      '<none>',
      'Debian GNU/Linux 13 (trixie)',
      '6.12.0-1-amd64',
      'containerd://2.1.1',
    ]);
  });

  it.each([
    ['Ready,SchedulingDisabled', [{ type: 'Ready', status: 'True' }], { unschedulable: true }],
    ['NotReady', [{ type: 'Ready', status: 'False' }], {}],
    ['NotReady', [{ type: 'Ready', status: 'Unknown' }], {}],
    ['Unknown', [{ type: 'DiskPressure', status: 'False' }], {}],
    ['Unknown,SchedulingDisabled', undefined, { unschedulable: true }],
  ])('STATUS %s', (expected, conditions, spec) => {
    expect(cellsOf('', 'nodes', node({}, conditions, spec))[1]).toBe(expected);
  });

  it('collects roles from node-role labels and kubernetes.io/role, sorted and de-duplicated', () => {
    const labels = {
      'node-role.kubernetes.io/worker': '',
      'node-role.kubernetes.io/control-plane': 'true',
      'node-role.kubernetes.io/': '',
      'kubernetes.io/role': 'worker',
      'node-role.kubernetes.io/etcd': '',
    };
    expect(cellsOf('', 'nodes', node(labels, []))[2]).toBe('control-plane,etcd,worker');
    expect(cellsOf('', 'nodes', node({ 'kubernetes.io/role': '' }, []))[2]).toBe('<none>');
  });

  it('prints <unknown> for missing node info and <none> for missing addresses', () => {
    expect(cellsOf('', 'nodes', { metadata: meta('bare'), status: {} }).slice(4)).toEqual(['', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});

describe('Event', () => {
  const row = (event: any) => {
    const [lastSeen, type, reason, object, subobject, source, message, firstSeen, count, name] = cellsOf('', 'events', event);
    return { lastSeen, type, reason, object, subobject, source, message, firstSeen, count, name };
  };

  it('prints every cell of a core event', () => {
    expect(row(samples['/events'])).toEqual({
      lastSeen: '60s',
      type: 'Normal',
      reason: 'Pulled',
      object: 'pod/web-0',
      subobject: 'spec.containers{nginx}',
      source: 'kubelet, node-1',
      message: 'Successfully pulled image "nginx:1.27"',
      firstSeen: '4m40s',
      count: 2,
      name: 'web-0.183a',
    });
  });

  it('reads an events.k8s.io/v1 event through the core field mapping', () => {
    expect(row(samples['events.k8s.io/events'])).toEqual({
      lastSeen: '60s',
      type: 'Normal',
      reason: 'Scheduled',
      object: 'pod/web-0',
      subobject: '',
      source: 'default-scheduler, default-scheduler-node-1',
      message: 'Successfully assigned default/web-0 to node-1',
      firstSeen: '60s',
      count: 1,
      name: 'web-0.183b',
    });
    expect(builtinTableConvertor('events.k8s.io', 'events')).toBe(builtinTableConvertor('', 'events'));
  });

  it('takes LAST SEEN and COUNT from a series', () => {
    const event = {
      metadata: meta('e'),
      involvedObject: { kind: 'Node', name: 'node-1' },
      eventTime: ago(7200),
      series: { count: 14, lastObservedTime: ago(20) },
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
      type: 'Warning',
      reason: 'Rebooted',
      message: '  Node rebooted\n',
    };
    expect(row(event)).toMatchObject({ lastSeen: '20s', firstSeen: '120m', count: 14, source: 'kubelet, node-1', message: 'Node rebooted', type: 'Warning' });
  });

  it('prints <unknown> without any timestamp, the bare kind without a name, and the component alone without host', () => {
    const event = { metadata: meta('e'), involvedObject: { kind: 'ClusterRole' }, source: { component: 'rbac' }, count: 0 };
    expect(row(event)).toMatchObject({ lastSeen: '<unknown>', firstSeen: '<unknown>', object: 'clusterrole', source: 'rbac', count: 1 });
  });

  it('falls back from an absent last timestamp to the first one', () => {
    expect(row({ metadata: meta('e'), involvedObject: {}, firstTimestamp: ago(130) })).toMatchObject({ lastSeen: '2m10s', firstSeen: '2m10s' });
  });

  it('puts Name last with priority 1', () => {
    const columns = builtinTableConvertor('', 'events')!.columnDefinitions;
    expect(columns.at(-1)).toMatchObject({ name: 'Name', format: 'name', priority: 1 });
  });
});

describe('configuration and cluster kinds', () => {
  it('counts data and binaryData of a ConfigMap, and data of a Secret', () => {
    expect(cellsOf('', 'configmaps', samples['/configmaps'])).toEqual(['settings', 3, '5m']);
    expect(cellsOf('', 'configmaps', { metadata: meta('empty') })).toEqual(['empty', 0, '5m']);
    expect(cellsOf('', 'secrets', samples['/secrets'])).toEqual(['creds', 'Opaque', 2, '5m']);
  });

  it('prints namespaces, service accounts, leases and runtime classes', () => {
    expect(cellsOf('', 'namespaces', samples['/namespaces'])).toEqual(['default', 'Active', '5m']);
    expect(cellsOf('', 'namespaces', { metadata: meta('gone', { deletionTimestamp: ago(1) }), status: { phase: 'Terminating' } })[1]).toBe('Terminating');
    expect(cellsOf('', 'serviceaccounts', samples['/serviceaccounts'])).toEqual(['default', 0, '5m']);
    expect(cellsOf('', 'serviceaccounts', { metadata: meta('old'), secrets: [{ name: 'old-token' }] })[1]).toBe(1);
    expect(cellsOf('coordination.k8s.io', 'leases', samples['coordination.k8s.io/leases'])).toEqual(['node-1', 'node-1', '5m']);
    expect(cellsOf('coordination.k8s.io', 'leases', { metadata: meta('free'), spec: {} })[1]).toBe('');
    expect(cellsOf('coordination.k8s.io', 'leasecandidates', samples['coordination.k8s.io/leasecandidates'])).toEqual([
      'k2-server-1',
      'kube-controller-manager',
      '1.33.0',
      '1.33.0',
      '5m',
    ]);
    expect(cellsOf('node.k8s.io', 'runtimeclasses', samples['node.k8s.io/runtimeclasses'])).toEqual(['runc', 'runc', '5m']);
  });

  it('splits a ResourceQuota into requests and limits, sorted, with used/hard', () => {
    expect(cellsOf('', 'resourcequotas', samples['/resourcequotas'])).toEqual(['compute', 'pods: 3/10, requests.cpu: 500m/2', 'limits.memory: 1Gi/4Gi', '5m']);
    const noUsage = { metadata: meta('q'), status: { hard: { 'limits.cpu': '1000m', configmaps: '5' } } };
    expect(cellsOf('', 'resourcequotas', noUsage)).toEqual(['q', 'configmaps: 0/5', 'limits.cpu: 0/1', '5m']);
  });

  it('prints PriorityClasses with their value, global default and preemption policy', () => {
    expect(cellsOf('scheduling.k8s.io', 'priorityclasses', samples['scheduling.k8s.io/priorityclasses'])).toEqual(['high', 1000000, false, '5m', 'PreemptLowerPriority']);
  });

  it('prints ComponentStatus health', () => {
    expect(cellsOf('', 'componentstatuses', samples['/componentstatuses'])).toEqual(['etcd-0', 'Healthy', 'ok', '']);
    expect(cellsOf('', 'componentstatuses', { metadata: { name: 's' }, conditions: [{ type: 'Healthy', status: 'False', error: 'refused' }] })).toEqual(['s', 'Unhealthy', '', 'refused']);
    expect(cellsOf('', 'componentstatuses', { metadata: { name: 's' } })[1]).toBe('Unknown');
  });

  it('prints PodTemplates with their pod labels', () => {
    expect(cellsOf('', 'podtemplates', samples['/podtemplates'])).toEqual(['tmpl', 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=web']);
  });
});

describe('access control kinds', () => {
  it('prints bindings with their role and subjects by kind', () => {
    expect(cellsOf('rbac.authorization.k8s.io', 'rolebindings', samples['rbac.authorization.k8s.io/rolebindings'])).toEqual(['readers', 'ClusterRole/view', '5m', 'alice', '', 'tools/ci']);
    expect(cellsOf('rbac.authorization.k8s.io', 'clusterrolebindings', samples['rbac.authorization.k8s.io/clusterrolebindings'])).toEqual([
      'admins',
      'ClusterRole/cluster-admin',
      '5m',
      '',
      'system:masters',
      '',
    ]);
    const many = {
      metadata: meta('b'),
      roleRef: { kind: 'Role', name: 'r' },
      subjects: [
        { kind: 'User', name: 'a' },
        { kind: 'User', name: 'b' },
        { kind: 'Group', name: 'g' },
        { kind: 'Robot', name: 'ignored' },
      ],
    };
    expect(cellsOf('rbac.authorization.k8s.io', 'rolebindings', many).slice(3)).toEqual(['a, b', 'g', '']);
  });

  it('prints CertificateSigningRequests: age second, signer, requestor, duration and condition', () => {
    expect(cellsOf('certificates.k8s.io', 'certificatesigningrequests', samples['certificates.k8s.io/certificatesigningrequests'])).toEqual([
      'node-csr-1',
      '5m',
      'kubernetes.io/kube-apiserver-client-kubelet',
      'system:node:node-1',
      '24h',
      'Approved,Issued',
    ]);
    const csr = (conditions: any[], certificate?: string) => ({ metadata: meta('c'), spec: { username: 'u' }, status: { conditions, certificate } });
    expect(cellsOf('certificates.k8s.io', 'certificatesigningrequests', csr([]))).toEqual(['c', '5m', '<none>', 'u', '<none>', 'Pending']);
    expect(cellsOf('certificates.k8s.io', 'certificatesigningrequests', csr([{ type: 'Approved' }, { type: 'Denied' }, { type: 'Failed' }]))[5]).toBe('Denied,Failed');
  });

  it('prints ClusterTrustBundles without an age', () => {
    expect(cellsOf('certificates.k8s.io', 'clustertrustbundles', samples['certificates.k8s.io/clustertrustbundles'])).toEqual(['k2-ca', 'k2.io/ca']);
    expect(cellsOf('certificates.k8s.io', 'clustertrustbundles', { metadata: meta('b'), spec: {} })).toEqual(['b', '<none>']);
  });
});

describe('admission kinds', () => {
  it('counts webhooks, validations and mutations', () => {
    expect(cellsOf('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', samples['admissionregistration.k8s.io/mutatingwebhookconfigurations'])).toEqual(['inject', 1, '5m']);
    expect(cellsOf('admissionregistration.k8s.io', 'validatingwebhookconfigurations', samples['admissionregistration.k8s.io/validatingwebhookconfigurations'])).toEqual(['policy', 2, '5m']);
    expect(cellsOf('admissionregistration.k8s.io', 'validatingadmissionpolicies', samples['admissionregistration.k8s.io/validatingadmissionpolicies'])).toEqual([
      'replica-limit',
      1,
      'rules.example.com/v1/ReplicaLimit',
      '5m',
    ]);
    expect(cellsOf('admissionregistration.k8s.io', 'mutatingadmissionpolicies', samples['admissionregistration.k8s.io/mutatingadmissionpolicies'])).toEqual(['add-label', 2, '<unset>', '5m']);
  });

  it('prints binding parameter references: namespace/name, */name, a selector, or <unset>', () => {
    const binding = (paramRef: any) => cellsOf('admissionregistration.k8s.io', 'validatingadmissionpolicybindings', { metadata: meta('b'), spec: { policyName: 'p', paramRef } })[2];
    expect(cellsOf('admissionregistration.k8s.io', 'validatingadmissionpolicybindings', samples['admissionregistration.k8s.io/validatingadmissionpolicybindings'])).toEqual([
      'replica-limit-binding',
      'replica-limit',
      'default/limits',
      '5m',
    ]);
    expect(binding({ name: 'limits' })).toBe('*/limits');
    expect(binding({ selector: { matchLabels: { tier: 'gold' } } })).toBe('&LabelSelector{MatchLabels:map[string]string{tier: gold,},MatchExpressions:[]LabelSelectorRequirement{},}');
    expect(binding(undefined)).toBe('<unset>');
    expect(cellsOf('admissionregistration.k8s.io', 'mutatingadmissionpolicybindings', samples['admissionregistration.k8s.io/mutatingadmissionpolicybindings'])).toEqual([
      'add-label-binding',
      'add-label',
      '<unset>',
      '5m',
    ]);
  });
});

describe('API server kinds', () => {
  it('prints FlowSchemas and lists them by matching precedence, then name', () => {
    expect(cellsOf('flowcontrol.apiserver.k8s.io', 'flowschemas', samples['flowcontrol.apiserver.k8s.io/flowschemas'])).toEqual([
      'workload-leader-election',
      'leader-election',
      200,
      'ByUser',
      '5m',
      'False',
    ]);
    const schema = (name: string, matchingPrecedence: number) => ({ metadata: meta(name), spec: { priorityLevelConfiguration: { name: 'x' }, matchingPrecedence } });
    const table = renderTable(builtinTableConvertor('flowcontrol.apiserver.k8s.io', 'flowschemas')!, [schema('b', 1000), schema('z', 500), schema('a', 1000), schema('exempt', 1)], { now });
    expect(table.rows!.map((r) => r.cells[0])).toEqual(['exempt', 'z', 'a', 'b']);
    expect(table.rows![0]!.cells.slice(3)).toEqual(['<none>', '5m', '?']);
  });

  it('prints PriorityLevelConfigurations with integers or <none>', () => {
    expect(cellsOf('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', samples['flowcontrol.apiserver.k8s.io/prioritylevelconfigurations'])).toEqual([
      'workload-low',
      'Limited',
      100,
      128,
      6,
      50,
      '5m',
    ]);
    expect(cellsOf('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', { metadata: meta('exempt'), spec: { type: 'Exempt', exempt: {} } })).toEqual([
      'exempt',
      'Exempt',
      '<none>',
      '<none>',
      '<none>',
      '<none>',
      '5m',
    ]);
    const rejecting = { metadata: meta('r'), spec: { type: 'Limited', limited: { nominalConcurrencyShares: 5, limitResponse: { type: 'Reject' } } } };
    expect(cellsOf('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', rejecting).slice(2, 6)).toEqual([5, '<none>', '<none>', '<none>']);
  });

  it('prints APIServices with their service and availability', () => {
    expect(cellsOf('apiregistration.k8s.io', 'apiservices', samples['apiregistration.k8s.io/apiservices'])).toEqual([
      'v1beta1.metrics.k8s.io',
      'kube-system/metrics-server',
      'False (MissingEndpoints)',
      '5m',
    ]);
    const local = (conditions?: any[]) => cellsOf('apiregistration.k8s.io', 'apiservices', { metadata: meta('v1.apps'), spec: { group: 'apps', version: 'v1' }, status: { conditions } });
    expect(local([{ type: 'Available', status: 'True', reason: 'Local' }]).slice(1, 3)).toEqual(['Local', 'True']);
    expect(local([{ type: 'Available', status: 'Unknown' }])[2]).toBe('Unknown');
    expect(local(undefined)[2]).toBe('Unknown');
  });

  it('prints StorageVersions and StorageVersionMigrations', () => {
    expect(cellsOf('internal.apiserver.k8s.io', 'storageversions', samples['internal.apiserver.k8s.io/storageversions'])).toEqual(['apps.deployments', 'apps/v1', 'k2-1=apps/v1', '5m']);
    expect(cellsOf('internal.apiserver.k8s.io', 'storageversions', { metadata: meta('s'), status: {} })).toEqual(['s', '<unset>', '<unset>', '5m']);
    expect(cellsOf('storagemigration.k8s.io', 'storageversionmigrations', samples['storagemigration.k8s.io/storageversionmigrations'])).toEqual(['migrate-secrets', 'secrets.v1.']);
  });
});

describe('dynamic resource allocation kinds', () => {
  it('prints claim states', () => {
    const claim = (status: any, metadata: any = {}) => cellsOf('resource.k8s.io', 'resourceclaims', { metadata: { ...meta('c'), ...metadata }, spec: {}, status })[1];
    expect(claim(samples['resource.k8s.io/resourceclaims'].status)).toBe('allocated,reserved');
    expect(claim({})).toBe('pending');
    expect(claim({}, { deletionTimestamp: ago(1) })).toBe('deleted');
    expect(claim({ allocation: {} }, { deletionTimestamp: ago(1) })).toBe('deleted,allocated');
  });

  it('prints slices, classes, templates and taint rules', () => {
    expect(cellsOf('resource.k8s.io', 'resourceslices', samples['resource.k8s.io/resourceslices'])).toEqual(['node-1-gpu', 'node-1', 'gpu.example.com', 'node-1', '5m']);
    expect(cellsOf('resource.k8s.io', 'deviceclasses', samples['resource.k8s.io/deviceclasses'])).toEqual(['gpu.example.com', '5m']);
    expect(cellsOf('resource.k8s.io', 'resourceclaimtemplates', samples['resource.k8s.io/resourceclaimtemplates'])).toEqual(['gpu-template', '5m']);
    expect(cellsOf('resource.k8s.io', 'devicetaintrules', samples['resource.k8s.io/devicetaintrules'])).toEqual(['broken-gpu', 'example.com/broken', 'true', 'NoExecute', '2m', '5m']);
  });
});
