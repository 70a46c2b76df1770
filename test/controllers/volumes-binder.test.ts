// PersistentVolume binding and the built-in local-path provisioner, in process with the scheduler:
// static volumes bind to matching claims; local-path claims wait for their first pod, get a folder
// under the storage dir on the node the scheduler chose, and lose it when released.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { nodeOf, testCluster, waitFor, type TestCluster } from '../scheduler/cluster.ts';

type Json = Record<string, any>;

describe('persistent volumes', () => {
  let cluster: TestCluster;
  let storageDir: string;
  beforeEach(async () => {
    storageDir = mkdtempSync(join(tmpdir(), 'k2-volumes-'));
    cluster = await testCluster({ storageDir });
    await cluster.addNode('n1');
    await cluster.addNode('n2');
  });
  afterEach(async () => {
    await cluster.close();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const pv = (name: string, storage: string, spec: Json = {}, labels: Record<string, string> = {}) =>
    cluster.client.resource('', 'persistentvolumes').create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, labels },
      spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/srv/${name}` }, storageClassName: '', ...spec },
    });
  const pvc = (name: string, spec: Json = {}) =>
    cluster.client.resource('', 'persistentvolumeclaims').create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
    });
  const claim = (name: string) => cluster.get('', 'persistentvolumeclaims', 'default', name);
  const volume = (name: string) => cluster.get('', 'persistentvolumes', undefined, name);
  const phase = (object: KubeObject | undefined) => (object?.status as Json | undefined)?.phase;

  it('binds a claim to the smallest matching volume, both ways, with Kubernetes annotations', async () => {
    await pv('big', '10Gi');
    await pv('small', '2Gi');
    await pv('tiny', '500Mi');
    await pv('shared-only', '1Gi', { accessModes: ['ReadWriteMany'] });
    await pv('labelled', '1Gi', {}, { tier: 'gold' });
    await waitFor(async () => phase(await volume('small')) === 'Available', 5000, 'volumes to be Available');
    await pvc('data', { storageClassName: '' });
    await waitFor(async () => phase(await claim('data')) === 'Bound', 5000, 'the claim to bind');
    const bound = (await claim('data'))!;
    // 'labelled' (1Gi) is the smallest match: a claim without a selector may take labelled volumes.
    expect((bound.spec as Json).volumeName).toBe('labelled');
    expect(bound.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect(bound.status).toMatchObject({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
    const chosen = (await volume('labelled'))!;
    expect(phase(chosen)).toBe('Bound');
    expect((chosen.spec as Json).claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: bound.metadata.uid });
    expect(chosen.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bound-by-controller': 'yes' });

    await pvc('gold', { storageClassName: '', selector: { matchLabels: { tier: 'gold' } } });
    await pvc('plain', { storageClassName: '' });
    await waitFor(async () => phase(await claim('plain')) === 'Bound', 5000, 'the second claim');
    expect(((await claim('plain'))!.spec as Json).volumeName).toBe('small');
    // Nothing left with the gold label: the claim waits, saying why.
    await waitFor(async () => (await cluster.events('default', 'FailedBinding')).length > 0, 5000, 'FailedBinding');
    expect((await cluster.events('default', 'FailedBinding'))[0]!.message).toBe('no persistent volumes available for this claim and no storage class is set');
    expect(phase(await claim('gold'))).toBe('Pending');
  });

  it('releases a volume whose claim is deleted, and fails volumes nothing can delete', async () => {
    await pv('kept', '1Gi', { persistentVolumeReclaimPolicy: 'Retain' });
    await pvc('first', { storageClassName: '' });
    await waitFor(async () => phase(await claim('first')) === 'Bound', 5000, 'the claim to bind');
    await cluster.client.resource('', 'persistentvolumeclaims').delete('default', 'first');
    await waitFor(async () => phase(await volume('kept')) === 'Released', 5000, 'the volume to be released');

    await pv('static-delete', '1Gi', { persistentVolumeReclaimPolicy: 'Delete' });
    await pvc('second', { storageClassName: '' });
    await waitFor(async () => phase(await claim('second')) === 'Bound', 5000, 'the claim to bind');
    await cluster.client.resource('', 'persistentvolumeclaims').delete('default', 'second');
    await waitFor(async () => phase(await volume('static-delete')) === 'Failed', 5000, 'the volume to fail');
    expect((await volume('static-delete'))!.status).toMatchObject({ message: 'error getting deleter volume plugin for volume "static-delete": no deletable volume plugin matched' });
  });

  it('provisions local-path volumes on the node chosen for the first consumer, and deletes them when released', async () => {
    await waitFor(async () => Boolean(await cluster.get('storage.k8s.io', 'storageclasses', undefined, 'local-path')), 5000, 'the local-path class');
    const created = await pvc('data');
    expect((created.spec as Json).storageClassName).toBe('local-path'); // the default class
    await waitFor(async () => (await cluster.events('default', 'WaitForFirstConsumer')).length > 0, 5000, 'WaitForFirstConsumer');
    expect((await cluster.events('default', 'WaitForFirstConsumer'))[0]!.message).toBe('waiting for first consumer to be created before binding');
    expect(phase(await claim('data'))).toBe('Pending');

    await cluster.addPod('default', 'user', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] });
    await waitFor(async () => Boolean(nodeOf(await cluster.get('', 'pods', 'default', 'user'))), 10_000, 'the pod to be bound');
    const node = nodeOf(await cluster.get('', 'pods', 'default', 'user'))!;
    const bound = (await claim('data'))!;
    expect(phase(bound)).toBe('Bound');
    expect(bound.metadata.annotations).toMatchObject({ 'volume.kubernetes.io/selected-node': node, 'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path' });
    const volumeName = `pvc-${bound.metadata.uid}`;
    expect((bound.spec as Json).volumeName).toBe(volumeName);
    const provisioned = (await volume(volumeName))!;
    const path = join(storageDir, `${volumeName}_default_data`);
    expect(provisioned.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path' });
    expect(provisioned.spec).toMatchObject({
      capacity: { storage: '1Gi' },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: 'local-path',
      hostPath: { path, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    });
    expect(existsSync(path)).toBe(true);
    const reasons = (await cluster.events('default')).filter((e) => e.involvedObject && (e.involvedObject as Json).name === 'data').map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['WaitForFirstConsumer', 'ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']));

    // A second pod of the same claim must go where the volume is.
    await cluster.addPod('default', 'second-user', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] });
    await waitFor(async () => nodeOf(await cluster.get('', 'pods', 'default', 'second-user')) === node, 10_000, 'the second pod on the same node');

    for (const name of ['user', 'second-user']) await cluster.client.resource('', 'pods').delete('default', name, { gracePeriodSeconds: 0 });
    await cluster.client.resource('', 'persistentvolumeclaims').delete('default', 'data');
    await waitFor(async () => !(await volume(volumeName)), 5000, 'the volume to be deleted');
    expect(readdirSync(storageDir)).toEqual([]);
  });

  it('keeps a claim a scheduled pod uses, and a Bound volume, Terminating until they are free (in-use protection)', async () => {
    // A Bound volume deleted by hand stays until its claim is gone, then goes (its storage is not touched, as in Kubernetes).
    await pv('static', '1Gi', { persistentVolumeReclaimPolicy: 'Retain' });
    expect((await volume('static'))!.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect((await pvc('kept', { storageClassName: '' })).metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await waitFor(async () => phase(await volume('static')) === 'Bound', 5000, 'the static volume to bind');
    await cluster.client.resource('', 'persistentvolumes').delete(undefined, 'static');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await volume('static'))!.metadata.deletionTimestamp).toBeTruthy();
    await cluster.client.resource('', 'persistentvolumeclaims').delete('default', 'kept');
    await waitFor(async () => !(await claim('kept')) && !(await volume('static')), 5000, 'the unused claim and then its volume to be deleted');

    // Deleting a claim that a scheduled pod uses only marks it; its local-path folder stays.
    await waitFor(async () => Boolean(await cluster.get('storage.k8s.io', 'storageclasses', undefined, 'local-path')), 5000, 'the local-path class');
    await pvc('data');
    await cluster.addPod('default', 'user', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] });
    await waitFor(async () => phase(await claim('data')) === 'Bound', 10_000, 'the claim to bind');
    const volumeName = ((await claim('data'))!.spec as Json).volumeName as string;
    await cluster.client.resource('', 'persistentvolumeclaims').delete('default', 'data');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const terminating = (await claim('data'))!;
    expect(terminating.metadata.deletionTimestamp).toBeTruthy();
    expect(terminating.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(phase(await volume(volumeName))).toBe('Bound');
    expect(readdirSync(storageDir)).toHaveLength(1);

    // Once the pod is gone, the claim goes, and its released volume is deleted with its folder.
    await cluster.client.resource('', 'pods').delete('default', 'user', { gracePeriodSeconds: 0 });
    await waitFor(async () => !(await claim('data')) && !(await volume(volumeName)), 5000, 'the claim and its volume to be deleted');
    expect(readdirSync(storageDir)).toEqual([]);
  });

  it('keeps pods of claims that do not exist or cannot bind pending, with the reason', async () => {
    await cluster.addPod('default', 'orphan', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'missing' } }] });
    await waitFor(async () => ((await cluster.get('', 'pods', 'default', 'orphan'))?.status as Json | undefined)?.conditions?.[0]?.reason === 'Unschedulable', 5000, 'the pod to be unschedulable');
    expect(((await cluster.get('', 'pods', 'default', 'orphan'))!.status as Json).conditions[0].message).toBe(
      '0/2 nodes are available: persistentvolumeclaim "missing" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    await pvc('immediate', { storageClassName: '' });
    await cluster.addPod('default', 'waiting', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'immediate' } }] });
    await waitFor(async () => ((await cluster.get('', 'pods', 'default', 'waiting'))?.status as Json | undefined)?.conditions?.[0]?.message?.includes('unbound immediate'), 5000, 'the pod to wait');
    expect(((await cluster.get('', 'pods', 'default', 'waiting'))!.status as Json).conditions[0].message).toBe(
      '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    // A volume appears: the claim binds and the pod follows.
    await pv('late', '1Gi', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }] }] } } });
    await waitFor(async () => nodeOf(await cluster.get('', 'pods', 'default', 'waiting')) === 'n2', 10_000, 'the pod to follow its volume to n2');
  });
});
