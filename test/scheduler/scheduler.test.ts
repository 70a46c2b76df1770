// The scheduler in process against the real API core: placement by the default plugins, the
// messages and events users see, priority and preemption, and retries when the cluster changes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { StatusError } from '../../apiserver/status.ts';
import { condition, nodeOf, testCluster, waitFor, type TestCluster } from './cluster.ts';

type Json = Record<string, any>;

const requests = (cpu: string, memory = '64Mi') => ({ containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu, memory } } }] });

describe('the scheduler', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster();
  });
  afterEach(() => cluster.close());

  const pod = (name: string, namespace = 'default') => cluster.get('', 'pods', namespace, name);
  const boundTo = async (name: string) => {
    await waitFor(async () => Boolean(nodeOf(await pod(name))), 10_000, `${name} to be bound`);
    return nodeOf(await pod(name))!;
  };

  it('binds pods to nodes that fit, with PodScheduled=True and a Scheduled event', async () => {
    await cluster.addNode('small', { cpu: '1' });
    await cluster.addNode('large', { cpu: '8' });
    await cluster.addPod('default', 'needs-two', requests('2'));
    expect(await boundTo('needs-two')).toBe('large');
    const bound = await pod('needs-two');
    expect(condition(bound, 'PodScheduled')).toMatchObject({ status: 'True' });
    await waitFor(async () => (await cluster.events('default', 'Scheduled')).length > 0);
    const [event] = await cluster.events('default', 'Scheduled');
    expect(event).toMatchObject({ type: 'Normal', message: 'Successfully assigned default/needs-two to large', source: { component: 'default-scheduler' }, involvedObject: { kind: 'Pod', name: 'needs-two' } });
  });

  it('spreads pods over the least allocated nodes and never over capacity', async () => {
    for (const name of ['a', 'b', 'c']) await cluster.addNode(name, { cpu: '2', pods: '4' });
    for (let i = 0; i < 12; i++) await cluster.addPod('default', `p${i}`, requests('100m'));
    const nodes = await Promise.all(Array.from({ length: 12 }, (_, i) => boundTo(`p${i}`)));
    const perNode = new Map<string, number>();
    for (const n of nodes) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([4, 4, 4]);
    await cluster.addPod('default', 'one-too-many', requests('100m'));
    await waitFor(async () => condition(await pod('one-too-many'), 'PodScheduled')?.status === 'False');
    expect(condition(await pod('one-too-many'), 'PodScheduled')?.message).toBe(
      '0/3 nodes are available: 3 Too many pods. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    );
  });

  it('reports why a pod fits nowhere, exactly as kube-scheduler, and retries when a node joins', async () => {
    await cluster.addNode('tainted', { cpu: '8', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
    await cluster.addNode('w1', { cpu: '1' });
    await cluster.addNode('w2', { cpu: '1' });
    await cluster.addPod('default', 'big', requests('2'));
    await waitFor(async () => condition(await pod('big'), 'PodScheduled')?.status === 'False');
    const message = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    expect(condition(await pod('big'), 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    await waitFor(async () => (await cluster.events('default', 'FailedScheduling')).length > 0);
    expect((await cluster.events('default', 'FailedScheduling'))[0]).toMatchObject({ type: 'Warning', message });
    await cluster.addNode('w3', { cpu: '4' });
    expect(await boundTo('big')).toBe('w3');
  });

  it('honours nodeSelector, node affinity, tolerations, cordons and host ports', async () => {
    await cluster.addNode('gpu', { labels: { accelerator: 'gpu', zone: 'a' }, taints: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }] });
    await cluster.addNode('plain', { labels: { zone: 'b' } });
    await cluster.addNode('cordoned', { labels: { zone: 'c' }, unschedulable: true });
    await cluster.addPod('default', 'selector', { ...requests('10m'), nodeSelector: { accelerator: 'gpu' }, tolerations: [{ key: 'gpu', operator: 'Exists' }] });
    expect(await boundTo('selector')).toBe('gpu');
    await cluster.addPod('default', 'affinity', {
      ...requests('10m'),
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b', 'c'] }] }] } } },
    });
    expect(await boundTo('affinity')).toBe('plain');
    const withPort = { containers: [{ name: 'main', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }] }] };
    await cluster.addPod('default', 'port-1', withPort);
    await cluster.addPod('default', 'port-2', withPort);
    expect(await boundTo('port-1')).toBe('plain');
    await waitFor(async () => condition(await pod('port-2'), 'PodScheduled')?.status === 'False');
    expect(condition(await pod('port-2'), 'PodScheduled')?.message).toBe(
      "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) had untolerated taint {gpu: yes}, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    );
    await cluster.client.resource('', 'pods').delete('default', 'port-1', { gracePeriodSeconds: 0 });
    expect(await boundTo('port-2')).toBe('plain');
  });

  it('keeps required anti-affinity pods apart and affinity pods together', async () => {
    for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['b1', 'b']]) await cluster.addNode(name, { labels: { 'topology.kubernetes.io/zone': zone } });
    const anti = (name: string) =>
      cluster.addPod('default', name, {
        ...requests('10m'),
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'topology.kubernetes.io/zone' }] } },
      }, { labels: { app: 'db', instance: name } });
    await anti('db-0');
    await anti('db-1');
    await anti('db-2');
    const zones = new Set<string>();
    for (const name of ['db-0', 'db-1']) zones.add((await boundTo(name)).startsWith('a') ? 'a' : 'b');
    expect(zones).toEqual(new Set(['a', 'b']));
    await waitFor(async () => condition(await pod('db-2'), 'PodScheduled')?.status === 'False');
    expect(condition(await pod('db-2'), 'PodScheduled')?.message).toMatch(/^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\./);
    const dbNode = nodeOf(await pod('db-0'))!;
    await cluster.addPod('default', 'cache', {
      ...requests('10m'),
      affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { instance: 'db-0' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    });
    expect(await boundTo('cache')).toBe(dbNode);
  });

  it('scores by preferences: preferred node affinity, PreferNoSchedule taints, preferred pod affinity', async () => {
    await cluster.addNode('a', { labels: { disk: 'hdd' } });
    await cluster.addNode('b', { labels: { disk: 'ssd' } });
    await cluster.addNode('c', { labels: { disk: 'ssd' }, taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }] });
    const prefersSsd = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } };
    // b and c both match the preference; c's PreferNoSchedule taint tips it to b.
    await cluster.addPod('default', 'fast', { ...requests('100m'), affinity: prefersSsd }, { labels: { name: 'fast' } });
    expect(await boundTo('fast')).toBe('b');
    // Least-allocated alone would pick an empty node; a preferred pod affinity pulls this one next to `fast`.
    await cluster.addPod('default', 'friend', {
      ...requests('100m'),
      affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { name: 'fast' } }, topologyKey: 'kubernetes.io/hostname' } }] } },
    });
    expect(await boundTo('friend')).toBe('b');
  });

  it('spreads pods across zones under a DoNotSchedule topology constraint', async () => {
    for (const [name, zone] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b']]) await cluster.addNode(name, { labels: { 'topology.kubernetes.io/zone': zone } });
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } }] };
    for (let i = 0; i < 4; i++) {
      await cluster.addPod('default', `web-${i}`, { ...requests('10m'), ...spread }, { labels: { app: 'web' } });
      await boundTo(`web-${i}`);
    }
    const inZoneB = (await Promise.all([0, 1, 2, 3].map((i) => pod(`web-${i}`)))).filter((p) => nodeOf(p) === 'b1').length;
    expect(inZoneB).toBe(2);
  });

  it('fills spec.priority from PriorityClasses, refuses unknown ones, and schedules higher priority first', async () => {
    await cluster.client.resource('scheduling.k8s.io', 'priorityclasses').create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'default-low' }, value: 5, globalDefault: true });
    await expect(
      cluster.client.resource('scheduling.k8s.io', 'priorityclasses').create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'another' }, value: 6, globalDefault: true }),
    ).rejects.toThrow('PriorityClass default-low is already marked as default. Only one default can exist');
    const plain = await cluster.addPod('default', 'plain');
    expect(plain.spec).toMatchObject({ priorityClassName: 'default-low', priority: 5, preemptionPolicy: 'PreemptLowerPriority' });
    const critical = await cluster.addPod('default', 'critical', { priorityClassName: 'system-node-critical' });
    expect((critical.spec as Json).priority).toBe(2000001000);
    const refused = await cluster.addPod('default', 'unknown', { priorityClassName: 'nope' }).catch((e: StatusError) => e);
    expect(refused).toBeInstanceOf(StatusError);
    expect((refused as StatusError).message).toBe('pods "unknown" is forbidden: no PriorityClass with name nope was found');
    const explicit = await cluster.addPod('default', 'explicit', { priority: 7 }).catch((e: StatusError) => e);
    expect((explicit as StatusError).message).toBe('pods "explicit" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 5 from the given PriorityClass name');
  });

  it('preempts lower-priority pods, nominating the node and marking the victims', async () => {
    await cluster.client.resource('scheduling.k8s.io', 'priorityclasses').create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 });
    await cluster.addNode('only', { cpu: '2' });
    await cluster.addPod('default', 'victim', requests('1500m'));
    await boundTo('victim');
    await cluster.addPod('default', 'vip', { ...requests('1'), priorityClassName: 'high' });
    await waitFor(async () => Boolean((await pod('victim'))?.metadata.deletionTimestamp), 10_000, 'the victim to be deleted');
    expect(condition(await pod('victim'), 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'PreemptionByScheduler', message: 'default-scheduler: preempting to accommodate a higher priority pod' });
    await waitFor(async () => ((await pod('vip'))?.status as Json | undefined)?.nominatedNodeName === 'only', 10_000, 'the nomination');
    // No kubelet here: finish the graceful deletion as the node would once the container stopped.
    await cluster.client.resource('', 'pods').delete('default', 'victim', { gracePeriodSeconds: 0 });
    expect(await boundTo('vip')).toBe('only');
    const vip = await pod('vip');
    expect((vip!.status as Json).nominatedNodeName).toBe('only');
    await waitFor(async () => (await cluster.events('default', 'Preempted')).length > 0);
    const [event] = await cluster.events('default', 'Preempted');
    expect(event).toMatchObject({ involvedObject: { name: 'victim' }, message: `Preempted by pod ${vip!.metadata.uid} on node only` });
  });

  it('never preempts for pods with preemptionPolicy Never', async () => {
    await cluster.client.resource('scheduling.k8s.io', 'priorityclasses').create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'polite' }, value: 1000, preemptionPolicy: 'Never' });
    await cluster.addNode('only', { cpu: '1' });
    await cluster.addPod('default', 'resident', requests('800m'));
    await boundTo('resident');
    await cluster.addPod('default', 'newcomer', { ...requests('500m'), priorityClassName: 'polite' });
    await waitFor(async () => condition(await pod('newcomer'), 'PodScheduled')?.status === 'False');
    expect(condition(await pod('newcomer'), 'PodScheduled')?.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
    expect(await pod('resident')).toBeDefined();
  });

  it('holds gated pods, and says why', async () => {
    await cluster.addNode('n');
    await cluster.addPod('default', 'gated', { schedulingGates: [{ name: 'example.com/wait' }] });
    await waitFor(async () => condition(await pod('gated'), 'PodScheduled')?.reason === 'SchedulingGated');
    expect(condition(await pod('gated'), 'PodScheduled')).toMatchObject({ status: 'False', message: 'Scheduling is blocked due to non-empty scheduling gates' });
    expect(nodeOf(await pod('gated'))).toBeUndefined();
  });

  it('says so when there are no nodes, and leaves pods of other schedulers alone', async () => {
    await cluster.addPod('default', 'lonely');
    await cluster.addPod('default', 'custom', { schedulerName: 'my-scheduler' });
    await waitFor(async () => condition(await pod('lonely'), 'PodScheduled')?.status === 'False');
    expect(condition(await pod('lonely'), 'PodScheduled')?.message).toBe('no nodes available to schedule pods');
    await cluster.addNode('n');
    await boundTo('lonely');
    const custom = (await pod('custom')) as KubeObject;
    expect(nodeOf(custom)).toBeUndefined();
    expect(condition(custom, 'PodScheduled')).toBeUndefined();
  });
});
