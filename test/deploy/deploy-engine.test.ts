// The deploy engine against a real `k2 server` (with one simulated node, so Deployments roll out without a
// container runtime), checked the way a user would: with real kubectl, `kubectl get artifacts`, the ApplySet
// labels, and kubectl's own `apply --prune --applyset` on an Artifact parent.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKubeconfig, writeKubeconfig } from '../../apiserver/kubeconfig.ts';
import {
  applySetGroupKindsAnnotation,
  applySetIdLabel,
  applySetNamespacesAnnotation,
  applySetPartOfLabel,
  applySetToolingAnnotation,
  artifactApplySetId,
  DeployFailedError,
  deployArtifact,
  diffArtifact,
  KubeClient,
  type ArtifactToDeploy,
  type DeployReport,
} from '../../packaging/deploy/index.ts';
import { startServer, type TestServer } from '../e2e/harness.ts';

type Json = Record<string, any>;

const digest = (fill: string) => `sha256:${fill.repeat(64 / fill.length)}`;

function widgetCrd(): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
    },
  };
}

function deployment(name: string, namespace: string, replicas: number): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'nginx:1' }] } } },
  };
}

const configMap = (name: string, data: Record<string, string>, namespace?: string): Json => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data });

/** A set in deliberately unsorted order: the CR and a ConfigMap in `team` come before their CRD and Namespace. */
function teamObjects(): Json[] {
  return [
    configMap('settings', { mode: 'dev' }, 'team'),
    { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'gizmo', namespace: 'team' }, spec: { size: 3 } },
    widgetCrd(),
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
    deployment('web', 'team', 2),
    configMap('shared', { greeting: 'hello' }), // no namespace: goes to `default`
  ];
}

function artifact(objects: Json[], fill = 'ab'): ArtifactToDeploy {
  return { name: 'team-env', reference: 'registry.test/team-env:1', digest: digest(fill), parents: [{ reference: 'registry.test/team:1', digest: digest('cd') }], settings: { 'snapshot.schedule': '0 */6 * * *' }, objects };
}

