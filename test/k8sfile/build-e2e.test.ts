// K8sfile end to end with the real `k2` commands: a chart repository and a docker-registry with basic auth
// on loopback, a three-level FROM chain (base → team → env) with ADD manifests, ADD a local chart and
// INSTALL from the repository; build, push, pull into an empty store, save/load; the build cache; and
// renderArtifact giving two environments from one artifact.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArtifact, RegistryClient, renderArtifact } from '../../packaging/k8sfile/index.ts';
import { sha256Digest } from '../../packaging/k8sfile/store.ts';
import type { KubeObject } from '../../packaging/k8sfile/artifact.ts';
import { tempDir } from '../e2e/harness.ts';
import { sharedDir } from '../helm/shared.ts';
import { type ChartRepository, freePort, k2, lastLine, packageChart, type Registry, startChartRepository, startRegistry } from './fixtures.ts';

const work = tempDir('k2-k8sfile-e2e-');
const home = join(work, 'home');
const user = { name: 'builder', password: 'Secret-2026' };
let registry: Registry;
let charts: ChartRepository;

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/** The steps a build output reports as cached, by step number. */
function cachedSteps(output: string): number[] {
  const cached: number[] = [];
  let step = 0;
  for (const line of output.split('\n')) {
    const m = /^Step (\d+)\/\d+ : /.exec(line);
    if (m) step = Number(m[1]);
    if (line === ' ---> Using cache') cached.push(step);
  }
  return cached;
}

