// Endpoints and EndpointSlices follow a Service's pods, in process (the test plays the kubelet by
// writing pod IPs and readiness through the status subresource).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deepEqual } from '../../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { pino } from 'pino';
import { ApiserverEndpointsController, datastoreMasterLeases } from '../../controllers/apiserver-endpoints.ts';
import { markRunning, testCluster, waitFor, type TestCluster } from '../scheduler/cluster.ts';

type Json = Record<string, any>;

describe('Endpoints and EndpointSlices', () => {
  let cluster: TestCluster;
  beforeEach(async () => {
    cluster = await testCluster({ scheduler: false });
    await cluster.addNode('n1', { labels: { 'topology.kubernetes.io/zone': 'zone-a' } });
  });
  afterEach(() => cluster.close());

  const service = (name: string, spec: Json, labels: Record<string, string> = {}) =>
    cluster.client.resource('', 'services').create({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels }, spec });
  const web = (name: string, extra: Json = {}) =>
    cluster.addPod('default', name, { nodeName: 'n1', containers: [{ name: 'main', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }], ...extra }, { labels: { app: 'web' } });
  const endpoints = (name: string) => cluster.get('', 'endpoints', 'default', name);
  const slices = async (name: string): Promise<Json[]> =>
    (await cluster.client.resource('discovery.k8s.io', 'endpointslices').list('default')).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name) as Json[];

  it('lists ready pods as addresses and the others as notReadyAddresses, on the resolved named port', async () => {
    await service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }, { team: 'blue' });
    await web('web-1');
    await web('web-2');
    await markRunning(cluster, 'default', 'web-1', '10.42.0.11');
    await markRunning(cluster, 'default', 'web-2', '10.42.0.12', false);
    await waitFor(async () => ((await endpoints('web'))?.subsets as Json[] | undefined)?.[0]?.notReadyAddresses?.length === 1, 5000, 'the endpoints');
    const ep = (await endpoints('web'))!;
    expect(ep.metadata.labels).toEqual({ team: 'blue' });
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: '10.42.0.11', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: (await cluster.get('', 'pods', 'default', 'web-1'))!.metadata.uid } }],
        notReadyAddresses: [{ ip: '10.42.0.12', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: (await cluster.get('', 'pods', 'default', 'web-2'))!.metadata.uid } }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
    await waitFor(async () => (await slices('web'))[0]?.endpoints?.length === 2, 5000, 'the slice');
    const [slice] = await slices('web');
    expect(slice!.metadata.labels).toEqual({ team: 'blue', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    const svc = (await cluster.get('', 'services', 'default', 'web'))!;
    expect(slice!.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(slice!.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice).toMatchObject({ addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
    const byName = Object.fromEntries(((slice!.endpoints ?? []) as Json[]).map((e) => [e.targetRef.name, e]));
    expect(byName['web-1']).toMatchObject({ addresses: ['10.42.0.11'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', zone: 'zone-a' });
    expect(byName['web-2']).toMatchObject({ conditions: { ready: false, serving: false, terminating: false } });

    // Readiness flips, a pod goes: both follow.
    await markRunning(cluster, 'default', 'web-2', '10.42.0.12', true);
    await cluster.client.resource('', 'pods').delete('default', 'web-1', { gracePeriodSeconds: 0 });
    const web2 = (await cluster.get('', 'pods', 'default', 'web-2'))!.metadata.uid;
    const followed = [{ addresses: [{ ip: '10.42.0.12', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: web2 } }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }];
    await waitFor(async () => deepEqual((await endpoints('web'))?.subsets, followed), 5000, 'endpoints to follow');
    await waitFor(async () => (await slices('web'))[0]?.endpoints?.length === 1 && (await slices('web'))[0]!.endpoints[0].conditions.ready === true, 5000, 'slices to follow');
  });

  it('publishes not-ready pods when asked, with hostnames for the subdomain', async () => {
    await service('db', { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'web' }, ports: [{ name: 'sql', port: 5432 }] });
    await web('db-0', { hostname: 'db-0', subdomain: 'db' });
    await markRunning(cluster, 'default', 'db-0', '10.42.0.20', false);
    await waitFor(async () => Boolean((await endpoints('db'))?.subsets), 5000, 'the endpoints');
    const ep = (await endpoints('db'))!;
    expect(ep.metadata.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect((ep.subsets as Json[])[0]).toMatchObject({ addresses: [{ ip: '10.42.0.20', hostname: 'db-0' }], ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }] });
    await waitFor(async () => (await slices('db'))[0]?.endpoints?.length === 1, 5000, 'the slice');
    expect((await slices('db'))[0]!.endpoints[0]).toMatchObject({ hostname: 'db-0', conditions: { ready: true, serving: true, terminating: false } });
  });

  it('splits slices at 100 endpoints, keeps a placeholder for an empty Service, and cleans up', async () => {
    await service('empty', { selector: { app: 'nothing' }, ports: [{ port: 80 }] });
    await waitFor(async () => (await slices('empty')).length === 1, 5000, 'the placeholder slice');
    expect((await slices('empty'))[0]).toMatchObject({ endpoints: [] });
    expect((await slices('empty'))[0]!.ports).toBeUndefined();

    await service('many', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] });
    for (let i = 0; i < 250; i++) {
      await web(`w-${i}`);
      await markRunning(cluster, 'default', `w-${i}`, `10.42.${i >> 7}.${(i & 127) + 2}`);
    }
    await waitFor(async () => (await slices('many')).reduce((n, s) => n + ((s.endpoints as Json[]) ?? []).length, 0) === 250, 10_000, '250 endpoints in slices');
    expect((await slices('many')).map((s) => (s.endpoints as Json[]).length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    await waitFor(async () => ((await endpoints('many'))?.subsets as Json[] | undefined)?.[0]?.addresses?.length === 250, 5000, '250 addresses');

    await cluster.client.resource('', 'services').delete('default', 'many');
    await waitFor(async () => !(await endpoints('many')) && (await slices('many')).length === 0, 5000, 'the endpoints to go');
  });

  it('keeps the kubernetes Service pointing at every API server: each adds its address, one that stops removes it', async () => {
    const leases = datastoreMasterLeases(cluster.api.datastore);
    const servers = ['192.0.2.11', '192.0.2.10'].map((address) => new ApiserverEndpointsController(cluster.manager.informers, cluster.client, address, 6443, leases));
    const ports = [{ name: 'https', port: 6443, protocol: 'TCP' }];
    const addresses = async () => ((await endpoints('kubernetes'))?.subsets as Json[] | undefined)?.[0]?.addresses?.map((a: Json) => a.ip);
    try {
      servers[0]!.setup();
      servers[0]!.start(pino({ level: 'silent' }));
      await waitFor(async () => deepEqual(await addresses(), ['192.0.2.11']), 5000, 'the first server in the kubernetes endpoints');
      servers[1]!.setup();
      servers[1]!.start(pino({ level: 'silent' }));
      await waitFor(async () => deepEqual(await addresses(), ['192.0.2.10', '192.0.2.11']), 5000, 'both servers');
      expect((await endpoints('kubernetes'))!.subsets).toEqual([{ addresses: [{ ip: '192.0.2.10' }, { ip: '192.0.2.11' }], ports }]);
      const slice = (await cluster.get('discovery.k8s.io', 'endpointslices', 'default', 'kubernetes')) as KubeObject;
      expect(slice).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }, { addresses: ['192.0.2.11'], conditions: { ready: true } }], ports });
      expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes' });
      expect((await endpoints('kubernetes'))!.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
      // Someone breaks them: they are put back.
      await cluster.client.resource('', 'endpoints').delete('default', 'kubernetes');
      await waitFor(async () => deepEqual(await addresses(), ['192.0.2.10', '192.0.2.11']), 5000, 'the endpoints to come back');
      // A server that stops takes its address out (its lease goes with it).
      await servers[0]!.stop();
      await waitFor(async () => deepEqual(await addresses(), ['192.0.2.10']), 5000, 'the stopped server to leave');
      expect(await leases.addresses()).toEqual(['192.0.2.10']);
    } finally {
      for (const server of servers) await server.stop();
    }
  });
});
