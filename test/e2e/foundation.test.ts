// The first-run experience: a real k2 server, its certificates and kubeconfig, driven by real kubectl and curl-like clients.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { httpsRequest, startServer, tempDir, testBundlePath, type TestServer } from './harness.ts';

describe('k2 server foundation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('writes a kubeconfig that kubectl uses with TLS verification on', async () => {
    const config = YAML.parse(readFileSync(server.kubeconfig, 'utf8'));
    expect(config.clusters[0].cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(config.clusters[0].cluster['certificate-authority-data']).toBeTruthy();
    expect(statSync(server.kubeconfig).mode & 0o777).toBe(0o600);
    const version = await server.kubectl(['version', '-o', 'json']);
    expect(version.code, version.stderr).toBe(0);
    const parsed = JSON.parse(version.stdout);
    expect(parsed.serverVersion.major).toBe('1');
    expect(parsed.serverVersion.minor).toBe('33');
    expect(parsed.serverVersion.gitVersion).toMatch(/^v1\.33\.0\+k2\./);
    expect(version.stderr).toBe('');
  });

  it('reports ready through kubectl get --raw /readyz', async () => {
    const ready = await server.kubectl(['get', '--raw', '/readyz']);
    expect(ready.stdout).toBe('ok');
    const verbose = await server.kubectl(['get', '--raw', '/readyz?verbose']);
    expect(verbose.stdout).toContain('[+]ping ok');
    expect(verbose.stdout).toContain('readyz check passed');
  });

  it('reports its components healthy through kubectl get componentstatuses, with Kubernetes deprecation warning', async () => {
    const list = await server.kubectl(['get', 'componentstatuses']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr.trim()).toBe('Warning: v1 ComponentStatus is deprecated in v1.19+');
    const rows = list.stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
    expect(rows).toEqual([['NAME', 'STATUS', 'MESSAGE', 'ERROR'], ['scheduler', 'Healthy', 'ok'], ['controller-manager', 'Healthy', 'ok'], ['etcd-0', 'Healthy', 'ok']]);
    const one = await server.kubectl(['get', 'cs', 'etcd-0', '-o', 'json']);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    const missing = await server.kubectl(['get', 'cs', 'nope']);
    expect(missing.stderr).toContain('Error from server (NotFound): componentstatuses "nope" not found');
  });

  it('prints the control plane and the cluster DNS in kubectl cluster-info', async () => {
    const info = await server.kubectl(['cluster-info']);
    expect(info.stderr).toBe('');
    // Without colours, as kubectl prints them when not writing to a terminal.
    expect(info.stdout.split('\n').slice(0, 2)).toEqual([
      `Kubernetes control plane is running at ${server.url}`,
      `KubeDNS is running at ${server.url}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy`,
    ]);
  });

  it('lists a local APIService per served group version, as kube-apiserver registers them, CRD groups included', async () => {
    const rowsOf = (text: string) => text.trim().split('\n').slice(1).map((line) => line.trim().split(/\s+/).slice(0, 3).join(' '));
    let rows: string[] = [];
    for (let i = 0; i < 50 && !rows.includes('v1.apps Local True'); i++) {
      rows = rowsOf((await server.kubectl(['get', 'apiservices'])).stdout);
      if (!rows.includes('v1.apps Local True')) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const name of ['v1.', 'v1.apps', 'v1.rbac.authorization.k8s.io', 'v2.autoscaling', 'v1beta1.metrics.k8s.io']) expect(rows).toContain(`${name} Local True`);
    const apps = JSON.parse((await server.kubectl(['get', 'apiservice', 'v1.apps', '-o', 'json'])).stdout);
    expect(apps.metadata.labels).toEqual({ 'kube-aggregator.kubernetes.io/automanaged': 'onstart' });
    expect(apps.spec).toEqual({ group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 });
    expect(apps.status.conditions).toMatchObject([{ type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' }]);

    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.apis.example.com' }, spec: { group: 'apis.example.com', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] } };
    expect((await server.kubectl(['apply', '-f', '-'], { input: JSON.stringify(crd) })).code).toBe(0);
    const apiService = async () => server.kubectl(['get', 'apiservice', 'v1.apis.example.com', '-o', 'jsonpath={.spec.groupPriorityMinimum}/{.spec.versionPriority}/{.metadata.labels}']);
    let found = await apiService();
    for (let i = 0; i < 50 && found.code !== 0; i++) found = await apiService();
    expect(found.stdout).toBe('1000/100/{"kube-aggregator.kubernetes.io/automanaged":"true"}');
    expect((await server.kubectl(['delete', 'crd', 'gadgets.apis.example.com'])).code).toBe(0);
    for (let i = 0; i < 50 && (await apiService()).code === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await apiService()).stderr).toContain('"v1.apis.example.com" not found');
  });

  it('answers 401 without a client certificate and 200 with the admin one', async () => {
    const ca = readFileSync(join(server.dataDir, 'tls/ca.crt'), 'utf8');
    const anonymous = await httpsRequest(server.url, 'GET', '/api', { ca });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const admin = await server.request('GET', '/version');
    expect(admin.status).toBe(200);
    // Health and version answer anyone, as Kubernetes grants system:public-info-viewer.
    expect((await httpsRequest(server.url, 'GET', '/healthz', { ca })).text).toBe('ok');
    expect((await httpsRequest(server.url, 'GET', '/version', { ca })).json.minor).toBe('33');
  });

  it('rejects a client certificate from another CA', async () => {
    const other = await startServer();
    try {
      const foreign = YAML.parse(readFileSync(other.kubeconfig, 'utf8')).users[0].user;
      const ca = readFileSync(join(server.dataDir, 'tls/ca.crt'), 'utf8');
      const result = await httpsRequest(server.url, 'GET', '/api', {
        ca,
        cert: Buffer.from(foreign['client-certificate-data'], 'base64').toString(),
        key: Buffer.from(foreign['client-key-data'], 'base64').toString(),
      });
      expect(result.status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it('answers unknown paths with a 404 Status', async () => {
    const result = await server.request('GET', '/no/such/thing');
    expect(result.status).toBe(404);
    expect(result.json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});

describe('k2 server restarts and configuration', () => {
  it('reuses its certificates on a later start', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir });
    const ca = readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8');
    const admin = readFileSync(join(dataDir, 'tls/admin.crt'), 'utf8');
    expect(await first.stop()).toBe(0);
    const second = await startServer({ dataDir });
    try {
      expect(readFileSync(join(dataDir, 'tls/ca.crt'), 'utf8')).toBe(ca);
      expect(readFileSync(join(dataDir, 'tls/admin.crt'), 'utf8')).toBe(admin);
      expect((await second.kubectl(['get', '--raw', '/readyz'])).stdout).toBe('ok');
    } finally {
      await second.stop();
    }
  });

  it('takes settings from a config file and K2_* variables, flags first', async () => {
    const dataDir = tempDir();
    const configFile = join(dataDir, 'config.yaml');
    writeFileSync(configFile, YAML.stringify({ 'tls-san': ['k2.example.test', '192.0.2.10'], 'write-kubeconfig-mode': '0640', 'node-name': 'from-file' }));
    const server = await startServer({ dataDir, args: ['--config', configFile], env: { K2_NODE_NAME: 'from-env' } });
    try {
      const text = execFileSync('openssl', ['x509', '-in', join(dataDir, 'tls/serving.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
      expect(text).toContain('DNS:k2.example.test');
      expect(text).toContain('IP Address:192.0.2.10');
      expect(statSync(server.kubeconfig).mode & 0o777).toBe(0o640);
      expect(server.logs()).toContain('"nodeName":"from-env"');
    } finally {
      await server.stop();
    }
  });

  it('refuses unknown flags and bad values with a clear error', () => {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [testBundlePath, ...args], { encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (error) {
        return String((error as { stderr: string }).stderr);
      }
    };
    expect(run(['server', '--no-such-flag'])).toContain('unknown flag: --no-such-flag');
    expect(run(['server', '--https-listen-port', 'eighty'])).toContain('invalid port "eighty"');
    expect(run(['server', '--log-format', 'xml'])).toContain('Invalid values');
    expect(run(['server', '--config', '/nonexistent/k2.yaml'])).toContain('config file /nonexistent/k2.yaml does not exist');
  });
});
