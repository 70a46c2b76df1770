// The controllers and the scheduler run only on the server holding their Lease in kube-system, as
// kube-controller-manager and kube-scheduler do: two servers sharing one etcd take turns and never both act.
import { X509Certificate } from 'node:crypto';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deepEqual } from '../../apiserver/registry/object-meta.ts';
import { identityLeaseName } from '../../controllers/apiserver-identity.ts';
import { eventually } from '../controllers/fixture.ts';
import { startEtcd, type EtcdServer } from '../datastore/etcd-server.ts';
import { runKubectl, startServer, tempDir, type TestServer } from './harness.ts';

interface Lease {
  metadata: { name: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number; acquireTime?: string; renewTime?: string };
}

const servers: TestServer[] = [];
const dirs: string[] = [];
let etcd: EtcdServer | undefined;

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop('SIGKILL')));
  await etcd?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function lease(server: TestServer, name: string): Promise<Lease> {
  const result = await server.request('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);
  if (result.status !== 200) throw new Error(`lease ${name}: ${result.status} ${result.text}`);
  return result.json as Lease;
}

/** The identities under which a server's log says it became leader, by Lease. */
function leadership(server: TestServer): Map<string, string> {
  const held = new Map<string, string>();
  for (const line of server.logs().split('\n')) {
    if (!line.includes('became leader')) continue;
    const entry = JSON.parse(line) as { lease: string; identity: string };
    held.set(entry.lease.replace('kube-system/', ''), entry.identity);
  }
  return held;
}

/** The addresses of the kubernetes Service's endpoints. */
async function apiserverAddresses(server: TestServer): Promise<string[]> {
  const endpoints = (await server.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes')).json as { subsets?: { addresses?: { ip: string }[] }[] };
  return (endpoints.subsets?.[0]?.addresses ?? []).map((address) => address.ip);
}

async function podsOf(server: TestServer, app: string): Promise<{ metadata: { name: string }; spec: { nodeName?: string }; status: { phase?: string } }[]> {
  const result = await server.request('GET', `/api/v1/namespaces/default/pods?labelSelector=app%3D${app}`);
  return (result.json as { items: [] }).items;
}

describe('leader election', () => {
  it('a server alone on SQLite holds both Leases from its first ready moment, and takes them back at once after a crash', async () => {
    const dataDir = tempDir('k2-leader-sqlite-');
    dirs.push(dataDir);
    const first = await startServer({ dataDir, args: ['--simulated-nodes', '1'] });
    servers.push(first);
    const listed = await first.kubectl(['get', 'leases', '-n', 'kube-system']);
    expect(listed.stderr).toBe('');
    const rows = listed.stdout.trim().split('\n').map((line) => line.split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'HOLDER', 'AGE']);
    // Also the server's identity Lease, named after its host as kube-apiserver names it.
    const identity = identityLeaseName(hostname().toLowerCase());
    expect(rows.slice(1).map((row) => row[0])).toEqual([identity, 'kube-controller-manager', 'kube-scheduler']);
    expect(rows[1]![1]).toMatch(new RegExp(`^${identity}_[0-9a-f-]{36}$`));
    const held = leadership(first);
    for (const [name, row] of [['kube-controller-manager', rows[2]!], ['kube-scheduler', rows[3]!]] as const) {
      expect(row[1]).toMatch(/^[a-z0-9.-]+_[0-9a-f-]{36}$/);
      expect(row[1]).toBe(held.get(name));
      const spec = (await lease(first, name)).spec;
      expect(spec).toMatchObject({ leaseDurationSeconds: 15, leaseTransitions: 0 });
      expect(spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    // As client-go's leader election, each win is a LeaderElection event on the Lease.
    const events = await eventually(async () => {
      const result = await first.kubectl(['get', 'events', '-n', 'kube-system', '--field-selector=reason=LeaderElection', '-o', 'custom-columns=OBJECT:.involvedObject.name,SOURCE:.source.component,MESSAGE:.message', '--no-headers']);
      const lines = result.stdout.trim().split('\n').filter(Boolean).sort();
      return lines.length === 2 ? lines : undefined;
    }, 10_000, 'two LeaderElection events');
    expect(events.map((line) => line.split(/\s+/))).toEqual([
      ['kube-controller-manager', 'kube-controller-manager', held.get('kube-controller-manager'), 'became', 'leader'],
      ['kube-scheduler', 'default-scheduler', held.get('kube-scheduler'), 'became', 'leader'],
    ]);
    // The holder renews every 2 s.
    const renewed = (await lease(first, 'kube-scheduler')).spec.renewTime!;
    await eventually(async () => (await lease(first, 'kube-scheduler')).spec.renewTime! > renewed, 5_000, 'a renewal');

    // A crash leaves both Leases held by the dead process; SQLite has no other server, so the next start takes them.
    await first.stop('SIGKILL');
    const second = await startServer({ dataDir, args: ['--simulated-nodes', '1'] });
    servers.push(second);
    const retaken = leadership(second);
    // The identity Lease is the same object, taken over under a new holder.
    const identityHolder = (await lease(second, identity)).spec.holderIdentity;
    expect(identityHolder).toMatch(new RegExp(`^${identity}_`));
    expect(identityHolder).not.toBe(rows[1]![1]);
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const spec = (await lease(second, name)).spec;
      expect(spec.holderIdentity).toBe(retaken.get(name));
      expect(spec.holderIdentity).not.toBe(held.get(name));
      expect(spec.leaseTransitions).toBe(1);
    }
    // Its controllers and scheduler run: a Deployment's pods are created, bound and running.
    expect((await second.kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=2'])).code).toBe(0);
    await eventually(async () => (await podsOf(second, 'web')).filter((pod) => pod.status.phase === 'Running').length === 2, 20_000, 'two running pods');
    await second.stop();
  }, 90_000);

  it('two servers on one etcd take turns: one runs the controllers and the scheduler, the other takes over when it dies or stops', async () => {
    etcd = await startEtcd();
    const args = ['--datastore-endpoint', etcd.endpoint, '--disable-snapshots', '--simulated-nodes', '2', '--leader-elect-lease-duration', '6s', '--leader-elect-renew-deadline', '4s', '--leader-elect-retry-period', '500ms'];
    const a = await startServer({ args: [...args, '--node-name', 'server-a', '--advertise-address', '127.0.0.11'] });
    servers.push(a);
    await eventually(() => leadership(a).size === 2, 10_000, 'server A to lead');
    // Another server gets the first one's certificates and keys (README: the datastore), then shares the cluster.
    const withCertificatesOf = (first: TestServer) => {
      const dataDir = tempDir('k2-leader-etcd-');
      dirs.push(dataDir);
      cpSync(join(first.dataDir, 'tls'), join(dataDir, 'tls'), { recursive: true });
      return dataDir;
    };
    const b = await startServer({ dataDir: withCertificatesOf(a), args: [...args, '--node-name', 'server-b', '--advertise-address', '127.0.0.12'] });
    servers.push(b);
    // One kubeconfig and one service-account token work on both.
    expect((await runKubectl(a.kubeconfig, ['--server', b.url, 'get', 'namespace', 'default', '-o', 'name'])).stdout.trim()).toBe('namespace/default');
    expect((await a.kubectl(['create', 'serviceaccount', 'bot'])).code).toBe(0);
    const token = (await a.kubectl(['create', 'token', 'bot'])).stdout.trim();
    const review = await b.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { anonymous: true, headers: { authorization: `Bearer ${token}` }, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect((review.json as { status: { userInfo: { username: string } } }).status.userInfo.username).toBe('system:serviceaccount:default:bot');
    // Each server publishes its identity: a client can count them.
    const identities = await b.kubectl(['get', 'leases', '-n', 'kube-system', '-l', 'apiserver.kubernetes.io/identity=kube-apiserver', '-o', 'custom-columns=NAME:.metadata.name,HOST:.metadata.labels.kubernetes\\.io/hostname', '--no-headers']);
    expect(identities.stdout.trim().split('\n').map((line) => line.split(/\s+/)).sort((x, y) => x[1]!.localeCompare(y[1]!))).toEqual([
      [identityLeaseName('server-a'), 'server-a'],
      [identityLeaseName('server-b'), 'server-b'],
    ]);

    // Each serving certificate carries its server's advertised address.
    expect(new X509Certificate(readFileSync(join(b.dataDir, 'tls', 'serving.crt'))).subjectAltName).toContain('IP Address:127.0.0.12');
    // Every server is an endpoint of the kubernetes Service, whoever leads.
    await eventually(async () => deepEqual(await apiserverAddresses(b), ['127.0.0.11', '127.0.0.12']), 15_000, 'both servers in the kubernetes endpoints');

    // Work created through B is done once, by A's controllers and scheduler.
    expect((await b.kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=4'])).code).toBe(0);
    expect((await b.kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'])).code).toBe(0);
    const replicaSets = (await b.request('GET', '/apis/apps/v1/namespaces/default/replicasets')).json as { items: unknown[] };
    expect(replicaSets.items).toHaveLength(1);
    expect(await podsOf(b, 'web')).toHaveLength(4);
    // Two ReplicaSet controllers at work would each create 4 pods, then delete the extra ones.
    const replicaSetEvents = async () => ((await b.request('GET', '/api/v1/namespaces/default/events')).json as { items: { reason: string; involvedObject: { kind: string } }[] }).items
      .filter((event) => event.involvedObject.kind === 'ReplicaSet').map((event) => event.reason);
    await eventually(async () => (await replicaSetEvents()).length === 4, 10_000, 'four ReplicaSet events');
    expect(await replicaSetEvents()).toEqual(Array(4).fill('SuccessfulCreate'));
    expect(leadership(b).size).toBe(0);
    const holders = leadership(a);
    expect((await lease(b, 'kube-controller-manager')).spec.holderIdentity).toBe(holders.get('kube-controller-manager'));

    // A dies without a word: B waits out the lease duration, then takes both Leases and does the work.
    await a.stop('SIGKILL');
    const killedAt = Date.now();
    await eventually(() => leadership(b).size === 2, 20_000, 'server B to take over');
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(4_000);
    expect((await b.kubectl(['scale', 'deployment/web', '--replicas=6'])).code).toBe(0);
    await eventually(async () => (await podsOf(b, 'web')).filter((pod) => pod.status.phase === 'Running').length === 6, 30_000, 'six running pods');
    expect(await podsOf(b, 'web')).toHaveLength(6);
    // A's master lease expires (15 s), and B takes its address out of the endpoints.
    await eventually(async () => deepEqual(await apiserverAddresses(b), ['127.0.0.12']), 30_000, 'the dead server to leave the kubernetes endpoints');

    // A stopped server hands its Leases back: the waiting one takes them well within the lease duration.
    const c = await startServer({ dataDir: withCertificatesOf(b), args: [...args, '--node-name', 'server-c', '--advertise-address', '127.0.0.13'] });
    servers.push(c);
    await b.stop();
    const stoppedAt = Date.now();
    expect(b.logs()).not.toContain('could not release the leader lease');
    await eventually(() => leadership(c).size === 2, 10_000, 'server C to take over');
    // A stopping server takes its own address out.
    await eventually(async () => deepEqual(await apiserverAddresses(c), ['127.0.0.13']), 5_000, 'the stopped server to leave the kubernetes endpoints');
    // Released, not expired: well within the 6 s lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(4_000);
    const spec = (await lease(c, 'kube-scheduler')).spec;
    expect(spec.holderIdentity).toBe(leadership(c).get('kube-scheduler'));
    expect(spec.leaseTransitions).toBe(2);
    await c.stop();
  }, 120_000);

  it('names identity Leases as kube-apiserver does: kube-apiserver- and the base32 of the host name\'s SHA-256', () => {
    // The example of the Kubernetes documentation (a kind cluster's first control-plane node).
    expect(identityLeaseName('kind-control-plane')).toBe('kube-apiserver-c4vwjftbvpc5os2vvzle4qg27a');
  });

  it('refuses leader election timing under which two servers could lead at once', async () => {
    const refused = await startServer({ args: ['--leader-elect-lease-duration', '5s', '--leader-elect-renew-deadline', '10s'] }).catch((error: Error) => error);
    expect(String(refused)).toContain('invalid leader election timing: want --leader-elect-lease-duration > --leader-elect-renew-deadline > 1.2 × --leader-elect-retry-period > 0');
  });
});