describe('deploy engine against a real k2 server', () => {
  let server: TestServer;
  let client: KubeClient;
  const lines: string[] = [];
  const progress = (line: string) => lines.push(line);
  const ok = async (args: string[], env?: Record<string, string>) => {
    const result = await server.kubectl(args, { env });
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Json;
  const absent = async (args: string[]) => {
    const result = await server.kubectl(['get', ...args]);
    expect(result.code, result.stdout).not.toBe(0);
    expect(result.stderr).toMatch(/NotFound|not found/);
  };
  const resourceVersions = async () => {
    const list = await json(['get', 'configmaps,deployments,widgets', '-A', '-l', `${applySetPartOfLabel}=${artifactApplySetId('team-env')}`]);
    return Object.fromEntries(list.items.map((item: Json) => [`${item.kind}/${item.metadata.namespace}/${item.metadata.name}`, item.metadata.resourceVersion]));
  };
  const actions = (report: DeployReport) => Object.fromEntries(report.applied.map((a) => [`${a.object.kind}/${a.object.name}`, a.action]));

  beforeAll(async () => {
    server = await startServer({ args: ['--simulated-nodes', '1'] });
    client = await KubeClient.fromKubeconfig(server.kubeconfig);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it('applies every object in order with the ApplySet labels, waits for the rollout and records the artifact', async () => {
    lines.length = 0;
    const report = await deployArtifact(artifact(teamObjects()), { client, wait: true, timeoutMs: 30_000, pollMs: 100, progress });
    expect(report.phase).toBe('Deployed');
    expect(report.applied.map((a) => `${a.object.kind}/${a.object.name}`)).toEqual([
      'CustomResourceDefinition/widgets.example.com',
      'Namespace/team',
      'ConfigMap/settings',
      'Widget/gizmo',
      'Deployment/web',
      'ConfigMap/shared',
    ]);
    expect(report.applied.every((a) => a.action === 'created')).toBe(true);
    expect(report.pruned).toEqual([]);
    expect(lines.some((line) => line.includes('deployment web rolled out (2/2)'))).toBe(true);

    const id = artifactApplySetId('team-env');
    const members = await json(['get', 'namespaces,configmaps,deployments,widgets,customresourcedefinitions', '-A', '-l', `${applySetPartOfLabel}=${id}`]);
    expect(members.items.map((item: Json) => `${item.kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`).sort()).toEqual([
      'ConfigMap/default/shared',
      'ConfigMap/team/settings',
      'CustomResourceDefinition//widgets.example.com',
      'Deployment/team/web',
      'Namespace//team',
      'Widget/team/gizmo',
    ]);
    const deployed = await json(['get', 'deployment', 'web', '-n', 'team']);
    expect(deployed.status.availableReplicas).toBe(2);
    const managers = (await json(['get', 'configmap', 'shared', '--show-managed-fields'])).metadata.managedFields.map((m: Json) => `${m.manager}/${m.operation}`);
    expect(managers).toEqual(['k2/Apply']);

    const parent = await json(['get', 'artifact', 'team-env']);
    expect(parent.metadata.labels[applySetIdLabel]).toBe(id);
    expect(parent.metadata.annotations[applySetToolingAnnotation]).toMatch(/^k2\/v\d+\.\d+\.\d+/);
    expect(parent.metadata.annotations[applySetGroupKindsAnnotation]).toBe('ConfigMap,CustomResourceDefinition.apiextensions.k8s.io,Deployment.apps,Namespace,Widget.example.com');
    expect(parent.metadata.annotations[applySetNamespacesAnnotation]).toBe('default,team');
    expect(parent.spec).toEqual({ reference: 'registry.test/team-env:1', digest: digest('ab'), parents: [{ reference: 'registry.test/team:1', digest: digest('cd') }], settings: { 'snapshot.schedule': '0 */6 * * *' } });
    expect(parent.status).toMatchObject({ phase: 'Deployed', objects: 6, pruned: 0, shortDigest: 'abababababab' });
    expect(parent.status.conditions).toEqual([expect.objectContaining({ type: 'Deployed', status: 'True', reason: 'Deployed' })]);

    const crd = await json(['get', 'crd', 'artifacts.k2.io']);
    expect(crd.metadata.labels['applyset.kubernetes.io/is-parent-type']).toBe('true');
    const table = await ok(['get', 'artifacts']);
    const [header, row] = table.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['NAME', 'REFERENCE', 'DIGEST', 'PHASE', 'OBJECTS', 'AGE']);
    expect(row!.split(/\s{2,}/).slice(0, 5)).toEqual(['team-env', 'registry.test/team-env:1', 'abababababab', 'Deployed', '6']);
  });

  it('changes nothing when the same artifact is deployed again', async () => {
    const before = await resourceVersions();
    const report = await deployArtifact(artifact(teamObjects()), { client, progress });
    expect(new Set(report.applied.map((a) => a.action))).toEqual(new Set(['unchanged']));
    expect(report.pruned).toEqual([]);
    expect(await resourceVersions()).toEqual(before);
  });

  it('dry run reports what would change and changes nothing', async () => {
    const before = await resourceVersions();
    const objects = teamObjects();
    objects[0]!.data.mode = 'prod';
    objects.push(configMap('extra', { new: 'yes' }, 'team'));
    const report = await deployArtifact(artifact(objects.filter((o) => o.metadata.name !== 'shared'), 'ef'), { client, dryRun: true, progress });
    expect(report.dryRun).toBe(true);
    expect(actions(report)).toMatchObject({ 'ConfigMap/settings': 'configured', 'ConfigMap/extra': 'created', 'Deployment/web': 'unchanged' });
    expect(report.pruned.map((p) => `${p.kind}/${p.namespace}/${p.name}`)).toEqual(['ConfigMap/default/shared']);
    expect(await resourceVersions()).toEqual(before);
    expect((await json(['get', 'configmap', 'settings', '-n', 'team'])).data).toEqual({ mode: 'dev' });
    await absent(['configmap', 'extra', '-n', 'team']);
    const parent = await json(['get', 'artifact', 'team-env']);
    expect(parent.spec.digest).toBe(digest('ab'));
    expect(parent.status.phase).toBe('Deployed');
  });

  it('diff shows the changed field and the object a deploy would prune, nothing for unchanged objects', async () => {
    const objects = teamObjects().filter((o) => o.metadata.name !== 'shared');
    objects[0]!.data.mode = 'prod';
    const diff = await diffArtifact(artifact(objects), { client });
    expect(diff.changed).toBe(true);
    const changes = Object.fromEntries(diff.entries.map((e) => [`${e.object.kind}/${e.object.name}`, e.change]));
    expect(changes).toEqual({
      'CustomResourceDefinition/widgets.example.com': 'unchanged',
      'Namespace/team': 'unchanged',
      'ConfigMap/settings': 'update',
      'Widget/gizmo': 'unchanged',
      'Deployment/web': 'unchanged',
      'ConfigMap/shared': 'prune',
    });
    const settings = diff.entries.find((e) => e.object.name === 'settings')!.diff;
    expect(settings).toContain('--- live/v1.ConfigMap.team.settings\n+++ artifact/v1.ConfigMap.team.settings\n');
    expect(settings.split('\n').filter((line) => /^[-+] /.test(line))).toEqual(['-  mode: dev', '+  mode: prod']);
    expect(settings).not.toMatch(/managedFields|resourceVersion|generation/);
    const pruned = diff.entries.find((e) => e.object.name === 'shared')!.diff;
    expect(pruned).toContain('-  greeting: hello');
    expect(pruned.split('\n').some((line) => line.startsWith('+ '))).toBe(false);

    const same = await diffArtifact(artifact(teamObjects()), { client });
    expect(same.changed).toBe(false);
    expect(same.text).toBe('');
  });

  it('prunes an object the next version no longer has, and records the smaller set', async () => {
    lines.length = 0;
    const objects = teamObjects().filter((o) => o.metadata.name !== 'shared');
    const report = await deployArtifact(artifact(objects, 'ef'), { client, progress });
    expect(report.pruned).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'shared' }]);
    expect(lines).toContain('configmap/shared -n default pruned');
    await absent(['configmap', 'shared', '-n', 'default']);
    const parent = await json(['get', 'artifact', 'team-env']);
    expect(parent.metadata.annotations[applySetNamespacesAnnotation]).toBe('team');
    expect(parent.status).toMatchObject({ phase: 'Deployed', objects: 5, pruned: 1, shortDigest: 'efefefefefef' });
    expect(parent.spec.digest).toBe(digest('ef'));
  });

  it('stops at an invalid object, reports what was and was not applied, and marks the artifact Failed', async () => {
    lines.length = 0;
    const objects = teamObjects().filter((o) => o.metadata.name !== 'shared');
    const broken = deployment('broken', 'team', 1);
    broken.spec.selector.matchLabels = { app: 'other' }; // selector does not match the template's labels: Invalid
    objects.splice(4, 0, configMap('before', { ok: 'yes' }, 'team'), broken, configMap('after', { ok: 'no' }, 'team'));
    const error = await deployArtifact(artifact(objects, '12'), { client, progress }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployFailedError);
    const report = (error as DeployFailedError).report;
    expect(report.phase).toBe('Failed');
    expect(report.failure?.object).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team', name: 'broken' });
    expect(report.failure?.message).toMatch(/deployment\.apps\/broken -n team: .*selector.*; 5 of 8 objects applied, 3 not applied/);
    expect(report.applied.map((a) => a.object.name)).toEqual(['widgets.example.com', 'team', 'settings', 'gizmo', 'before']);
    expect(report.notApplied.map((r) => r.name)).toEqual(['broken', 'after', 'web']);
    expect(lines.some((line) => line.startsWith('not applied: deployment.apps/broken -n team, configmap/after -n team, deployment.apps/web -n team'))).toBe(true);
    expect((await json(['get', 'configmap', 'before', '-n', 'team'])).data).toEqual({ ok: 'yes' });
    await absent(['configmap', 'after', '-n', 'team']);
    const parent = await json(['get', 'artifact', 'team-env']);
    expect(parent.status.phase).toBe('Failed');
    expect(parent.status.objects).toBe(5);
    expect(parent.status.message).toContain('deployment.apps/broken -n team');
    expect(parent.status.conditions[0]).toMatchObject({ type: 'Deployed', status: 'False', reason: 'DeployFailed' });
    expect(await ok(['get', 'artifacts'])).toMatch(/team-env\s+registry\.test\/team-env:1\s+121212121212\s+Failed/);

    // The next good deploy prunes what the failed one left behind.
    const fixed = await deployArtifact(artifact(teamObjects().filter((o) => o.metadata.name !== 'shared'), 'ef'), { client });
    expect(fixed.pruned.map((r) => r.name)).toEqual(['before']);
    expect((await json(['get', 'artifact', 'team-env'])).status.phase).toBe('Deployed');
  });

  it('bounds --wait with a timeout and reports the objects still waiting', async () => {
    lines.length = 0;
    // No node matches the Job's pod, so the Job never completes here.
    const podSpec = { restartPolicy: 'Never', nodeSelector: { 'example.com/no-such-node': 'true' }, containers: [{ name: 'm', image: 'busybox:1', command: ['sleep', '3600'] }] };
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'team' }, spec: { template: { spec: podSpec } } };
    const started = Date.now();
    const error = await deployArtifact(artifact([...teamObjects().filter((o) => o.metadata.name !== 'shared'), job], '34'), { client, wait: true, timeoutMs: 1_500, pollMs: 100, progress }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(DeployFailedError);
    const report = (error as DeployFailedError).report;
    expect(report.applied).toHaveLength(6);
    expect(report.notApplied).toEqual([]);
    expect(report.failure?.message).toMatch(/^timed out waiting for job\.batch\/migrate -n team \(job migrate: 0 of 1 completions\)/);
    expect(lines).toContain('  waiting: job migrate: 0 of 1 completions');
    expect((await json(['get', 'artifact', 'team-env'])).status.phase).toBe('Failed');
  });

  it('refuses an Artifact another tool manages, and kubectl manages an Artifact parent with the same ids', async () => {
    const id = artifactApplySetId('kubectl-set');
    const parent = { apiVersion: 'k2.io/v1', kind: 'Artifact', metadata: { name: 'kubectl-set', labels: { [applySetIdLabel]: id }, annotations: { [applySetToolingAnnotation]: 'kubectl/v1.33.0', [applySetGroupKindsAnnotation]: '' } } };
    const created = await server.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(parent) });
    expect(created.code, created.stderr).toBe(0);

    // kubectl computes the same id for artifacts.k2.io/kubectl-set (it refuses a parent whose id label differs),
    // labels members with it, and prunes by the parent's annotations.
    const env = { KUBECTL_APPLYSET: 'true' };
    const applySet = ['apply', '--server-side', '--prune', '--applyset=artifacts.k2.io/kubectl-set', '-f', '-'];
    let result = await server.kubectl(applySet, { env, input: JSON.stringify(configMap('first', { a: '1' }, 'default')) });
    expect(result.code, result.stderr).toBe(0);
    expect((await json(['get', 'configmap', 'first'])).metadata.labels[applySetPartOfLabel]).toBe(id);
    result = await server.kubectl(applySet, { env, input: JSON.stringify(configMap('second', { a: '2' }, 'default')) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('configmap/first pruned');
    await absent(['configmap', 'first']);

    const error = await deployArtifact({ ...artifact([configMap('mine', { a: 'b' })]), name: 'kubectl-set' }, { client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('artifact kubectl-set exists but is managed by tooling "kubectl", not k2: refusing to change it');
    await absent(['configmap', 'mine']);
  });

  it('diff and dry run of an artifact whose CRD and namespace do not exist yet show everything as new', async () => {
    const crd = widgetCrd();
    crd.metadata.name = 'gadgets.example.com';
    crd.spec.names = { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' };
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } },
      crd,
      { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'fresh' }, spec: { size: 1 } },
      configMap('cfg', { k: 'v' }, 'fresh'),
    ];
    const diff = await diffArtifact({ name: 'fresh-env', objects }, { client });
    expect(diff.entries.map((e) => `${e.object.kind}/${e.change}`)).toEqual(['CustomResourceDefinition/create', 'Namespace/create', 'Gadget/create', 'ConfigMap/create']);
    const gadget = diff.entries.find((e) => e.object.kind === 'Gadget')!.diff;
    expect(gadget).toContain('+++ artifact/example.com.v1.Gadget.fresh.g\n');
    expect(gadget).toContain(`+    ${applySetPartOfLabel}: ${artifactApplySetId('fresh-env')}`);

    lines.length = 0;
    const report = await deployArtifact({ ...artifact(objects), name: 'fresh-env' }, { client, dryRun: true, wait: true, progress });
    expect(Object.values(actions(report))).toEqual(['created', 'created', 'created', 'created']);
    expect(lines).toContain('gadget.example.com/g -n fresh created (server dry run), not checked: its CustomResourceDefinition is new');
    expect(lines).toContain('configmap/cfg -n fresh created (server dry run), not checked: its namespace is new');
    await absent(['namespace', 'fresh']);
    await absent(['crd', 'gadgets.example.com']);
    await absent(['artifact', 'fresh-env']);
  });

  it('deploys with a bearer-token kubeconfig, and reports RBAC refusals', async () => {
    const admin = await readKubeconfig(server.kubeconfig);
    const tokenClient = async (serviceAccount: string) => {
      await ok(['create', 'serviceaccount', serviceAccount, '-n', 'default']);
      const token = (await ok(['create', 'token', serviceAccount, '-n', 'default'])).trim();
      const path = join(server.dataDir, `${serviceAccount}.kubeconfig`);
      await writeKubeconfig(path, { server: admin.server, caPem: admin.caPem, token });
      return KubeClient.fromKubeconfig(path);
    };
    await ok(['create', 'clusterrolebinding', 'deployer', '--clusterrole=cluster-admin', '--serviceaccount=default:deployer']);
    const deployer = await tokenClient('deployer');
    const nobody = await tokenClient('nobody');
    try {
      const report = await deployArtifact({ ...artifact([configMap('by-token', { a: 'b' }, 'default')]), name: 'token-env' }, { client: deployer });
      expect(report.applied).toEqual([{ object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'by-token' }, action: 'created' }]);
      expect((await json(['get', 'configmap', 'by-token'])).metadata.labels[applySetPartOfLabel]).toBe(artifactApplySetId('token-env'));
      await expect(deployArtifact({ ...artifact([configMap('refused', { a: 'b' }, 'default')]), name: 'token-env' }, { client: nobody })).rejects.toThrow(/forbidden.*system:serviceaccount:default:nobody/);
    } finally {
      deployer.close();
      nobody.close();
    }
  });

  it('keeps dropped objects with prune off, and prunes a custom resource before its CRD', async () => {
    const kept = await deployArtifact(artifact(teamObjects().filter((o) => o.metadata.name !== 'settings'), '56'), { client, prune: false });
    expect(kept.pruned).toEqual([]);
    expect((await json(['get', 'configmap', 'settings', '-n', 'team'])).metadata.labels[applySetPartOfLabel]).toBe(artifactApplySetId('team-env'));
    expect((await json(['get', 'artifact', 'team-env'])).metadata.annotations[applySetGroupKindsAnnotation]).toContain('Job.batch');

    const noWidgets = teamObjects().filter((o) => !['settings', 'gizmo', 'widgets.example.com'].includes(o.metadata.name));
    const report = await deployArtifact(artifact(noWidgets, '78'), { client });
    expect(report.pruned.map((r) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/settings', 'Job/migrate', 'Widget/gizmo', 'CustomResourceDefinition/widgets.example.com']);
    await absent(['crd', 'widgets.example.com']);
    await absent(['configmap', 'settings', '-n', 'team']);
    expect((await json(['get', 'artifact', 'team-env'])).metadata.annotations[applySetGroupKindsAnnotation]).toBe('ConfigMap,Deployment.apps,Namespace');
  });

  it('rejects bad input before touching the cluster', async () => {
    await expect(deployArtifact({ ...artifact([]), name: 'Team_Env' }, { client })).rejects.toThrow('artifact name "Team_Env" is not a valid object name');
    await expect(deployArtifact({ ...artifact([]), digest: 'latest' }, { client })).rejects.toThrow('artifact digest "latest" is not a digest');
    await expect(deployArtifact(artifact([{ apiVersion: 'v1', metadata: { name: 'x' } }]), { client })).rejects.toThrow('object 1 (v1) has no kind');
    await expect(deployArtifact(artifact([configMap('twice', {}), configMap('twice', {}, 'default')]), { client })).rejects.toThrow('objects 1 and 2 are the same object: configmap/twice -n default');
    await expect(deployArtifact(artifact([{ apiVersion: 'nowhere.example/v1', kind: 'Ghost', metadata: { name: 'boo' } }]), { client })).rejects.toThrow(
      'object 1 (Ghost boo): the cluster does not serve Ghost in nowhere.example/v1, and no CustomResourceDefinition in the artifact defines it',
    );
    expect((await json(['get', 'artifact', 'team-env'])).spec.digest).toBe(digest('78'));
  });
});
