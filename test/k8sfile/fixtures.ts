// Servers the K8sfile tests start on loopback: Debian's docker-registry (optionally with htpasswd basic
// auth; bcrypt cost 4 keeps its per-request password check cheap) and a Helm chart repository; and
// running the k2 test bundle with a chosen k2 home.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import bcryptjs from 'bcryptjs';
import { create as createTar } from 'tar';
import { testBundlePath } from '../e2e/harness.ts';

const run = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface Registry {
  host: string;
  stop(): void;
}

/** Starts docker-registry on a free loopback port; with a user, only that user (basic auth) gets in. */
export async function startRegistry(dir: string, user?: { name: string; password: string }): Promise<Registry> {
  const host = `127.0.0.1:${await freePort()}`;
  mkdirSync(dir, { recursive: true });
  let auth = '';
  if (user) {
    writeFileSync(join(dir, 'htpasswd'), `${user.name}:${bcryptjs.hashSync(user.password, 4)}\n`);
    auth = `auth:\n  htpasswd:\n    realm: k2-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = join(dir, 'registry.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: ${host}\n${auth}`);
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const status = (await fetch(`http://${host}/v2/`)).status;
      if (status === 200 || status === 401) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error('docker-registry did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host, stop: () => child.kill('SIGTERM') };
}

/** Packages a chart folder as `helm package` does: <name>/… inside a gzipped tar. */
export function packageChart(parent: string, folder: string, out: string): Buffer {
  createTar({ gzip: true, sync: true, file: out, cwd: parent, portable: true }, [folder]);
  return readFileSync(out);
}

export interface ChartRepository {
  url: string;
  requests: string[];
  stop(): Promise<void>;
}

/** Serves charts (name, version, .tgz) as a Helm chart repository on loopback. */
export async function startChartRepository(charts: { name: string; version: string; archive: Buffer }[]): Promise<ChartRepository> {
  const lines = ['apiVersion: v1', 'entries:'];
  for (const name of new Set(charts.map((c) => c.name))) {
    lines.push(`  ${name}:`);
    for (const c of charts.filter((x) => x.name === name)) {
      lines.push(`  - name: ${name}`, `    version: ${c.version}`, `    digest: ${createHash('sha256').update(c.archive).digest('hex')}`, `    urls: [charts/${name}-${c.version}.tgz]`);
    }
  }
  const index = `${lines.join('\n')}\n`;
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url!);
    if (req.url === '/index.yaml') return res.end(index);
    const chart = charts.find((c) => req.url === `/charts/${c.name}-${c.version}.tgz`);
    if (chart) return res.end(chart.archive);
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the k2 test bundle with K2_HOME (and optionally DOCKER_CONFIG) set. */
export async function k2(home: string, args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [testBundlePath, ...args], {
      timeout: 90_000,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, K2_HOME: home, DOCKER_CONFIG: join(home, 'no-docker-config'), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const error = e as { code: number; stdout: string; stderr: string };
    return { code: error.code, stdout: error.stdout, stderr: error.stderr };
  }
}

/** The last non-empty line of an output. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? '';
}
