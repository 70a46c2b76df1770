// K8sfile build time for a three-level FROM chain with charts: cold (empty k2 home: every step runs, charts
// are fetched from a loopback chart repository and rendered) and cached (the same home again: every step
// reused), and a rebuild after one values file changed. In process (no CLI start-up in the figures).
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildArtifact, type BuildResult } from '../../packaging/k8sfile/build.ts';
import { addRepository } from '../../packaging/k8sfile/repositories.ts';
import { packTarGz } from '../../packaging/k8sfile/reproducible-tar.ts';
import { chartDirectoryFiles } from '../../packaging/helm/sources.ts';
import { sharedDir } from '../helm/shared.ts';
import { ms, percentile, printTable } from './table.ts';

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const runs = 5;

export async function k8sfileBenchmark(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'k2-bench-k8sfile-'));
  const charts = join(sharedDir, 'charts');
  const metricsServer = packTarGz(chartDirectoryFiles(join(charts, 'metrics-server')).map((f) => ({ name: `metrics-server/${f.name}`, data: f.data })));
  const index = `apiVersion: v1\nentries:\n  metrics-server:\n  - name: metrics-server\n    version: 3.12.2\n    digest: ${createHash('sha256').update(metricsServer).digest('hex')}\n    urls: [metrics-server.tgz]\n`;
  const server = createServer((req, res) => {
    if (req.url === '/index.yaml') return res.end(index);
    if (req.url === '/metrics-server.tgz') return res.end(metricsServer);
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const repoUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    // base: 50 ConfigMaps, podinfo as a local chart, metrics-server from the repository.
    const manifests = Array.from({ length: 50 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\n  namespace: platform\ndata:\n  index: "${i}"\n`).join('---\n');
    write(join(work, 'base/manifests/settings.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: platform\n---\n${manifests}`);
    cpSync(join(charts, 'podinfo'), join(work, 'base/podinfo'), { recursive: true });
    cpSync(join(charts, 'podinfo'), join(work, 'env/podinfo'), { recursive: true });
    write(join(work, 'base/K8sfile'), `FROM k2:1\nADD ./manifests/\nADD ./podinfo --name web --namespace apps\nINSTALL helm/bench/metrics-server --namespace kube-system\nCONFIG log-level=info\n`);
    // team and env: another local chart, values, a replaced release, a removal.
    write(join(work, 'team/greeter/Chart.yaml'), 'apiVersion: v2\nname: greeter\nversion: 1.0.0\n');
    write(join(work, 'team/greeter/templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | default "hi" | quote }}\n');
    write(join(work, 'team/K8sfile'), 'FROM bench/base:1\nADD ./greeter --namespace team\n');
    write(join(work, 'env/values.yaml'), 'replicaCount: 3\n');
    write(join(work, 'env/K8sfile'), `FROM bench/team:1\nADD ./podinfo --name web --namespace apps --values ./values.yaml\nREMOVE configmap/settings-0 -n platform\n`);
    const levels = [
      { name: 'base', tag: 'bench/base:1' },
      { name: 'team', tag: 'bench/team:1' },
      { name: 'env', tag: 'bench/env:1' },
    ];
    const build = (home: string, level: { name: string; tag: string }, noCache = false): Promise<BuildResult> =>
      buildArtifact({ context: join(work, level.name), tags: [level.tag], home, noCache });

    const cold = new Map<string, number[]>();
    const cached = new Map<string, number[]>();
    const results = new Map<string, BuildResult>();
    for (let run = 0; run < runs; run++) {
      const home = join(work, `home-${run}`);
      addRepository(home, { name: 'bench', url: repoUrl });
      for (const level of levels) {
        let started = performance.now();
        results.set(level.name, await build(home, level));
        cold.set(level.name, [...(cold.get(level.name) ?? []), performance.now() - started]);
        started = performance.now();
        const again = await build(home, level);
        cached.set(level.name, [...(cached.get(level.name) ?? []), performance.now() - started]);
        if (again.digest !== results.get(level.name)!.digest || again.steps.slice(1).some((s) => !s.cached)) throw new Error(`${level.name}: the cached rebuild differs`);
      }
      rmSync(home, { recursive: true, force: true });
    }
    const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
    const rows = levels.map((level) => {
      const result = results.get(level.name)!;
      const size = result.manifest.layers.reduce((sum, l) => sum + l.size, result.manifest.config.size);
      return [level.name, result.steps.length, result.manifest.layers.length, result.config.objects.length, `${(size / 1000).toFixed(1)} kB`, ms(median(cold.get(level.name)!)), ms(median(cached.get(level.name)!))];
    });
    printTable(['artifact', 'steps', 'layers', 'objects', 'size', `cold build (median of ${runs})`, 'cached rebuild'], rows);

    // One values file changed: only its step and the ones after it run again.
    const home = join(work, 'home-change');
    addRepository(home, { name: 'bench', url: repoUrl });
    for (const level of levels) await build(home, level);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      write(join(work, 'env/values.yaml'), `replicaCount: ${4 + i}\n`);
      const started = performance.now();
      const result = await build(home, levels[2]!);
      times.push(performance.now() - started);
      if (result.steps.filter((s) => s.cached).length !== 0 || result.steps.length !== 3) throw new Error('env: unexpected cache use after a values change');
    }
    console.log(`\nenv rebuild after its values file changed (ADD of the chart and REMOVE run again): median ${ms(median(times))}`);
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
