// `npm run build` makes one file that runs k2 from an empty folder with no node_modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExecutable } from '../../packaging/sea/build.ts';
import { startServer, tempDir, type TestServer } from './harness.ts';

describe('single executable', () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('runs `k2 server` from a copy in an empty folder', async () => {
    const built = await buildExecutable();
    const folder = tempDir('k2-exe-');
    const executable = join(folder, 'k2');
    copyFileSync(built, executable);
    expect(readdirSync(folder)).toEqual(['k2']);
    // The code cache trained at build time is accepted by the executable's own V8.
    const run = spawnSync(executable, ['version'], { env: { ...process.env, NODE_DEBUG: 'k2' }, encoding: 'utf8' });
    expect(run.stdout).toContain('Kubernetes version v1.33');
    expect(run.stderr).toMatch(/code cache used/);
    server = await startServer({ executable, env: { NODE_PATH: '' } });
    expect((await server.kubectl(['get', '--raw', '/readyz'])).stdout).toBe('ok');
    // The embedded SQLite addon really loaded: the datastore file is open and healthy.
    expect((await server.kubectl(['get', '--raw', '/readyz?verbose'])).stdout).toContain('[+]datastore ok');
    expect(existsSync(join(server.dataDir, 'db/state.db'))).toBe(true);
    const version = await server.kubectl(['version', '-o', 'json']);
    expect(JSON.parse(version.stdout).serverVersion.minor).toBe('33');
  }, 120_000);

  it('checkpoints the datastore WAL on a thread that loads the embedded SQLite addon', async () => {
    expect(server).toBeDefined();
    const live = server!;
    const wal = join(live.dataDir, 'db/state.db-wal');
    // 12 MB of ConfigMaps: past the 8 MiB at which the WAL is checkpointed.
    const manifest = join(live.dataDir, 'big.json');
    const items = Array.from({ length: 120 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { blob: `${i}`.padEnd(100_000, 'x') } }));
    writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const created = await live.kubectl(['create', '-f', manifest], { timeoutMs: 60_000 });
    expect(created.stderr).toBe('');
    // The thread copied the log while the writes went on, and a later write started the log over: the log holds
    // less than what was written. (A few more writes let a copy finished after the last one restart it.)
    for (let i = 0; i < 10; i++) await live.kubectl(['create', 'configmap', `small-${i}`, '--from-literal=a=b']);
    expect(statSync(wal).size).toBeLessThan(9 * 1024 * 1024);
    expect(live.logs()).not.toMatch(/checkpoint thread|checkpoint failed/);
    const back = await live.kubectl(['get', 'configmap', 'big-119', '-o', 'jsonpath={.data.blob}']);
    expect(back.stdout).toBe('119'.padEnd(100_000, 'x'));
  }, 120_000);
});
