// Acceptance with real kubectl against a real k2 server: a client-certificate user (added the
// Kubernetes way, through a CSR) with only `view`; a pod's projected service-account token as the
// node agent asks for it; expired and wrong-audience tokens; anonymous requests; static tokens.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../apiserver/auth/jwt.ts';
import { bootstrapTokenSecret } from '../../apiserver/auth/bootstrap-tokens.ts';
import { runKubectl, startServer, tempDir, type TestServer } from '../e2e/harness.ts';
import { certificateRequest, kubeconfigFor } from './credentials.ts';

const kubectls = ['1.27', '1.33', 'plain'];

function csrManifest(name: string, request: string, signerName: string, usages: string[]): string {
  return JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request, signerName, usages, expirationSeconds: 86400 } });
}

/** Parses `kubectl auth can-i --list` into resource (or non-resource URL) → verbs. */
function canIList(output: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of output.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const columns = line.trimEnd().split(/\s{2,}/);
    // Non-resource rows leave the first column empty and name their URLs in brackets.
    const key = columns[0] === '' ? columns[1]!.replace(/^\[|\]$/g, '') : columns[0]!;
    rows.set(key, columns[columns.length - 1]!);
  }
  return rows;
}

describe('security with real kubectl', () => {
  let server: TestServer;
  let janeConfig: string;
  let tokenFile: string;

  const admin = async (args: string[], input?: string) => {
    const result = await server.kubectl(args, { input });
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };
  const as = (kubeconfig: string, args: string[], version = 'plain') => runKubectl(kubeconfig, args, { version, cacheDir: join(server.dataDir, `.kube-cache-${version}-${kubeconfig.length}`) });

  beforeAll(async () => {
    tokenFile = join(tempDir('k2-tokens-'), 'tokens.csv');
    writeFileSync(tokenFile, 'static-token-for-ops-0123456789,ops-user,u-ops,"ops,oncall"\n');
    server = await startServer({ args: ['--token-auth-file', tokenFile] });
    // A new user, added the Kubernetes way: a CSR approved with kubectl and signed by k2's CA.
    const jane = await certificateRequest('CN=jane, O=devs');
    await admin(['apply', '-f', '-'], csrManifest('jane', jane.request, 'kubernetes.io/kube-apiserver-client', ['client auth']));
    await admin(['certificate', 'approve', 'jane']);
    let certificate = '';
    for (let i = 0; i < 50 && !certificate; i++) {
      certificate = (await server.kubectl(['get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}'])).stdout;
      if (!certificate) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    janeConfig = kubeconfigFor(server, 'jane', { certPem: Buffer.from(certificate, 'base64').toString(), keyPem: jane.keyPem });
    await admin(['create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'default']);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dirname(tokenFile), { recursive: true, force: true });
  });

  for (const version of kubectls) {
    it(`a certificate user with only view lists but may not create (kubectl ${version})`, async () => {
      const list = await as(janeConfig, ['get', 'configmaps', '-n', 'default'], version);
      expect(list.code, list.stderr).toBe(0);
      const create = await as(janeConfig, ['create', 'configmap', 'x', '-n', 'default', '--from-literal=a=b'], version);
      expect(create.code).not.toBe(0);
      expect(create.stderr).toContain('configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "default"');
      const canI = await as(janeConfig, ['auth', 'can-i', 'create', 'pods', '-n', 'default'], version);
      expect(canI.stdout.trim()).toBe('no');
      expect(canI.code).toBe(1);
      expect((await as(janeConfig, ['auth', 'can-i', 'list', 'pods', '-n', 'default'], version)).stdout.trim()).toBe('yes');
      const whoami = await as(janeConfig, ['auth', 'whoami'], version);
      expect(whoami.stdout).toMatch(/Username\s+jane/);
      expect(whoami.stdout).toMatch(/Groups\s+\[devs system:authenticated\]/);
    });
  }

  it('kubectl auth can-i --list shows exactly what the view role and the default bindings grant', async () => {
    const listed = canIList((await as(janeConfig, ['auth', 'can-i', '--list', '-n', 'default'])).stdout);
    const view = JSON.parse(await admin(['get', 'clusterrole', 'view', '-o', 'json'])) as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    const expected = new Map<string, string>();
    for (const rule of view.rules) {
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          const [name, sub] = resource.split('/');
          expected.set(group ? `${name}.${group}${sub ? `/${sub}` : ''}` : resource, `[${rule.verbs.join(' ')}]`);
        }
      }
    }
    expected.set('selfsubjectreviews.authentication.k8s.io', '[create]');
    expected.set('selfsubjectaccessreviews.authorization.k8s.io', '[create]');
    expected.set('selfsubjectrulesreviews.authorization.k8s.io', '[create]');
    for (const [resource, verbs] of expected) expect(listed.get(resource), resource).toBe(verbs);
    for (const path of ['/api/*', '/apis/*', '/healthz', '/version', '/readyz', '/livez', '/openapi/*']) expect(listed.get(path), path).toBe('[get]');
    const resources = [...listed.keys()].filter((key) => !key.startsWith('/'));
    expect(resources.sort()).toEqual([...expected.keys()].sort());
  });

  it("kubectl auth can-i --list shows the admin cluster-admin's rules once, as RBAC grants them", async () => {
    const output = await admin(['auth', 'can-i', '--list', '-n', 'default']);
    const rows = output.split('\n').slice(1).map((line) => line.trim().split(/\s{2,}/).join(' '));
    // system:masters may do anything without RBAC, but like kube-apiserver's, that authorizer lists no rules.
    expect(rows.filter((row) => row === '*.* [] [] [*]')).toHaveLength(1);
    expect(rows.filter((row) => row === '[*] [] [*]')).toHaveLength(1);
  });

  it("a pod's projected token, asked by its node agent, authenticates as its ServiceAccount; RBAC applies; deleting the pod revokes it", async () => {
    // The agent joins with a bootstrap token and gets its node client certificate approved automatically.
    await admin(['apply', '-f', '-'], JSON.stringify(bootstrapTokenSecret('agent1', '0123456789abcdef')));
    const bootstrapConfig = kubeconfigFor(server, 'bootstrap', { token: 'agent1.0123456789abcdef' });
    const node = await certificateRequest('CN=system:node:node-a, O=system:nodes');
    const created = await runKubectl(bootstrapConfig, ['create', '-f', '-'], { input: csrManifest('node-csr-node-a', node.request, 'kubernetes.io/kube-apiserver-client-kubelet', ['client auth', 'digital signature', 'key encipherment']) });
    expect(created.code, created.stderr).toBe(0);
    let nodeCert = '';
    for (let i = 0; i < 50 && !nodeCert; i++) {
      nodeCert = (await server.kubectl(['get', 'csr', 'node-csr-node-a', '-o', 'jsonpath={.status.certificate}'])).stdout;
      if (!nodeCert) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(nodeCert).not.toBe('');
    const nodeConfig = kubeconfigFor(server, 'node-a', { certPem: Buffer.from(nodeCert, 'base64').toString(), keyPem: node.keyPem });
    expect((await runKubectl(nodeConfig, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } }) })).code).toBe(0);
    expect((await runKubectl(nodeConfig, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } }) })).stderr).toContain('node "node-a" is not allowed to modify node "node-b"');

    await admin(['create', 'namespace', 'app']);
    await admin(['create', 'serviceaccount', 'app-sa', '-n', 'app']);
    await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'app' }, spec: { nodeName: 'node-a', serviceAccountName: 'app-sa', containers: [{ name: 'web', image: 'nginx' }] } }));
    const pod = JSON.parse(await admin(['get', 'pod', 'web', '-n', 'app', '-o', 'json']));
    const projected = pod.spec.volumes.find((v: { projected?: unknown }) => v.projected).projected.sources[0].serviceAccountToken;
    expect(projected).toEqual({ expirationSeconds: 3607, path: 'token' });
    // What the node agent does for that volume: a TokenRequest bound to the pod.
    const issued = await runKubectl(nodeConfig, ['create', 'token', 'app-sa', '-n', 'app', '--bound-object-kind', 'Pod', '--bound-object-name', 'web', '--bound-object-uid', pod.metadata.uid, '--duration', `${projected.expirationSeconds}s`]);
    expect(issued.code, issued.stderr).toBe(0);
    const podToken = issued.stdout.trim();
    const other = await runKubectl(nodeConfig, ['create', 'token', 'default', '-n', 'app']);
    expect(other.stderr).toContain('forbidden');

    const podConfig = kubeconfigFor(server, 'pod-web', { token: podToken });
    const whoami = await as(podConfig, ['auth', 'whoami', '-o', 'json']);
    const userInfo = JSON.parse(whoami.stdout).status.userInfo;
    expect(userInfo.username).toBe('system:serviceaccount:app:app-sa');
    expect(userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:app', 'system:authenticated']);
    expect(userInfo.extra['authentication.kubernetes.io/pod-name']).toEqual(['web']);
    expect(userInfo.extra['authentication.kubernetes.io/node-name']).toEqual(['node-a']);
    const denied = await as(podConfig, ['get', 'pods', '-n', 'app']);
    expect(denied.stderr).toContain('pods is forbidden: User "system:serviceaccount:app:app-sa" cannot list resource "pods" in API group "" in the namespace "app"');
    await admin(['create', 'rolebinding', 'app-sa-view', '--clusterrole=view', '--serviceaccount=app:app-sa', '-n', 'app']);
    const allowed = await as(podConfig, ['get', 'pods', '-n', 'app', '-o', 'name']);
    expect(allowed.stdout.trim()).toBe('pod/web');
    expect((await as(podConfig, ['get', 'pods', '-n', 'default'])).code).not.toBe(0);

    await admin(['delete', 'pod', 'web', '-n', 'app', '--grace-period=0', '--force']);
    const revoked = await as(podConfig, ['get', 'pods', '-n', 'app']);
    expect(revoked.code).not.toBe(0);
    expect(revoked.stderr).toMatch(/error: You must be logged in to the server/);
  });

  it('an expired or wrong-audience token gets 401', async () => {
    await admin(['create', 'serviceaccount', 'robot']);
    const vault = (await admin(['create', 'token', 'robot', '--audience', 'vault'])).trim();
    const wrongAudience = await as(kubeconfigFor(server, 'vault', { token: vault }), ['get', 'pods']);
    expect(wrongAudience.stderr).toMatch(/error: You must be logged in to the server/);
    const good = (await admin(['create', 'token', 'robot'])).trim();
    expect((await as(kubeconfigFor(server, 'robot', { token: good }), ['auth', 'whoami'])).code).toBe(0);
    // The same claims, signed by the server's own key, but expired.
    const key = SigningKey.fromPem(readFileSync(join(server.dataDir, 'tls', 'service-account.key'), 'utf8'));
    const claims = JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString());
    const expired = key.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 });
    const result = await as(kubeconfigFor(server, 'expired', { token: expired }), ['get', 'pods']);
    expect(result.stderr).toMatch(/error: You must be logged in to the server/);
    const raw = await server.request('GET', '/api/v1/namespaces/default/pods', { anonymous: true, headers: { authorization: `Bearer ${expired}` } });
    expect(raw.status).toBe(401);
  });

  it('answers requests without credentials with 401, except health and version', async () => {
    for (const path of ['/api', '/api/v1/namespaces/default/pods', '/metrics', '/openapi/v2', '/.well-known/openid-configuration']) {
      const response = await server.request('GET', path, { anonymous: true });
      expect(response.status, path).toBe(401);
      expect(response.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) expect((await server.request('GET', path, { anonymous: true })).status, path).toBe(200);
  });

  it('authenticates users of the static token file', async () => {
    const ops = kubeconfigFor(server, 'ops', { token: 'static-token-for-ops-0123456789' });
    const whoami = await as(ops, ['auth', 'whoami']);
    expect(whoami.stdout).toMatch(/Username\s+ops-user/);
    expect(whoami.stdout).toMatch(/UID\s+u-ops/);
    expect(whoami.stdout).toMatch(/Groups\s+\[ops oncall system:authenticated\]/);
    expect((await as(ops, ['get', 'secrets'])).stderr).toContain('secrets is forbidden: User "ops-user" cannot list resource "secrets"');
    expect((await as(kubeconfigFor(server, 'bad', { token: 'static-token-for-ops-0123456780' }), ['get', 'pods'])).stderr).toContain('Unauthorized');
  });

  it('impersonates with kubectl --as for the admin, not for others', async () => {
    const asJane = await server.kubectl(['get', 'secrets', '--as', 'jane']);
    expect(asJane.stderr).toContain('secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "default"');
    const escalate = await as(janeConfig, ['get', 'secrets', '--as', 'admin', '--as-group', 'system:masters']);
    expect(escalate.stderr).toContain('users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
  });
});

describe('anonymous access on request (--anonymous-auth=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ args: ['--anonymous-auth=true'] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves system:anonymous, whom RBAC grants only the public info', async () => {
    const api = await server.request('GET', '/api', { anonymous: true });
    expect(api.status).toBe(403);
    expect(api.json.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
    const pods = await server.request('GET', '/api/v1/namespaces/default/pods', { anonymous: true });
    expect(pods.json.message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) expect((await server.request('GET', path, { anonymous: true })).status, path).toBe(200);
  });
});
