// Time to render each chart of shared/charts: the first render (load and parse) and warm renders.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadChart, renderChart, type Chart } from '../../packaging/helm/index.ts';
import { ms, percentile, printTable } from './table.ts';

function sharedChartsDir(): string {
  if (process.env.K2_SHARED_DIR) return join(process.env.K2_SHARED_DIR, 'charts');
  let dir = resolve(import.meta.dirname, '../..');
  for (let i = 0; i < 4; i++) {
    const candidate = join(dirname(dir), 'shared', 'charts');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error('shared/charts not found beside the repository; set K2_SHARED_DIR');
}

/** The charts to time, with values that make them render (the helm-unittest ones their suites need). */
function chartList(root: string): { name: string; dir: string; set: string[] }[] {
  const list = [
    { name: 'metrics-server', dir: join(root, 'metrics-server'), set: [] as string[] },
    { name: 'metrics-server (tls-helm)', dir: join(root, 'metrics-server'), set: ['tls.type=helm'] },
    { name: 'podinfo', dir: join(root, 'podinfo'), set: [] },
  ];
  const unittest = join(root, 'helm-unittest-v3');
  const needs: Record<string, string[] | null> = {
    'failing-template': null, // fails by design
    'library-chart': null, // not installable
    'with-subchart': null, // Helm itself rejects a sub-chart template as YAML
    'global-double-setting': ['global.app=demo'],
    'with-schema': ['image.repository=nginx', 'image.pullPolicy=Always'],
  };
  for (const name of readdirSync(unittest).sort()) {
    if (needs[name] === null) continue;
    list.push({ name: `helm-unittest/${name}`, dir: join(unittest, name), set: needs[name] ?? [] });
  }
  return list;
}

const warmUpRuns = 5;
const warmRuns = 20;

export async function templateBenchmark(): Promise<void> {
  const rows: (string | number)[][] = [];
  for (const { name, dir, set } of chartList(sharedChartsDir())) {
    const started = performance.now();
    let chart: Chart;
    try {
      chart = await loadChart(dir);
      renderChart(chart, { releaseName: 'bench', namespace: 'bench', set });
    } catch (e) {
      rows.push([name, 'error', (e as Error).message.slice(0, 60), '', '']);
      continue;
    }
    const first = performance.now() - started;
    // Let the JIT settle before timing the warm renders.
    for (let i = 0; i < warmUpRuns; i++) renderChart(chart, { releaseName: 'bench', namespace: 'bench', set });
    const times: number[] = [];
    let documents = 0;
    for (let i = 0; i < warmRuns; i++) {
      const t = performance.now();
      const result = renderChart(chart, { releaseName: 'bench', namespace: 'bench', set });
      times.push(performance.now() - t);
      documents = result.manifests.length + result.hooks.length;
    }
    times.sort((a, b) => a - b);
    rows.push([name, documents, ms(first), ms(percentile(times, 50)), ms(percentile(times, 95))]);
  }
  printTable(['chart', 'documents', 'first render (load + parse)', `warm median of ${warmRuns}`, 'warm p95 (goal < 100 ms)'], rows);
  console.log('\nmetrics-server (tls-helm) calls genSelfSignedCert, which generates an RSA-2048 key on every render, as Helm does.');
}
