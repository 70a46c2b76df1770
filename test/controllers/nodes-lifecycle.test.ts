// Node lifecycle and taint-based eviction, in process: a node whose Lease stops goes Unknown after
// the grace period, gets the unreachable taints, its pods turn Ready=False and are evicted once
// their tolerationSeconds pass.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { microTimestamp } from '../../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { condition, markRunning, testCluster, waitFor, type TestCluster } from '../scheduler/cluster.ts';

type Json = Record<string, any>;

const graceMs = 800;

describe('node lifecycle', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster({ nodeMonitorGracePeriodMs: graceMs, scheduler: false });
  });
  afterEach(() => cluster.close());

  const node = (name: string) => cluster.get('', 'nodes', undefined, name);
  const taintKeys = async (name: string) => (((await node(name))?.spec as Json | undefined)?.taints ?? []).map((t: Json) => `${t.key}:${t.effect}`).sort();
  const renewLease = async (name: string) => {
    const leases = cluster.client.resource('coordination.k8s.io', 'leases');
    const current = await leases.find('kube-node-lease', name);
    if (current) await leases.modify('kube-node-lease', name, (lease) => ((lease.spec as Json).renewTime = microTimestamp(), lease));
    else await leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTimestamp() } });
  };
  const boundPod = async (name: string, nodeName: string, spec: Json = {}) => {
    await cluster.addPod('default', name, { nodeName, ...spec });
    await markRunning(cluster, 'default', name, `10.42.0.${name.length + 10}`);
  };

  it('keeps a node Ready while its Lease is renewed, then marks it Unknown, taints it and its pods', async () => {
    await cluster.addNode('n1');
    await boundPod('app', 'n1');
    const renewing = setInterval(() => void renewLease('n1'), 200);
    try {
      await renewLease('n1');
      await new Promise((resolve) => setTimeout(resolve, graceMs * 2));
      expect(condition(await node('n1'), 'Ready')?.status).toBe('True');
      expect(await taintKeys('n1')).toEqual([]);
    } finally {
      clearInterval(renewing);
    }
    await waitFor(async () => condition(await node('n1'), 'Ready')?.status === 'Unknown', 5000, 'the node to go Unknown');
    const lost = await node('n1');
    expect(condition(lost, 'Ready')).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(condition(lost, 'MemoryPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
    await waitFor(async () => (await taintKeys('n1')).length === 2, 5000, 'the unreachable taints');
    expect(await taintKeys('n1')).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    const noExecute = (((await node('n1'))!.spec as Json).taints as Json[]).find((t) => t.effect === 'NoExecute');
    expect(noExecute?.timeAdded).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await waitFor(async () => condition(await cluster.get('', 'pods', 'default', 'app'), 'Ready')?.status === 'False', 5000, 'the pod to turn unready');
    await waitFor(async () => (await cluster.events('default', 'NodeNotReady')).length >= 2, 5000, 'NodeNotReady events');
    const messages = (await cluster.events('default', 'NodeNotReady')).map((e) => e.message).sort();
    expect(messages).toEqual(['Node is not ready', 'Node n1 status is now: NodeNotReady']);
  });

  it('lifts the taints when the node reports Ready again, and taints cordoned nodes', async () => {
    await cluster.addNode('n1');
    await waitFor(async () => condition(await node('n1'), 'Ready')?.status === 'Unknown', 5000, 'the node to go Unknown');
    await waitFor(async () => (await taintKeys('n1')).length === 2);
    // The kubelet is back: it renews its Lease (else the node goes Unknown again after the grace period) and reports Ready.
    await renewLease('n1');
    const renewing = setInterval(() => void renewLease('n1'), 200);
    try {
      await cluster.client.resource('', 'nodes').modify(undefined, 'n1', (n) => {
        const ready = ((n.status as Json).conditions as Json[]).find((c) => c.type === 'Ready')!;
        Object.assign(ready, { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString().slice(0, 19) + 'Z' });
        return n;
      }, { subresource: 'status' });
      await waitFor(async () => (await taintKeys('n1')).length === 0, 5000, 'the taints to go');
      await cluster.client.resource('', 'nodes').modify(undefined, 'n1', (n) => ((n.spec as Json).unschedulable = true, n));
      await waitFor(async () => (await taintKeys('n1')).includes('node.kubernetes.io/unschedulable:NoSchedule'), 5000, 'the cordon taint');
    } finally {
      clearInterval(renewing);
    }
  });
});