beforeAll(async () => {
  // A chart repository serving podinfo (from the shared charts) and a one-ConfigMap chart.
  write(join(work, 'src/settings/Chart.yaml'), 'apiVersion: v2\nname: settings\nversion: 0.3.0\n');
  write(join(work, 'src/settings/values.yaml'), 'level: normal\n');
  write(join(work, 'src/settings/templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  level: {{ .Values.level | quote }}\n');
  charts = await startChartRepository([
    { name: 'podinfo', version: '6.14.1', archive: packageChart(join(sharedDir, 'charts'), 'podinfo', join(work, 'podinfo.tgz')) },
    { name: 'settings', version: '0.3.0', archive: packageChart(join(work, 'src'), 'settings', join(work, 'settings.tgz')) },
  ]);
  registry = await startRegistry(join(work, 'registry'), user);

  // base: plain manifests (a CRD, a namespace, config maps) and podinfo from the repository.
  const base = join(work, 'base');
  write(
    join(base, 'manifests/platform.yaml'),
    '# the platform namespace\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: platform\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base-settings\n  namespace: platform\ndata:\n  owner: platform\n',
  );
  write(
    join(base, 'manifests/crds/widgets.yaml'),
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets, singular: widget}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}]\n',
  );
  write(join(base, 'manifests/keep.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  namespace: platform\ndata: {a: "1"}\n');
  write(join(base, 'web-values.yaml'), 'replicaCount: 2\nui:\n  message: from-base\n');
  write(
    join(base, 'K8sfile'),
    [
      'FROM k2:1',
      'ADD ./manifests/',
      'INSTALL helm/charts/podinfo@6.14.1 --name web --namespace apps --values ./web-values.yaml',
      'CONFIG log-level=info snapshot-schedule-cron="0 */6 * * *"',
      'LABEL layer=base',
    ].join('\n'),
  );

  // team: a local chart folder, another manifest, an ARG.
  const team = join(work, 'team');
  write(join(team, 'greeter/Chart.yaml'), 'apiVersion: v2\nname: greeter\nversion: 1.2.0\nappVersion: "1.0"\n');
  write(join(team, 'greeter/values.yaml'), 'message: hello\nreplicas: 1\n');
  write(
    join(team, 'greeter/templates/greeter.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n  replicas: {{ .Values.replicas | quote }}\n',
  );
  write(join(team, 'team.yaml'), 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: deployer\n  namespace: payments\n');
  write(
    join(team, 'K8sfile'),
    [
      `FROM ${registry.host}/platform/base:1`,
      'ARG team=payments',
      'ADD ./greeter --namespace ${team} --set message=hello-${team}',
      'ADD ./team.yaml',
    ].join('\n'),
  );

  // env: replaces the web release's values, removes a base object, changes a setting, adds a chart.
  const env = join(work, 'env');
  write(
    join(env, 'K8sfile'),
    [
      `FROM ${registry.host}/team/app:1`,
      'INSTALL helm/charts/podinfo@6.14.1 --name web --namespace apps \\',
      '    --set replicaCount=3   # production size',
      'INSTALL helm/charts/settings --namespace platform',
      'REMOVE configmap/base-settings -n platform',
      'CONFIG log-level=debug',
    ].join('\n'),
  );
});

afterAll(async () => {
  registry?.stop();
  await charts?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('K8sfile build, push and pull through a registry', () => {
  let envDigest = '';

  it('adds the chart repository and logs in to the registry', async () => {
    const added = await k2(home, ['repo', 'add', 'charts', charts.url]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe('"charts" has been added to your repositories\n');
    const deadPort = await freePort();
    const dead = await k2(home, ['repo', 'add', 'dead', `http://127.0.0.1:${deadPort}/charts`]);
    expect(dead.stderr).toBe(`k2: cannot reach chart repository http://127.0.0.1:${deadPort}/charts: ECONNREFUSED\n`);
    const listed = await k2(home, ['repo', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^NAME\\s+URL\\ncharts\\s+${charts.url.replace(/\./g, '\\.')}\\n$`));
    const bad = await k2(home, ['login', registry.host, '-u', user.name, '-p', 'wrong']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`registry ${registry.host} refused the credentials of builder`);
    const login = await k2(home, ['login', registry.host, '-u', user.name, '-p', user.password]);
    expect(login.stderr).toBe('');
    expect(login.stdout).toBe('Login Succeeded\n');
  });

  it('builds base, pushes it; builds team FROM the pushed base; builds env FROM team', async () => {
    const base = await k2(home, ['build', '-t', `${registry.host}/platform/base:1`, join(work, 'base')]);
    expect(base.stderr).toBe('');
    expect(base.code).toBe(0);
    expect(base.stdout).toContain('Step 3/5 : INSTALL helm/charts/podinfo@6.14.1 --name web --namespace apps --values ./web-values.yaml');
    expect(lastLine(base.stdout)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const pushed = await k2(home, ['push', `${registry.host}/platform/base:1`]);
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toContain(`digest: ${lastLine(base.stdout)}`);

    // team's FROM comes from the registry: drop the local tag so the build has to pull it.
    const store = JSON.parse(readFileSync(join(home, 'artifacts/index.json'), 'utf8'));
    store.manifests = store.manifests.filter((m: { annotations: Record<string, string> }) => !m.annotations['org.opencontainers.image.ref.name'].includes('platform/base'));
    writeFileSync(join(home, 'artifacts/index.json'), JSON.stringify(store));
    const team = await k2(home, ['build', '-t', `${registry.host}/team/app:1`, join(work, 'team')]);
    expect(team.stderr).toBe('');
    expect(team.stdout).toContain(`Digest: ${lastLine(base.stdout)}`);
    expect((await k2(home, ['push', `${registry.host}/team/app:1`])).code).toBe(0);

    const env = await k2(home, ['build', '-t', `${registry.host}/env/prod:1`, '-t', 'prod:latest', join(work, 'env')]);
    expect(env.stderr).toBe('');
    envDigest = lastLine(env.stdout);
    const pushedEnv = await k2(home, ['push', `${registry.host}/env/prod:1`]);
    expect(pushedEnv.stdout.match(/Mounted from a parent/g)).toHaveLength(4); // base's two layers and team's two
    expect(pushedEnv.stdout).toContain(`digest: ${envDigest}`);

    const images = await k2(home, ['images']);
    expect(images.stdout.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+CREATED\s+SIZE$/);
    expect(images.stdout).toMatch(new RegExp(`${registry.host.replace(/\./g, '\\.')}/env/prod\\s+1\\s+${envDigest.slice(0, 19)}\\s+\\d+ seconds? ago\\s+\\d`));
    expect(images.stdout).toMatch(/\nprod\s+latest\s+sha256:/);
  });

  it('pulls into an empty store with docker config.json credentials, and every object is there', async () => {
    const emptyHome = join(work, 'home-pull');
    const dockerConfig = join(work, 'docker');
    write(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${user.name}:${user.password}`).toString('base64') } } }));
    const anonymous = await k2(emptyHome, ['pull', `${registry.host}/env/prod:1`]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain(`registry ${registry.host} wants credentials: k2 login ${registry.host}`);
    const pulled = await k2(emptyHome, ['pull', `${registry.host}/env/prod:1`], { DOCKER_CONFIG: dockerConfig });
    expect(pulled.stderr).toBe('');
    expect(pulled.stdout).toContain(`Digest: ${envDigest}`);

    const artifact = await openArtifact(`${registry.host}/env/prod:1`, { home: emptyHome, pull: false });
    expect(artifact.digest).toBe(envDigest);
    const rendered = await renderArtifact(artifact);
    expect(rendered.parents.map((p) => p.reference)).toEqual([`${registry.host}/team/app:1`, `${registry.host}/platform/base:1`, 'k2:1']);
    expect(rendered.settings).toEqual({ 'log-level': 'debug', 'snapshot-schedule-cron': '0 */6 * * *' });
    expect(rendered.releases).toEqual([
      { name: 'web', namespace: 'apps', chart: 'podinfo', version: '6.14.1' },
      { name: 'greeter', namespace: 'payments', chart: 'greeter', version: '1.2.0' },
      { name: 'settings', namespace: 'platform', chart: 'settings', version: '0.3.0' },
    ]);
    expect(rendered.objects.map(key)).toEqual([
      'CustomResourceDefinition//widgets.example.com',
      'Namespace//platform',
      'Namespace//apps',
      'Namespace//payments',
      'ServiceAccount/payments/deployer',
      'ConfigMap/platform/keep',
      'ConfigMap/payments/greeter',
      'ConfigMap/platform/settings-settings',
      'Service/apps/web-podinfo',
      'Deployment/apps/web-podinfo',
    ]);
    const deployment = rendered.objects.find((o) => o.kind === 'Deployment')! as { spec: { replicas: number } };
    expect(deployment.spec.replicas).toBe(3); // env replaced base's values (replicaCount 2)
    const greeter = rendered.objects.find((o) => key(o) === 'ConfigMap/payments/greeter') as { data: Record<string, string> };
    expect(greeter.data).toEqual({ message: 'hello-payments', replicas: '1' });

    const inspect = await k2(emptyHome, ['inspect', `${registry.host}/env/prod:1`, '-o', 'json']);
    const json = JSON.parse(inspect.stdout);
    expect(json.digest).toBe(envDigest);
    expect(json.manifest.artifactType).toBe('application/vnd.k2.artifact.v1');
    expect(json.config.removals).toEqual([{ kind: 'ConfigMap', name: 'base-settings', namespace: 'platform' }]);
    expect(json.config.history.map((h: { instruction: string }) => h.instruction)).toContain('ADD ./greeter --namespace payments --set message=hello-payments');
    const text = await k2(emptyHome, ['inspect', `${registry.host}/env/prod:1`]);
    expect(text.stdout).toContain(`Parents:\n  ${registry.host}/team/app:1  sha256:`);
    expect(text.stdout).toContain('  greeter (namespace payments): greeter 1.2.0');
    expect(text.stdout).toContain('  Deployment/apps/web-podinfo  (release/web)');
  });

  it('rebuilds with no change to the same digest, every step cached; a changed values file rebuilds from its step', async () => {
    const again = await k2(home, ['build', join(work, 'env')]);
    expect(lastLine(again.stdout)).toBe(envDigest);
    expect(cachedSteps(again.stdout)).toEqual([2, 3, 4, 5]);

    const base = await k2(home, ['build', join(work, 'base')]);
    expect(cachedSteps(base.stdout)).toEqual([2, 3, 4, 5]);
    writeFileSync(join(work, 'base/web-values.yaml'), 'replicaCount: 4\nui:\n  message: changed\n');
    const changed = await k2(home, ['build', join(work, 'base')]);
    expect(changed.stderr).toBe('');
    expect(cachedSteps(changed.stdout)).toEqual([2]); // ADD ./manifests/ reused; INSTALL and after rebuilt
    expect(lastLine(changed.stdout)).not.toBe(lastLine(base.stdout));
    writeFileSync(join(work, 'base/web-values.yaml'), 'replicaCount: 2\nui:\n  message: from-base\n');
    expect(lastLine((await k2(home, ['build', join(work, 'base')])).stdout)).toBe(lastLine(base.stdout));
  });

  it('builds the same digest in a fresh home without any cache (reproducible)', async () => {
    const fresh = join(work, 'home-fresh');
    expect((await k2(fresh, ['repo', 'add', 'charts', charts.url])).code).toBe(0);
    const first = await k2(home, ['build', '--no-cache', join(work, 'base')]);
    const second = await k2(fresh, ['build', join(work, 'base')]);
    expect(cachedSteps(second.stdout)).toEqual([]);
    expect(lastLine(second.stdout)).toBe(lastLine(first.stdout));
  });

  it('gives two environments from one artifact with different values, differing exactly there', async () => {
    const artifact = await openArtifact(`${registry.host}/env/prod:1`, { home, pull: false });
    const staging = await renderArtifact(artifact, { values: { greeter: { message: 'staging' }, web: { replicaCount: 1 } } });
    const production = await renderArtifact(artifact, { values: { greeter: { message: 'production' }, web: { replicaCount: 5 } }, set: ['settings.level=high'] });
    expect(staging.objects.map(key)).toEqual(production.objects.map(key));
    const differing = staging.objects.filter((o, i) => JSON.stringify(o) !== JSON.stringify(production.objects[i])).map(key);
    expect(differing).toEqual(['ConfigMap/payments/greeter', 'ConfigMap/platform/settings-settings', 'Deployment/apps/web-podinfo']);
    const get = (objects: KubeObject[], k: string) => objects.find((o) => key(o) === k) as KubeObject & { data: Record<string, string>; spec: { replicas: number } };
    expect(get(staging.objects, 'ConfigMap/payments/greeter').data).toEqual({ message: 'staging', replicas: '1' });
    expect(get(production.objects, 'ConfigMap/payments/greeter').data).toEqual({ message: 'production', replicas: '1' });
    expect(get(production.objects, 'ConfigMap/platform/settings-settings').data).toEqual({ level: 'high' });
    expect(get(staging.objects, 'Deployment/apps/web-podinfo').spec.replicas).toBe(1);
    expect(get(production.objects, 'Deployment/apps/web-podinfo').spec.replicas).toBe(5);
    // Only the replica count differs between the two Deployments.
    const strip = (o: KubeObject) => JSON.parse(JSON.stringify(o).replace(/"replicas":\d+/, '"replicas":0'));
    expect(strip(get(staging.objects, 'Deployment/apps/web-podinfo'))).toEqual(strip(get(production.objects, 'Deployment/apps/web-podinfo')));
    // Without values the recorded objects come back as built.
    expect((await renderArtifact(artifact)).objects).toEqual(artifact.config.objects.map((o) => o.object));
    await expect(renderArtifact(artifact, { values: { nope: {} } })).rejects.toThrow('values for release "nope": ');
  });

  it('saves to a tar and loads it into another store', async () => {
    const tar = join(work, 'prod.tar');
    const saved = await k2(home, ['save', 'prod:latest', '-o', tar]);
    expect(saved.stderr).toBe('');
    const other = join(work, 'home-load');
    const loaded = await k2(other, ['load', '-i', tar]);
    expect(loaded.stdout).toBe('Loaded artifact: prod:latest\n');
    const artifact = await openArtifact('prod:latest', { home: other, pull: false });
    expect(artifact.digest).toBe(envDigest);
    expect((await renderArtifact(artifact)).objects).toHaveLength(10);
    // A saved tar is also a FROM.
    write(join(work, 'from-tar/K8sfile'), `FROM ../prod.tar\nUNINSTALL greeter\n`);
    const fromTar = await k2(other, ['build', '-t', 'slim:1', join(work, 'from-tar')]);
    expect(fromTar.stderr).toBe('');
    const slim = await renderArtifact(await openArtifact('slim:1', { home: other }));
    expect(slim.releases.map((r) => r.name)).toEqual(['web', 'settings']);
    expect(slim.objects.map(key)).not.toContain('ConfigMap/payments/greeter');
    expect(slim.parents[0]).toEqual({ reference: '../prod.tar', digest: envDigest });
  });
});

describe('INSTALL from an OCI registry', () => {
  it('pulls a Helm chart pushed to the registry, with the k2 login credentials', async () => {
    // Push the settings chart as `helm push` does, with k2's own registry client.
    const client = new RegistryClient(registry.host, { credentials: { username: user.name, password: user.password } });
    const archive = readFileSync(join(work, 'settings.tgz'));
    const config = Buffer.from(JSON.stringify({ name: 'settings', version: '0.3.0', apiVersion: 'v2' }));
    await client.pushBlob('charts/settings', archive);
    await client.pushBlob('charts/settings', config);
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: sha256Digest(archive), size: archive.length }],
    };
    await client.putManifest('charts/settings', '0.3.0', Buffer.from(JSON.stringify(manifest)));
    write(join(work, 'oci/K8sfile'), `FROM scratch\nINSTALL oci://${registry.host}/charts/settings:0.3.0 --name edge --namespace edge --set level=low\n`);
    const built = await k2(home, ['build', '-t', 'oci-chart:1', join(work, 'oci')]);
    expect(built.stderr).toBe('');
    const rendered = await renderArtifact(await openArtifact('oci-chart:1', { home, pull: false }));
    expect(rendered.releases).toEqual([{ name: 'edge', namespace: 'edge', chart: 'settings', version: '0.3.0' }]);
    expect(rendered.objects).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge-settings', namespace: 'edge' }, data: { level: 'low' } },
    ]);
    const inspect = JSON.parse((await k2(home, ['inspect', 'oci-chart:1', '-o', 'json'])).stdout);
    expect(inspect.config.releases[0]).toMatchObject({ source: `oci://${registry.host}/charts/settings:0.3.0`, digest: sha256Digest(archive) });
  });
});

