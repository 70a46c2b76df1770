// StatefulSets and DaemonSets in process. Pods are marked Running/Ready by the test-only kubelet
// stand-in, which also binds DaemonSet pods to the node their affinity names (the scheduler's job
// once it exists); Node objects are created by the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { shouldRunOn } from '../../controllers/daemon-set.ts';
import { controllerFixture, eventually, type ControllerFixture } from './fixture.ts';

type Json = Record<string, any>;

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'busybox:1', command: ['sleep', '3600'] }] } });

describe('statefulset controller', () => {
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture();
  });
  afterAll(() => f.close());
  const sets = () => f.admin.resource('apps', 'statefulsets');
  const pods = () => f.admin.resource('', 'pods');

  it('creates pods in order with stable names, labels and claims, then rolls out from the top', async () => {
    const ns = await f.namespace('s1');
    const order: string[] = [];
    const seen = new Set<string>();
    const watch = setInterval(async () => {
      for (const pod of (await pods().list(ns)).items) if (!seen.has(pod.metadata.name!)) {
        seen.add(pod.metadata.name!);
        order.push(pod.metadata.name!);
      }
    }, 10);
    await sets().create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 3,
        serviceName: 'web',
        selector: { matchLabels: { app: 'web' } },
        template: template('web'),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    const ready = (await eventually(async () => {
      const s = (await sets().get(ns, 'web')) as Json;
      return s.status?.readyReplicas === 3 && s.status.currentReplicas === 3 ? s : undefined;
    }, 15_000, 'statefulset ready')) as Json;
    clearInterval(watch);
    expect(order).toEqual(['web-0', 'web-1', 'web-2']);
    expect(ready.status.currentRevision).toBe(ready.status.updateRevision);
    expect(ready.status.currentRevision).toMatch(/^web-[a-z0-9]+$/);
    const web1 = (await pods().get(ns, 'web-1')) as Json;
    expect(web1.metadata.labels).toMatchObject({ app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': ready.status.currentRevision });
    expect(web1.spec.hostname).toBe('web-1');
    expect(web1.spec.subdomain).toBe('web');
    expect(web1.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } });
    const claim = (await f.admin.resource('', 'persistentvolumeclaims').get(ns, 'data-web-1')) as Json;
    expect(claim.metadata.labels).toEqual({ app: 'web' });
    const revisions = (await f.admin.resource('apps', 'controllerrevisions').list(ns)).items as Json[];
    expect(revisions).toHaveLength(1);
    expect(revisions[0].revision).toBe(1);
    const messages = (await f.admin.resource('', 'events').list(ns)).items.map((e) => e.message);
    expect(messages).toContain('create Pod web-0 in StatefulSet web successful');
    expect(messages).toContain('create Claim data-web-0 Pod web-0 in StatefulSet web success');

    // A partitioned rolling update replaces only ordinals >= partition, highest first.
    await sets().modify(ns, 'web', (s) => {
      const spec = s.spec as Json;
      spec.template.spec.containers[0].image = 'busybox:2';
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 1 } };
      return s;
    });
    const partial = (await eventually(async () => {
      const s = (await sets().get(ns, 'web')) as Json;
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 ? s : undefined;
    }, 15_000, 'partitioned rollout')) as Json;
    const images = async () => Object.fromEntries(((await pods().list(ns)).items as Json[]).map((p) => [p.metadata.name, p.spec.containers[0].image]));
    expect(await images()).toEqual({ 'web-0': 'busybox:1', 'web-1': 'busybox:2', 'web-2': 'busybox:2' });
    expect(partial.status.currentRevision).not.toBe(partial.status.updateRevision);
    await sets().modify(ns, 'web', (s) => {
      (s.spec as Json).updateStrategy.rollingUpdate.partition = 0;
      return s;
    });
    const done = (await eventually(async () => {
      const s = (await sets().get(ns, 'web')) as Json;
      return s.status?.updatedReplicas === 3 && s.status.readyReplicas === 3 && s.status.currentRevision === s.status.updateRevision ? s : undefined;
    }, 15_000, 'full rollout')) as Json;
    expect(done.status.currentReplicas).toBe(3);

    // Scale down removes the highest ordinal; claims stay (Retain).
    await sets().modify(ns, 'web', (s) => ({ ...s, spec: { ...(s.spec as Json), replicas: 1 } }));
    await eventually(async () => (await pods().list(ns)).items.map((p) => p.metadata.name).join() === 'web-0', 15_000, 'scaled down to web-0');
    expect((await f.admin.resource('', 'persistentvolumeclaims').list(ns)).items).toHaveLength(3);
  });

  it('creates pods all at once with Parallel', async () => {
    const ns = await f.namespace('s2');
    const standIn = f.kubelet as unknown as { options: { outcome?: (pod: KubeObject) => string } };
    standIn.options.outcome = () => 'Pending';
    await sets().create({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'p', namespace: ns }, spec: { replicas: 3, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'p' } }, template: template('p') } });
    await eventually(async () => (await pods().list(ns)).items.length === 3, 10_000, 'three pods without waiting for readiness');
    delete standIn.options.outcome;
  });
});

