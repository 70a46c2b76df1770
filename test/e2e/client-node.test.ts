// @kubernetes/client-node against a real k2 server: CRUD, an informer (list+watch), and a watch that
// resumes from its last resourceVersion after k2 restarts.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type TestServer } from './harness.ts';

function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(check, 20);
    };
    check();
  });
}

describe('@kubernetes/client-node', () => {
  const dataDir = tempDir();
  let server: TestServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  beforeAll(async () => {
    server = await startServer({ dataDir });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates, reads, updates, lists and deletes', async () => {
    await core.createNamespace({ body: { metadata: { name: 'client-node' } } });
    const created = await core.createNamespacedConfigMap({ namespace: 'client-node', body: { metadata: { name: 'one', labels: { app: 'x' } }, data: { a: '1' } } });
    expect(created.metadata?.uid).toBeTruthy();
    const read = await core.readNamespacedConfigMap({ namespace: 'client-node', name: 'one' });
    expect(read.data).toEqual({ a: '1' });
    read.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ namespace: 'client-node', name: 'one', body: read });
    expect(replaced.data).toEqual({ a: '2' });
    await expect(core.replaceNamespacedConfigMap({ namespace: 'client-node', name: 'one', body: read })).rejects.toMatchObject({ code: 409 });
    const list = await core.listNamespacedConfigMap({ namespace: 'client-node', labelSelector: 'app=x' });
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['one']);
    await core.deleteNamespacedConfigMap({ namespace: 'client-node', name: 'one' });
    await expect(core.readNamespacedConfigMap({ namespace: 'client-node', name: 'one' })).rejects.toMatchObject({ code: 404 });
  });

  it('runs an informer over list and watch', async () => {
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/client-node/configmaps', () => core.listNamespacedConfigMap({ namespace: 'client-node' }));
    const seen: string[] = [];
    informer.on('add', (cm) => seen.push(`add ${cm.metadata?.name}`));
    informer.on('update', (cm) => seen.push(`update ${cm.metadata?.name} ${cm.data?.v}`));
    informer.on('delete', (cm) => seen.push(`delete ${cm.metadata?.name}`));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'client-node', body: { metadata: { name: 'watched' }, data: { v: '1' } } });
      await core.patchNamespacedConfigMap({ namespace: 'client-node', name: 'watched', body: { data: { v: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: 'client-node', name: 'watched' });
      await until(() => seen.includes('delete watched'));
      expect(seen.filter((s) => s.includes('watched'))).toEqual(['add watched', 'update watched 2', 'delete watched']);
      expect(informer.list('client-node').some((cm) => cm.metadata?.name === 'watched')).toBe(false);
    } finally {
      await informer.stop();
    }
  });

  it('resumes a watch from its resourceVersion after k2 restarts', async () => {
    await core.createNamespacedConfigMap({ namespace: 'client-node', body: { metadata: { name: 'before' } } });
    const list = await core.listNamespacedConfigMap({ namespace: 'client-node' });
    const resourceVersion = list.metadata!.resourceVersion!;
    // Changes after that resourceVersion, before the restart, must be replayed after it.
    await core.createNamespacedConfigMap({ namespace: 'client-node', body: { metadata: { name: 'between' } } });
    await core.deleteNamespacedConfigMap({ namespace: 'client-node', name: 'between' });
    await server.stop();
    server = await startServer({ dataDir });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'client-node', body: { metadata: { name: 'after' } } });

    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const controller = await watch.watch(
      '/api/v1/namespaces/client-node/configmaps',
      { resourceVersion },
      (type, object) => events.push(`${type} ${object.metadata.name}`),
      () => undefined,
    );
    try {
      await until(() => events.includes('ADDED after')).catch((e) => { throw new Error(e.message + ' events: ' + events.join('; ')); });
      expect(events.filter((e) => !e.includes('kube-root-ca.crt'))).toEqual(['ADDED between', 'DELETED between', 'ADDED after']);
      expect(events.some((e) => e.startsWith('ERROR'))).toBe(false);
    } finally {
      controller.abort();
    }
  });
});