describe('K8sfile build errors', () => {
  it('names the line and column of a bad instruction', async () => {
    write(join(work, 'bad/K8sfile'), 'FROM k2:1\nADD ./x.yaml --replicas 3\n');
    const result = await k2(home, ['build', join(work, 'bad')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('k2: K8sfile:2:14: unknown option --replicas (want --name, --namespace, --values, --set)\n');
  });

  it('names an unreachable registry', async () => {
    const port = await freePort();
    write(join(work, 'unreachable/K8sfile'), `FROM 127.0.0.1:${port}/nothing/here:1\n`);
    const result = await k2(home, ['build', join(work, 'unreachable')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`k2: K8sfile:1:1: cannot reach registry 127.0.0.1:${port}: ECONNREFUSED\n`);
    const push = await k2(home, ['push', `127.0.0.1:${port}/nothing/here:1`]);
    expect(push.stderr).toContain(`artifact 127.0.0.1:${port}/nothing/here:1 not found in the local store`);
  });

  it('names a missing chart, a missing repository and a missing artifact', async () => {
    write(join(work, 'missing/K8sfile'), 'FROM scratch\nADD ./m.yaml\nINSTALL helm/charts/absent@1.0.0\n');
    write(join(work, 'missing/m.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n');
    const chart = await k2(home, ['build', join(work, 'missing')]);
    expect(chart.stderr).toBe(`k2: K8sfile:3:1: cannot fetch chart helm/charts/absent@1.0.0: chart "absent" not found in ${charts.url} repository\n`);
    write(join(work, 'norepo/K8sfile'), 'FROM scratch\nINSTALL helm/elsewhere/x\n');
    const repo = await k2(home, ['build', join(work, 'norepo')]);
    expect(repo.stderr).toBe('k2: K8sfile:2:1: cannot fetch chart helm/elsewhere/x: unknown chart repository "elsewhere": add it with k2 repo add elsewhere URL\n');
    write(join(work, 'nofrom/K8sfile'), 'FROM team/none:2\n');
    const from = await k2(home, ['build', join(work, 'nofrom')]);
    expect(from.stderr).toContain('K8sfile:1:1: artifact team/none:2 not found in the local store');
    write(join(work, 'noremove/K8sfile'), 'FROM scratch\nADD ./m.yaml\nREMOVE deploy/m\n');
    write(join(work, 'noremove/m.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n');
    const remove = await k2(home, ['build', join(work, 'noremove')]);
    expect(remove.stderr).toBe('k2: K8sfile:3:1: REMOVE deploy/m: no such object in the artifact\n');
  });

  it('reports bad YAML with its file and line', async () => {
    write(join(work, 'badyaml/K8sfile'), 'FROM scratch\nADD ./m.yaml\n');
    write(join(work, 'badyaml/m.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n---\nkind: [\n');
    const result = await k2(home, ['build', join(work, 'badyaml')]);
    expect(result.stderr).toMatch(/^k2: K8sfile:2:1: m\.yaml:6: invalid YAML: /);
  });

  it('rejects an unknown registry port for charts by name', async () => {
    const port = await freePort();
    write(join(work, 'deadoci/K8sfile'), `FROM scratch\nINSTALL oci://127.0.0.1:${port}/charts/podinfo:6.14.1\n`);
    const result = await k2(home, ['build', join(work, 'deadoci')]);
    expect(result.stderr).toBe(`k2: K8sfile:2:1: cannot fetch chart oci://127.0.0.1:${port}/charts/podinfo:6.14.1: fetch failed (ECONNREFUSED)\n`);
  });
});