describe('daemonset controller', () => {
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture();
  });
  afterAll(() => f.close());
  const node = (name: string, extra: Json = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } }, spec: extra.spec ?? {} });

  it('knows which nodes a daemon pod may run on', () => {
    const tpl = { spec: { nodeSelector: { disk: 'ssd' } } };
    expect(shouldRunOn(node('a', { labels: { disk: 'ssd' } }), tpl)).toBe(true);
    expect(shouldRunOn(node('a'), tpl)).toBe(false);
    expect(shouldRunOn(node('b', { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } }), {})).toBe(false);
    expect(shouldRunOn(node('b', { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } }), { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }] } })).toBe(true);
    // The default daemon tolerations cover cordoned and not-ready nodes.
    expect(shouldRunOn(node('c', { spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] } }), {})).toBe(true);
  });

  it('runs one pod per eligible node, follows nodes and rolls out updates', async () => {
    const ns = await f.namespace('ds');
    const nodes = f.admin.resource('', 'nodes');
    for (const name of ['n1', 'n2', 'n3']) await nodes.create(node(name, name === 'n3' ? { spec: { taints: [{ key: 'gpu', effect: 'NoSchedule' }] } } : {}));
    const sets = f.admin.resource('apps', 'daemonsets');
    await sets.create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: ns }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } });
    const ready = (await eventually(async () => {
      const d = (await sets.get(ns, 'agent')) as Json;
      return d.status?.numberReady === 2 && d.status.numberAvailable === 2 ? d : undefined;
    }, 15_000, 'daemon pods ready')) as Json;
    expect(ready.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, updatedNumberScheduled: 2 });
    const podList = (await f.admin.resource('', 'pods').list(ns)).items as Json[];
    expect(podList.map((p) => p.spec.nodeName).sort()).toEqual(['n1', 'n2']);
    const pod = podList[0];
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec.nodeName] }] }] });
    expect(pod.spec.tolerations).toContainEqual({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.metadata.labels['controller-revision-hash']).toBeTruthy();
    expect(pod.metadata.labels['pod-template-generation']).toBe('1');

    await nodes.create(node('n4'));
    await eventually(async () => ((await sets.get(ns, 'agent')) as Json).status?.numberReady === 3, 15_000, 'new node gets a pod');

    await sets.modify(ns, 'agent', (d) => {
      (d.spec as Json).template.spec.containers[0].image = 'busybox:2';
      return d;
    });
    await eventually(async () => {
      const d = (await sets.get(ns, 'agent')) as Json;
      const images = ((await f.admin.resource('', 'pods').list(ns)).items as Json[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image);
      return d.status?.updatedNumberScheduled === 3 && d.status.numberAvailable === 3 && images.length === 3 && images.every((i) => i === 'busybox:2');
    }, 20_000, 'daemonset rolled out');
    expect((await f.admin.resource('apps', 'controllerrevisions').list(ns)).items).toHaveLength(2);
  });
});
