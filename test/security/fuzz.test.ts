// The hostile-input acceptance: at least 10,000 generated hostile requests (malformed, oversized,
// deeply nested, mis-typed, forged, and random mutations of valid objects) against a running k2.
// The server must not crash, answer no 5xx but 429/503, stay under 300 MB resident, and every
// object written before the run must be unchanged after it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../apiserver/pki.ts';
import { startServer, type TestServer } from '../e2e/harness.ts';
import { serverCa } from './credentials.ts';
import { FuzzClient, newTally, residentMb, residentParts, type Tally } from './fuzz-runner.ts';
import { hostileGenerators, random, validObjects, type HostileRequest } from './hostile-requests.ts';

const totalRequests = 10_000;
const concurrency = 8;
const maxResidentMb = 300;
const seed = Number(process.env.K2_FUZZ_SEED ?? 20260401);

/** Every object the fuzz must leave alone, by its listing path. */
const guardedLists = [
  '/api/v1/namespaces/default/configmaps',
  '/api/v1/namespaces/default/secrets',
  '/api/v1/namespaces/default/serviceaccounts',
  '/api/v1/namespaces/kube-system/secrets',
  '/api/v1/namespaces/kube-system/configmaps',
  '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  '/apis/rbac.authorization.k8s.io/v1/roles',
  '/api/v1/namespaces',
];

describe('hostile input', () => {
  let server: TestServer;
  let client: FuzzClient;

  const snapshot = async (): Promise<Map<string, string>> => {
    const objects = new Map<string, string>();
    for (const path of guardedLists) {
      const response = await server.request('GET', path);
      expect(response.status, path).toBe(200);
      for (const item of response.json.items as { metadata: { namespace?: string; name: string } }[]) {
        // The fuzz namespace is the fuzz's to write in; everything else must stay as it was.
        if (item.metadata.namespace === 'fuzz' || item.metadata.name === 'fuzz') continue;
        objects.set(`${path}/${item.metadata.namespace ?? ''}/${item.metadata.name}`, JSON.stringify(item));
      }
    }
    return objects;
  };

  beforeAll(async () => {
    // A short read timeout: requests that never finish sending (a lying Content-Length) get their 408 soon.
    server = await startServer({ args: ['--request-read-timeout', '3s'] });
    const apply = async (manifest: object) => {
      const result = await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
      expect(result.code, result.stderr).toBe(0);
    };
    await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fuzz' } });
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'default' }, data: { precious: 'data' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'keep', namespace: 'default' }, stringData: { password: 'hunter2' } });
    await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'keep', namespace: 'default' } });
    await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'keep' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] });
    await apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'jane-view', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'jane' }] });
    // What the mutated patches patch: one object of each kind in the fuzz namespace.
    for (const { object } of validObjects('fuzz-target')) {
      if (object.kind === 'CertificateSigningRequest' || object.kind === 'Pod') continue;
      await apply(object);
    }
    // jane: a certificate from the cluster CA (as an approved CSR would give); token: a service account's.
    const tls = join(server.dataDir, 'tls');
    const ca = await CertificateAuthority.load(readFileSync(join(tls, 'ca.crt'), 'utf8'), readFileSync(join(tls, 'ca.key'), 'utf8'));
    const jane = await ca.issue({ commonName: 'jane', organizations: ['devs'], usage: 'client', days: 1 });
    const admin = { cert: readFileSync(join(tls, 'admin.crt'), 'utf8'), key: readFileSync(join(tls, 'admin.key'), 'utf8') };
    const token = (await server.kubectl(['create', 'token', 'keep'])).stdout.trim();
    client = new FuzzClient(server, serverCa(server), { admin, jane: { cert: jane.certPem, key: jane.keyPem }, token: { token } });
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it(`survives ${totalRequests} hostile requests: no crash, no 5xx but 429/503, bounded memory, objects unchanged`, async () => {
    const before = await snapshot();
    const rnd = random(seed);
    let n = 0;
    const generators = hostileGenerators(rnd, () => n++);
    // Multi-megabyte bodies and huge label sets are a tenth as frequent as the rest (they test limits, not throughput).
    const heavy = new Set(['oversized-object', 'oversized-body', 'huge-labels']);
    function* requests(): Generator<HostileRequest> {
      for (let i = 0; i < totalRequests; ) {
        const request = generators[Math.floor(rnd() * generators.length)]!();
        if (heavy.has(request.category) && rnd() > 0.1) continue;
        i++;
        yield request;
      }
    }
    const startMb = residentMb(server.process.pid!);
    let peakMb = startMb;
    // What made up the peak, and when it came: printed with the result, so a failure in CI explains itself.
    let peakAt = '';
    const tally: Tally = newTally();
    const sampler = setInterval(() => {
      try {
        const parts = residentParts(server.process.pid!);
        if (parts.total <= peakMb) return;
        peakMb = parts.total;
        peakAt = `after ${tally.total} requests: anon ${parts.anon.toFixed(0)} MB, file ${parts.file.toFixed(0)} MB, shmem ${parts.shmem.toFixed(0)} MB`;
      } catch {
        // the process is gone: reported below
      }
    }, 100);
    const started = Date.now();
    try {
      await client.run(requests(), concurrency, tally);
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;

    const lines = [`hostile requests: ${tally.total} in ${seconds.toFixed(1)} s (seed ${seed}), RSS ${startMb.toFixed(0)} MB before, peak ${peakMb.toFixed(0)} MB ${peakAt}`];
    const metrics = server.process.exitCode === null ? (await server.request('GET', '/metrics')).text : '';
    const heapMb = (name: string) => (Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]) / 1048576).toFixed(0);
    lines.push(`  at the end: RSS ${residentMb(server.process.pid!).toFixed(0)} MB; V8 heap ${heapMb('nodejs_heap_size_used_bytes')} MB used of ${heapMb('nodejs_heap_size_total_bytes')} MB, external ${heapMb('nodejs_external_memory_bytes')} MB`);
    lines.push(`  by status: ${[...tally.byStatus].sort((a, b) => a[0] - b[0]).map(([s, c]) => `${s}×${c}`).join(' ')}`);
    for (const [category, outcomes] of [...tally.byCategory].sort()) lines.push(`  ${category.padEnd(20)} ${[...outcomes].sort().map(([s, c]) => `${s}×${c}`).join(' ')}`);
    console.log(lines.join('\n'));

    expect(server.process.exitCode).toBeNull();
    expect(server.process.signalCode).toBeNull();
    expect(tally.total).toBeGreaterThanOrEqual(totalRequests);
    expect(tally.serverErrors.map((e) => `${e.request.category} ${e.request.method} ${e.request.path}: ${e.outcome.status} ${e.outcome.body}`)).toEqual([]);
    expect(Object.fromEntries(tally.networkErrors)).toEqual({});
    expect(tally.tooManyWithoutRetryAfter).toBe(0);
    expect(peakMb, lines.join('\n')).toBeLessThan(maxResidentMb);
    expect((await server.request('GET', '/readyz')).status).toBe(200);
    const after = await snapshot();
    expect(before.size).toBeGreaterThan(100);
    for (const [key, json] of before) expect(after.get(key), key).toBe(json);
  }, 110_000);
});
