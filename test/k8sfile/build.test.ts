// Build semantics in process (no registry): what each instruction does to the artifact, inheritance from
// the local store, apply order, the layer contents, and errors reported at the instruction's line.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../packaging/k8sfile/artifact.ts';
import { buildArtifact } from '../../packaging/k8sfile/build.ts';
import { importLayout, openArtifact, releaseArchive, renderArtifact, saveArtifact } from '../../packaging/k8sfile/index.ts';
import { openStore } from '../../packaging/k8sfile/transfer.ts';
import { loadChartArchive } from '../../packaging/helm/chart.ts';
import { unpackTarGz } from '../../packaging/k8sfile/reproducible-tar.ts';
import { tempDir } from '../e2e/harness.ts';

const work = tempDir('k2-k8sfile-build-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const home = join(work, 'home');
let contexts = 0;

/** A build context with the given files; returns its folder. */
function context(files: Record<string, string>): string {
  const dir = join(work, `ctx-${++contexts}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const key = (o: KubeObject) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const configMap = (name: string, namespace?: string, data: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data: ${JSON.stringify(data)}\n`;
const chartFiles = (name: string, template: string, values = '') => ({
  [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
  [`${name}/values.yaml`]: values,
  [`${name}/templates/main.yaml`]: template,
});

async function build(dir: string, tags: string[] = [], extra: { buildArgs?: Record<string, string> } = {}) {
  const lines: string[] = [];
  const result = await buildArtifact({ context: dir, home, tags, log: (l) => lines.push(l), ...extra });
  return { ...result, output: lines.join('\n') };
}

async function buildError(files: Record<string, string>): Promise<string> {
  try {
    await build(context(files));
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the build to fail');
}

describe('instructions', () => {
  it('orders CRDs, then Namespaces, then Helm install order; expands Lists; stores normalized YAML', async () => {
    const dir = context({
      K8sfile: 'FROM scratch\nADD ./m\n',
      'm/a.yaml': `# leading comment\n${configMap('settings', 'apps')}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: apps}\nspec: {}\n`,
      'm/b/list.yaml': 'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: web, namespace: apps}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: apps}}\n',
      'm/c.json': JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.example.com' }, spec: {} }),
      'm/.hidden.yaml': 'not: read',
      'm/notes.txt': 'not read either',
    });
    const result = await build(dir);
    expect(result.config.objects.map((o) => key(o.object))).toEqual(['CustomResourceDefinition//things.example.com', 'Namespace//apps', 'ConfigMap/apps/settings', 'Service/apps/web', 'Deployment/apps/web']);
    expect(result.config.objects[0]!.source).toBe('manifests/m/c.json');
    const store = (await openArtifact(result.digest, { home })).store;
    const layer = unpackTarGz(store.readBlob(result.manifest.layers[0]!.digest));
    expect(layer.map((e) => e.name)).toEqual(['manifests/m/a.yaml', 'manifests/m/b/list.yaml', 'manifests/m/c.json']);
    expect(layer[0]!.data.toString()).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: apps\ndata: {}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec: {}\n');
  });

  it('installs a local chart as a release named after it, with values from files and --set, in its namespace', async () => {
    const dir = context({
      K8sfile: 'FROM scratch\nARG who=world\nADD ./greet --namespace team --values ./v1.yaml -f ./v2.yaml --set extra=$who\n',
      ...chartFiles('greet', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n  extra: {{ .Values.extra | quote }}\n', 'a: default\nb: default\n'),
      'v1.yaml': 'a: one\nb: one\n',
      'v2.yaml': 'b: two\n',
    });
    const result = await build(dir, [], { buildArgs: { who: 'team' } });
    expect(result.config.releases).toEqual([
      expect.objectContaining({ name: 'greet', namespace: 'team', chart: 'greet', version: '0.1.0', source: 'greet', values: { a: 'one', b: 'two', extra: 'team' } }),
    ]);
    expect(result.config.objects.map((o) => o.object)).toEqual([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'greet', namespace: 'team' }, data: { a: 'one', b: 'two', extra: 'team' } },
    ]);
    // The stored chart is the packaged folder: it loads back as the same chart.
    const artifact = await openArtifact(result.digest, { home });
    expect(loadChartArchive(releaseArchive(artifact, 'greet')).metadata.Name).toBe('greet');
  });

  it('inherits from a local store name; INSTALL of the same release replaces it; REMOVE and UNINSTALL drop things', async () => {
    const parent = context({
      K8sfile: 'FROM k2:1\nADD ./m.yaml\nADD ./one\nADD ./two --name second\nCONFIG log-level=warn cluster-domain=parent.local\nLABEL tier=parent\n',
      'm.yaml': `${configMap('a', 'x')}---\n${configMap('b', 'y')}`,
      ...chartFiles('one', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-one\ndata:\n  v: {{ .Values.v | quote }}\n', 'v: parent\n'),
      ...chartFiles('two', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: from-two\n'),
    });
    const built = await build(parent, ['family/parent:1']);
    const child = context({
      K8sfile: 'FROM family/parent:1\nADD ./one --set v=child\nREMOVE cm/b\nUNINSTALL second\nCONFIG log-level=debug\n',
      ...chartFiles('one', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-one\ndata:\n  v: {{ .Values.v | quote }}\n', 'v: parent\n'),
    });
    const result = await build(child, ['family/child:1']);
    expect(result.config.parents).toEqual([
      { reference: 'family/parent:1', digest: built.digest },
      { reference: 'k2:1', digest: built.config.parents[0]!.digest },
    ]);
    expect(result.config.releases.map((r) => r.name)).toEqual(['one']);
    expect(result.config.objects.map((o) => key(o.object))).toEqual(['ConfigMap/x/a', 'ConfigMap/default/from-one']);
    expect((result.config.objects[1]!.object as { data: unknown }).data).toEqual({ v: 'child' });
    expect(result.config.settings).toEqual({ 'log-level': 'debug', 'cluster-domain': 'parent.local' });
    expect(result.config.labels).toEqual({ tier: 'parent' });
    expect(result.config.removals).toEqual([{ kind: 'ConfigMap', name: 'b' }]);
    // Inherited layers are kept; the new release makes one more.
    expect(result.manifest.layers.slice(0, 3)).toEqual(built.manifest.layers);
    expect(result.manifest.layers).toHaveLength(4);
    expect(result.config.history.map((h) => h.instruction)).toEqual([...built.config.history.map((h) => h.instruction), 'FROM family/parent:1', 'ADD ./one --set v=child', 'REMOVE cm/b', 'UNINSTALL second', 'CONFIG log-level="debug"']);
    const rendered = await renderArtifact(await openArtifact('family/child:1', { home }), { set: ['one.v=override'] });
    expect(rendered.objects.map(key)).toEqual(['ConfigMap/x/a', 'ConfigMap/default/from-one']);
    expect((rendered.objects[1] as { data: unknown }).data).toEqual({ v: 'override' });
  });

  it('reuses the cache for an unchanged step even under a different tag, and rebuilds after a changed file', async () => {
    const dir = context({ K8sfile: 'FROM scratch\nADD ./a.yaml\nADD ./b.yaml\n', 'a.yaml': configMap('a'), 'b.yaml': configMap('b') });
    const first = await build(dir, ['cache/x:1']);
    const second = await build(dir, ['cache/x:2']);
    expect(second.digest).toBe(first.digest);
    expect(second.steps.map((s) => s.cached)).toEqual([false, true, true]);
    writeFileSync(join(dir, 'b.yaml'), configMap('b', undefined, { changed: 'yes' }));
    const third = await build(dir);
    expect(third.steps.map((s) => s.cached)).toEqual([false, true, false]);
    expect(third.output).toMatch(/Step 3\/3 : ADD \.\/b\.yaml\n ---> [0-9a-f]{12} \d+B\n/);
  });
});

describe('saved artifacts', () => {
  it('saves by digest without a name (gzipped), and loads it back untagged but whole', async () => {
    const result = await build(context({ K8sfile: 'FROM scratch\nADD ./a.yaml\n', 'a.yaml': configMap('a') }));
    const file = join(work, 'by-digest.tar.gz');
    saveArtifact(openStore(home), result.digest, result.digest, file);
    const other = openStore(join(work, 'home-other'));
    expect(importLayout(other, file, { tag: true })).toEqual([{ reference: undefined, digest: result.digest }]);
    expect(other.index().manifests).toEqual([]);
    const artifact = await openArtifact(result.digest, { home: join(work, 'home-other'), pull: false });
    expect((await renderArtifact(artifact)).objects.map(key)).toEqual(['ConfigMap//a']);
  });
});

describe('FROM an OCI layout folder', () => {
  it('uses the one artifact a layout holds, and refuses a layout with several', async () => {
    const otherHome = join(work, 'home-layout');
    const dir = context({ K8sfile: 'FROM scratch\nADD ./a.yaml\n', 'a.yaml': configMap('from-layout') });
    const parent = await buildArtifact({ context: dir, home: otherHome, tags: ['layout/one:1'] });
    const child = await build(context({ K8sfile: `FROM ${join(otherHome, 'artifacts')}\nLABEL child=yes\n` }));
    expect(child.config.parents).toEqual([{ reference: join(otherHome, 'artifacts'), digest: parent.digest }]);
    expect(child.config.objects.map((o) => key(o.object))).toEqual(['ConfigMap//from-layout']);
    await buildArtifact({ context: dir, home: otherHome, tags: ['layout/two:1'] });
    expect(await buildError({ K8sfile: `FROM ${join(otherHome, 'artifacts')}\n` })).toBe(`K8sfile:1:1: ${join(otherHome, 'artifacts')} holds 2 artifacts (layout/one:1, layout/two:1): load it with k2 load and name one`);
  });
});

describe('the local store', () => {
  it('keeps every tag when several processes tag at once', async () => {
    const dir = join(work, 'concurrent-store');
    openStore(dir);
    const storeModule = join(import.meta.dirname, '../../packaging/k8sfile/store.ts');
    const script = (worker: number) =>
      `import { OciLayout } from ${JSON.stringify(storeModule)};
       const store = new OciLayout(${JSON.stringify(join(dir, 'artifacts'))});
       const blob = store.putBlob('{}');
       for (let i = 0; i < 25; i++) store.tag('w${worker}/t:' + i, { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...blob });`;
    const runs = [1, 2, 3, 4].map(
      (worker) =>
        new Promise<number>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(worker)], { stdio: 'inherit' });
          child.on('exit', (code) => resolve(code ?? 1));
        }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    expect(openStore(dir).index().manifests).toHaveLength(100);
  });
});

describe('errors at the instruction', () => {
  it.each([
    ['a missing path, at the path', { K8sfile: 'FROM scratch\nADD   ./absent.yaml\n' }, 'K8sfile:2:7: ./absent.yaml: no such file or folder in the build context'],
    ['a path outside the context', { K8sfile: 'FROM scratch\nADD ../../etc/hosts\n' }, 'K8sfile:2:5: ../../etc/hosts is outside the build context'],
    ['chart options on plain YAML', { K8sfile: 'FROM scratch\nADD ./a.yaml --namespace x\n', 'a.yaml': configMap('a') }, 'K8sfile:2:1: --name, --namespace, --values and --set apply to charts; ./a.yaml is not a chart (no Chart.yaml)'],
    ['an object without a name', { K8sfile: 'FROM scratch\nADD ./a.yaml\n', 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\n' }, 'K8sfile:2:1: a.yaml (document 1): an object needs apiVersion, kind and metadata.name'],
    ['a folder without manifests', { K8sfile: 'FROM scratch\nADD ./empty\n', 'empty/readme.txt': 'x' }, 'K8sfile:2:1: ./empty has no .yaml, .yml or .json files'],
    ['two different definitions', { K8sfile: 'FROM scratch\nADD ./a.yaml\nADD ./b.yaml\n', 'a.yaml': configMap('same', 'x', { v: '1' }), 'b.yaml': configMap('same', 'x', { v: '2' }) }, 'K8sfile:3:1: ConfigMap x/same is defined twice, differently: by manifests/a.yaml and by manifests/b.yaml'],
    ['UNINSTALL of an unknown release', { K8sfile: 'FROM scratch\nUNINSTALL nothing\n' }, 'K8sfile:2:1: UNINSTALL nothing: no such release (releases: none)'],
    ['a failing template', { K8sfile: 'FROM scratch\nADD ./bad\n', ...chartFiles('bad', '{{ required "need .Values.x" .Values.x }}\n') }, 'K8sfile:2:1: execution error at (bad/templates/main.yaml:1:3): need .Values.x'],
    ['a missing values file', { K8sfile: 'FROM scratch\nADD ./c --values ./nope.yaml\n', ...chartFiles('c', '') }, 'K8sfile:2:1: ./nope.yaml: no such file or folder in the build context'],
  ])('%s', async (_name, files, message) => {
    expect(await buildError(files)).toBe(message);
  });

  it('rejects a bad tag before building', async () => {
    await expect(buildArtifact({ context: context({ K8sfile: 'FROM scratch\n' }), home, tags: ['Bad:Tag!'] })).rejects.toThrow('invalid reference "Bad:Tag!"');
  });
});