describe('pod garbage collection', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster({ scheduler: false, orphanPodQuarantineMs: 300 });
  });
  afterEach(() => cluster.close());

  it('deletes the pods of a deleted node after the quarantine, marking them Failed', async () => {
    await cluster.addNode('gone');
    await cluster.addNode('stays');
    await cluster.addPod('default', 'orphan', { nodeName: 'gone' });
    await cluster.addPod('default', 'kept', { nodeName: 'stays' });
    const watched: KubeObject[] = [];
    cluster.manager.informers.informer('', 'pods').addHandlers({ update: (_old, pod) => pod.metadata.name === 'orphan' && watched.push(pod) });
    await cluster.client.resource('', 'nodes').delete(undefined, 'gone');
    await waitFor(async () => !(await cluster.get('', 'pods', 'default', 'orphan')), 5000, 'the orphan to be deleted');
    expect(watched.at(-1)!.status).toMatchObject({ phase: 'Failed' });
    expect(condition(watched.at(-1), 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
    expect(await cluster.get('', 'pods', 'default', 'kept')).toBeDefined();
  });
});

describe('taint eviction', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster({ scheduler: false });
  });
  afterEach(() => cluster.close());

  const pod = (name: string) => cluster.get('', 'pods', 'default', name);

  it('gives every new pod the default 300 s tolerations of lost nodes', async () => {
    const created = await cluster.addPod('default', 'plain');
    expect((created.spec as Json).tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = await cluster.addPod('default', 'own', { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] });
    expect(((own.spec as Json).tolerations as Json[]).map((t) => `${t.key}=${t.tolerationSeconds}`)).toEqual(['node.kubernetes.io/unreachable=5', 'node.kubernetes.io/not-ready=300']);
  });

  it('evicts pods that do not tolerate a NoExecute taint at once, the others after tolerationSeconds', async () => {
    await cluster.addNode('n1');
    const tolerate = (seconds?: number) => ({ tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) }] });
    await cluster.addPod('default', 'intolerant', { nodeName: 'n1' });
    await cluster.addPod('default', 'patient', { nodeName: 'n1', ...tolerate(1) });
    await cluster.addPod('default', 'forever', { nodeName: 'n1', ...tolerate() });
    const tainted = Date.now();
    await cluster.client.resource('', 'nodes').modify(undefined, 'n1', (n) => ((n.spec as Json).taints = [{ key: 'maintenance', effect: 'NoExecute' }], n));
    const deleting = async (name: string) => Boolean((await pod(name))?.metadata.deletionTimestamp);
    await waitFor(() => deleting('intolerant'), 5000, 'the intolerant pod to go');
    expect(await deleting('patient')).toBe(false);
    expect(condition(await pod('intolerant'), 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
    await waitFor(() => deleting('patient'), 5000, 'the patient pod to go');
    expect(Date.now() - tainted).toBeGreaterThanOrEqual(900);
    expect(await deleting('forever')).toBe(false);
    const events = (await cluster.events('default', 'TaintManagerEviction')).map((e: KubeObject) => e.message).sort();
    expect(events).toEqual(['Marking for deletion Pod default/intolerant', 'Marking for deletion Pod default/patient']);
  });

  it('cancels a pending eviction when the taint goes', async () => {
    await cluster.addNode('n1');
    await cluster.addPod('default', 'patient', { nodeName: 'n1', tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }] });
    await cluster.client.resource('', 'nodes').modify(undefined, 'n1', (n) => ((n.spec as Json).taints = [{ key: 'maintenance', effect: 'NoExecute' }], n));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cluster.client.resource('', 'nodes').modify(undefined, 'n1', (n) => (delete (n.spec as Json).taints, n));
    await waitFor(async () => (await cluster.events('default', 'TaintManagerEviction')).length > 0, 5000, 'the cancellation');
    expect((await cluster.events('default', 'TaintManagerEviction'))[0]!.message).toBe('Cancelling deletion of Pod default/patient');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await pod('patient'))?.metadata.deletionTimestamp).toBeUndefined();
  });
});
