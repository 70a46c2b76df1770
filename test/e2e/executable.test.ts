// `npm run build` makes one file that runs k2 from an empty folder with no node_modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
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
});
