// The K8sfile acceptance path with the real `k2` commands and a real `k2 server`: a three-level FROM chain
// (base → team → env) with ADD manifests, ADD a local chart and INSTALL from a chart repository on loopback;
// build, push to docker-registry, pull into an empty store, `k2 deploy` onto a running k2 (every object there,
// `kubectl get artifacts` names the digest), a second version that drops a manifest prunes it, two
// environments from one artifact with different --values, and `k2 server --artifact` booting from it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type TestServer } from '../e2e/harness.ts';
import { type ChartRepository, k2, lastLine, packageChart, type Registry, startChartRepository, startRegistry } from './fixtures.ts';

const work = tempDir('k2-k8sfile-deploy-');
const home = join(work, 'home');
const pulled = join(work, 'home-pulled');
let registry: Registry;
let charts: ChartRepository;
let server: TestServer;

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(async () => {
  write(join(work, 'src/settings/Chart.yaml'), 'apiVersion: v2\nname: settings\nversion: 0.3.0\n');
  write(join(work, 'src/settings/values.yaml'), 'level: normal\n');
  write(join(work, 'src/settings/templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  level: {{ .Values.level | quote }}\n');
  charts = await startChartRepository([{ name: 'settings', version: '0.3.0', archive: packageChart(join(work, 'src'), 'settings', join(work, 'settings.tgz')) }]);
  registry = await startRegistry(join(work, 'registry'));
  server = await startServer({ args: ['--simulated-nodes', '1'] });

  write(
    join(work, 'base/manifests/platform.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: platform\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  namespace: platform\ndata: {a: "1"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dropped-later\n  namespace: platform\ndata: {b: "2"}\n',
  );
  write(
    join(work, 'base/manifests/crds/widgets.yaml'),
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets, singular: widget}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n',
  );
  write(join(work, 'base/K8sfile'), ['FROM k2:1', 'ADD ./manifests/', 'INSTALL helm/charts/settings@0.3.0 --namespace platform', 'CONFIG log-level=debug'].join('\n'));

  write(join(work, 'team/greeter/Chart.yaml'), 'apiVersion: v2\nname: greeter\nversion: 1.2.0\n');
  write(join(work, 'team/greeter/values.yaml'), 'message: hello\n');
  write(join(work, 'team/greeter/templates/greeter.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n');
  write(join(work, 'team/K8sfile'), [`FROM ${registry.host}/platform/base:1`, 'ADD ./greeter --namespace payments'].join('\n'));

  write(join(work, 'env/widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: gear\n  namespace: platform\nspec:\n  teeth: 12\n');
  write(join(work, 'env/K8sfile'), [`FROM ${registry.host}/team/app:1`, 'ADD ./widget.yaml'].join('\n'));
  write(join(work, 'env2/widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: gear\n  namespace: platform\nspec:\n  teeth: 12\n');
  write(join(work, 'env2/K8sfile'), [`FROM ${registry.host}/team/app:1`, 'ADD ./widget.yaml', 'REMOVE configmap/dropped-later -n platform'].join('\n'));
  write(join(work, 'staging.yaml'), 'greeter:\n  message: staging\n');
  write(join(work, 'production.yaml'), 'greeter:\n  message: production\nsettings:\n  level: high\n');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  registry?.stop();
  await charts?.stop();
  rmSync(work, { recursive: true, force: true });
});

const deployTo = (args: string[], env: Record<string, string> = {}) => k2(pulled, [...args, '--kubeconfig', server.kubeconfig], env);

describe('k2 deploy', () => {
  let digest = '';

  it('builds the chain, pushes it, pulls it into an empty store and deploys it: every object is there', async () => {
    expect((await k2(home, ['repo', 'add', 'charts', charts.url])).code).toBe(0);
    for (const [folder, ref] of [['base', 'platform/base:1'], ['team', 'team/app:1'], ['env', 'env/prod:1'], ['env2', 'env/prod:2']] as const) {
      const built = await k2(home, ['build', '-t', `${registry.host}/${ref}`, join(work, folder)]);
      expect(built.stderr, folder).toBe('');
      expect((await k2(home, ['push', `${registry.host}/${ref}`])).code).toBe(0);
      if (ref === 'env/prod:1') digest = lastLine(built.stdout);
    }
    const pull = await k2(pulled, ['pull', `${registry.host}/env/prod:1`]);
    expect(pull.stdout).toContain(`Digest: ${digest}`);

    const deployed = await deployTo(['deploy', `${registry.host}/env/prod:1`, '--wait']);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    expect(lastLine(deployed.stdout)).toBe(`deployed ${registry.host}/env/prod:1 ${digest}: 8 objects (8 changed, 0 unchanged), 0 pruned`);
    expect(deployed.stdout).toContain('widget.example.com/gear -n platform created');
    const got = await server.kubectl(['get', 'crd/widgets.example.com', 'ns/platform', 'ns/payments', '-o', 'name']);
    expect(got.stdout).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com\nnamespace/platform\nnamespace/payments\n');
    const platform = await server.kubectl(['get', 'configmaps,widgets', '-n', 'platform', '-l', 'applyset.kubernetes.io/part-of', '-o', 'name']);
    expect(platform.stdout.split('\n').filter(Boolean).sort()).toEqual(['configmap/dropped-later', 'configmap/keep', 'configmap/settings-settings', 'widget.example.com/gear']);
    expect((await server.kubectl(['get', 'configmap', 'greeter', '-n', 'payments', '-o', 'jsonpath={.data.message}'])).stdout).toBe('hello');

    const artifacts = await server.kubectl(['get', 'artifacts']);
    expect(artifacts.stderr).toBe('');
    expect(artifacts.stdout).toMatch(new RegExp(`^NAME\\s+REFERENCE\\s+DIGEST\\s+PHASE\\s+OBJECTS\\s+AGE\\nprod\\s+${registry.host.replace(/\./g, '\\.')}/env/prod:1\\s+${digest.slice(7, 19)}\\s+Deployed\\s+8\\s+\\d+s\\n$`));
  });

  it('deploying the same artifact again changes nothing', async () => {
    const again = await deployTo(['deploy', `${registry.host}/env/prod:1`]);
    expect(lastLine(again.stdout)).toBe(`deployed ${registry.host}/env/prod:1 ${digest}: 8 objects (0 changed, 8 unchanged), 0 pruned`);
  });

  it('a second version that drops a manifest prunes it', async () => {
    const diff = await deployTo(['diff', `${registry.host}/env/prod:2`]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain('dropped-later');
    const deployed = await deployTo(['deploy', `${registry.host}/env/prod:2`]);
    expect(deployed.stderr).toBe('');
    expect(deployed.stdout).toContain('configmap/dropped-later -n platform pruned');
    expect(lastLine(deployed.stdout)).toMatch(/: 7 objects \(0 changed, 7 unchanged\), 1 pruned$/);
    const gone = await server.kubectl(['get', 'configmap', 'dropped-later', '-n', 'platform']);
    expect(gone.stderr).toBe('Error from server (NotFound): configmaps "dropped-later" not found\n');
  });

  it('gives two environments from one artifact with different --values, differing exactly there', async () => {
    const ref = `${registry.host}/env/prod:2`;
    const diff = await deployTo(['diff', ref, '--values', join(work, 'staging.yaml')]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^-\s+message: hello$/m);
    expect(diff.stdout).toMatch(/^\+\s+message: staging$/m);
    expect(diff.stdout.match(/^\+\s/gm)).toHaveLength(1);
    const staging = await deployTo(['deploy', ref, '--values', join(work, 'staging.yaml')]);
    expect(lastLine(staging.stdout)).toMatch(/: 7 objects \(1 changed, 6 unchanged\), 0 pruned$/);
    expect(staging.stdout).toContain('configmap/greeter -n payments configured');
    expect((await server.kubectl(['get', 'configmap', 'greeter', '-n', 'payments', '-o', 'jsonpath={.data.message}'])).stdout).toBe('staging');

    const production = await deployTo(['deploy', ref, '--values', join(work, 'production.yaml'), '--set', 'greeter.message=prod-set']);
    expect(lastLine(production.stdout)).toMatch(/: 7 objects \(2 changed, 5 unchanged\), 0 pruned$/);
    expect((await server.kubectl(['get', 'configmap', 'greeter', '-n', 'payments', '-o', 'jsonpath={.data.message}'])).stdout).toBe('prod-set');
    expect((await server.kubectl(['get', 'configmap', 'settings-settings', '-n', 'platform', '-o', 'jsonpath={.data.level}'])).stdout).toBe('high');

    const unknown = await deployTo(['deploy', ref, '--set', 'nope.x=1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nope');
  });

  it('a dry run and an unreachable cluster change nothing and say so', async () => {
    const dry = await deployTo(['deploy', `${registry.host}/env/prod:1`, '--dry-run']);
    expect(dry.stdout).toContain('configmap/dropped-later -n platform created (server dry run)');
    expect(lastLine(dry.stdout)).toMatch(/^deployed .*: 8 objects \(3 changed, 5 unchanged\), 0 pruned \(server dry run\)$/);
    expect((await server.kubectl(['get', 'configmap', 'dropped-later', '-n', 'platform'])).code).not.toBe(0);
    write(join(work, 'dead-kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n');
    const dead = await k2(pulled, ['deploy', `${registry.host}/env/prod:1`, '--kubeconfig', join(work, 'dead-kubeconfig')]);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/127\.0\.0\.1:1/);
  });
});

describe('k2 server --artifact', () => {
  it('boots a fresh cluster from an artifact: its settings, then its contents', async () => {
    const booted = await startServer({ args: ['--artifact', `${registry.host}/env/prod:2`, '--simulated-nodes', '1'], env: { K2_HOME: pulled } });
    try {
      const deadline = Date.now() + 60_000;
      let phase = '';
      while (phase !== 'Deployed' && Date.now() < deadline) {
        phase = (await booted.kubectl(['get', 'artifact', 'prod', '-o', 'jsonpath={.status.phase}'])).stdout;
        if (phase !== 'Deployed') await new Promise((r) => setTimeout(r, 250));
      }
      expect(phase).toBe('Deployed');
      expect((await booted.kubectl(['get', 'configmap', 'keep', '-n', 'platform', '-o', 'name'])).stdout).toBe('configmap/keep\n');
      expect((await booted.kubectl(['get', 'widget', 'gear', '-n', 'platform', '-o', 'jsonpath={.spec.teeth}'])).stdout).toBe('12');
      // CONFIG log-level=debug from the base layer.
      expect(booted.logs()).toMatch(/"level":20/);
    } finally {
      await booted.stop();
    }
  });
});
