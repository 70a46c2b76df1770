// Chart sources and the `k2 template` / `k2 show` commands: a directory (with .helmignore), a packaged .tgz,
// an HTTP chart repository and an OCI registry, each served by a server this test starts on loopback.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create as createTar } from 'tar';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmChartConfigMediaType, helmChartContentMediaType } from '../../packaging/helm/sources.ts';
import { loadChart, renderChart } from '../../packaging/helm/index.ts';
import { tempDir, testBundlePath } from '../e2e/harness.ts';
import { sharedDir } from './shared.ts';

const run = promisify(execFile);
const chartsDir = join(sharedDir, 'charts');
const work = tempDir('k2-helm-sources-');

/** Packages a chart folder as `helm package` does: <name>/… inside a gzipped tar. */
function packageChart(parent: string, folder: string, out: string): Buffer {
  createTar({ gzip: true, sync: true, file: out, cwd: parent, portable: true }, [folder]);
  return readFileSync(out);
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function k2(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [testBundlePath, ...args], { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code: number; stdout: string; stderr: string };
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('chart directories and archives', () => {
  it('applies .helmignore: ignored files are not in .Files', async () => {
    const dir = join(work, 'ignoring');
    mkdirSync(join(dir, 'templates'), { recursive: true });
    mkdirSync(join(dir, 'conf/skip'), { recursive: true });
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: ignoring\nversion: 1.0.0\n');
    writeFileSync(join(dir, '.helmignore'), '# comment\n*.log\nconf/skip/\n');
    writeFileSync(join(dir, 'conf/a.txt'), 'A');
    writeFileSync(join(dir, 'conf/b.log'), 'B');
    writeFileSync(join(dir, 'conf/skip/c.txt'), 'C');
    writeFileSync(join(dir, 'templates/.hidden.yaml'), 'kind: Broken');
    writeFileSync(join(dir, 'templates/cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: files\ndata:\n{{ (.Files.Glob "conf/**").AsConfig | indent 2 }}\n');
    const result = renderChart(await loadChart(dir), { releaseName: 'r' });
    expect(result.manifests).toHaveLength(1);
    expect(parseAllDocuments(result.manifests[0]!.content)[0]!.toJS().data).toEqual({ 'a.txt': 'A' });
  });

  it('loads packaged sub-charts from charts/', async () => {
    const chart = await loadChart(join(chartsDir, 'helm-unittest-v3/with-subchart'));
    expect(chart.files.some((f) => f.name === 'values.yaml')).toBe(false);
    expect(chart.subcharts.map((s) => s.metadata.Name).sort()).toEqual(['cert-manager', 'child-chart', 'postgresql']);
  });

  it('loads a .tgz chart', async () => {
    const chart = await loadChart(join(chartsDir, 'helm-unittest-v3/with-packaged-0.1.0.tgz'));
    expect(chart.metadata.Name).toBe('with-packaged');
    const result = renderChart(chart, { releaseName: 'r' });
    expect(result.manifests.map((m) => m.kind)).toEqual(['ConfigMap', 'ConfigMap']);
  });
});

describe('HTTP chart repository', () => {
  let server: Server;
  let url: string;
  let requests: string[] = [];

  beforeAll(async () => {
    const archive = packageChart(chartsDir, 'podinfo', join(work, 'podinfo-6.14.1.tgz'));
    const digest = createHash('sha256').update(archive).digest('hex');
    const index = [
      'apiVersion: v1',
      'entries:',
      '  podinfo:',
      '  - name: podinfo',
      '    version: 6.14.1',
      `    digest: ${digest}`,
      '    urls: [charts/podinfo-6.14.1.tgz]',
      '  - name: podinfo',
      '    version: 6.0.0',
      '    urls: [charts/missing.tgz]',
      '  - name: podinfo',
      '    version: 7.0.0-rc.1',
      '    urls: [charts/missing.tgz]',
    ].join('\n');
    server = createServer((req, res) => {
      requests.push(req.url!);
      if (req.url === '/repo/index.yaml') return res.end(index);
      if (req.url === '/repo/charts/podinfo-6.14.1.tgz') return res.end(archive);
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/repo`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fetches the newest stable version through index.yaml, checking its digest', async () => {
    requests = [];
    const chart = await loadChart('podinfo', { repo: url });
    expect(chart.metadata.Version).toBe('6.14.1');
    expect(requests).toEqual(['/repo/index.yaml', '/repo/charts/podinfo-6.14.1.tgz']);
  });

  it('honours --version and reports unknown charts', async () => {
    await expect(loadChart('podinfo', { repo: url, version: '6.0.0' })).rejects.toThrow(/404/);
    await expect(loadChart('nginx', { repo: url })).rejects.toThrow(/chart "nginx" not found/);
  });

  it('renders through `k2 template --repo`', async () => {
    const out = await k2(['template', 'web', 'podinfo', '--repo', url, '--namespace', 'apps', '--set', 'replicaCount=3', '--show-only', 'templates/deployment.yaml']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const docs = parseAllDocuments(out.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ kind: 'Deployment', metadata: { name: 'web-podinfo', namespace: 'apps' }, spec: { replicas: 3 } });
  });
});

describe('OCI registry', () => {
  let registry: ChildProcess;
  let host: string;

  /** Pushes a chart as `helm push` does: config and content blobs, then the manifest. */
  async function push(repository: string, tag: string, archive: Buffer): Promise<void> {
    const config = Buffer.from(JSON.stringify({ name: 'podinfo', version: '6.14.1', apiVersion: 'v2' }));
    const upload = async (data: Buffer) => {
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      const start = await fetch(`http://${host}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
      expect(start.status).toBe(202);
      const location = new URL(start.headers.get('location')!, `http://${host}`);
      location.searchParams.set('digest', digest);
      const put = await fetch(location, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
      expect(put.status).toBe(201);
      return { digest, size: data.length };
    };
    const configBlob = await upload(config);
    const layer = await upload(archive);
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: helmChartConfigMediaType, ...configBlob },
      layers: [{ mediaType: helmChartContentMediaType, ...layer }],
    };
    const put = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(put.status).toBe(201);
  }

  beforeAll(async () => {
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    const config = join(work, 'registry.yml');
    writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'registry')}\nhttp:\n  addr: ${host}\n`);
    registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await fetch(`http://${host}/v2/`)).ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error('docker-registry did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    await push('charts/podinfo', '6.14.1', packageChart(chartsDir, 'podinfo', join(work, 'oci-podinfo.tgz')));
  });
  afterAll(() => {
    registry?.kill('SIGTERM');
  });

  it('pulls a chart by tag and by newest version', async () => {
    const byTag = await loadChart(`oci://${host}/charts/podinfo:6.14.1`);
    expect(byTag.metadata.Version).toBe('6.14.1');
    const newest = await loadChart(`oci://${host}/charts/podinfo`);
    expect(newest.metadata.Name).toBe('podinfo');
    await expect(loadChart(`oci://${host}/charts/absent:1.0.0`)).rejects.toThrow(/failed to fetch/);
  });

  it('renders through `k2 template oci://…` and shows values through `k2 show values`', async () => {
    const out = await k2(['template', 'edge', `oci://${host}/charts/podinfo`, '--version', '6.14.1']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('# Source: podinfo/templates/deployment.yaml');
    const values = await k2(['show', 'values', `oci://${host}/charts/podinfo:6.14.1`]);
    expect(values.stdout).toBe(readFileSync(join(chartsDir, 'podinfo/values.yaml'), 'utf8'));
  });
});

describe('k2 template errors', () => {
  it('names a missing template, a missing chart and a failing template', async () => {
    const missing = await k2(['template', 'r', join(chartsDir, 'podinfo'), '-s', 'templates/nope.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('could not find template templates/nope.yaml in chart');
    const noChart = await k2(['template', 'r', join(work, 'absent')]);
    expect(noChart.stderr).toMatch(/path ".*absent" not found/);
    const failing = await k2(['template', 'long-name', join(chartsDir, 'helm-unittest-v3/failing-template')]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('execution error at (failing-template/templates/validation.tpl:3:5)');
  });
});
