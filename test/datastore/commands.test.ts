// The datastore as a user meets it: `k2 server` opening SQLite or etcd (and reporting its health),
// `k2 snapshot save|ls|restore|prune|delete`, scheduled snapshots to a folder and S3 with
// retention, and `k2 datastore migrate` between SQLite and etcd.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../datastore/snapshot/s3-storage.ts';
import { startServer, tempDir, type TestServer } from '../e2e/harness.ts';
import { contents, fill, withEtcd, withSqlite } from './contents.ts';
import { startEtcd, type EtcdServer } from './etcd-server.ts';
import { k2 } from './k2-cli.ts';
import { startS3, type S3Server } from './s3-server.ts';

async function filledDataDir(objects: number): Promise<string> {
  const dataDir = tempDir('k2-cmd-');
  await withSqlite(join(dataDir, 'db/state.db'), (store) => fill(store, '/registry/configmaps/', objects));
  return dataDir;
}

const sqliteContents = (path: string) => withSqlite(path, (store) => contents(store));
const etcdContents = (endpoint: string) => withEtcd(endpoint, (store) => contents(store));

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('datastore commands', () => {
  let etcd: EtcdServer;
  let s3: S3Server;
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  beforeAll(async () => {
    [etcd, s3] = await Promise.all([startEtcd(), startS3()]);
  }, 30_000);
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await etcd?.stop();
    await s3?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('k2 server opens SQLite in the data dir, snapshots online, and refuses a restore under it', async () => {
    const dataDir = await filledDataDir(300);
    dirs.push(dataDir);
    const server = await startServer({ dataDir });
    servers.push(server);
    const readyz = await server.request('GET', '/readyz?verbose');
    expect(readyz.text).toContain('[+]datastore ok');
    expect(server.logs()).toContain('opened the sqlite datastore');

    const saved = await k2(['snapshot', 'save', '--data-dir', dataDir, '--name', 'nightly']);
    expect(saved.stderr).toBe('');
    expect(saved.stdout).toMatch(/saved .*\/snapshots\/nightly-\d{8}T\d{6}\.\d{3}Z\.k2snap\.gz/);
    // The 300 objects written before, plus what the server itself keeps (system namespaces, …).
    const [, revision, objects] = /revision (\d+), (\d+) objects/.exec(saved.stdout)!;
    expect(Number(objects)).toBeGreaterThanOrEqual(300);

    const refused = await k2(['snapshot', 'restore', 'nightly', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`in use by k2 server pid ${server.process.pid}`);

    expect(await server.stop()).toBe(0);
    const atSnapshot = await withSqlite(join(dataDir, 'db/state.db'), (store) => contents(store, Number(revision)));
    expect(atSnapshot.count).toBe(Number(objects));
    const restored = await k2(['snapshot', 'restore', 'nightly', '--data-dir', dataDir]);
    expect(restored.stderr).toBe('');
    expect(restored.stdout).toContain(`restored ${objects} objects`);
    expect(await sqliteContents(join(dataDir, 'db/state.db'))).toEqual(atSnapshot);

    // The restored datastore serves again.
    const again = await startServer({ dataDir });
    servers.push(again);
    expect((await again.request('GET', '/readyz?verbose')).text).toContain('[+]datastore ok');
    await again.stop();
  }, 90_000);

  it('k2 snapshot ls, prune and delete manage the snapshot folder', async () => {
    const dataDir = await filledDataDir(20);
    dirs.push(dataDir);
    for (let i = 0; i < 3; i++) expect((await k2(['snapshot', 'save', '--data-dir', dataDir, '--name', 'keep'])).code).toBe(0);
    expect((await k2(['snapshot', 'save', '--data-dir', dataDir, '--name', 'plain', '--snapshot-compress=false'])).code).toBe(0);

    const listed = await k2(['snapshot', 'ls', '--data-dir', dataDir]);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FILE\s+CREATED\s+SIZE\s+REVISION\s+OBJECTS\s+LOCATION$/);
    expect(lines.slice(1).filter((line) => line.startsWith('keep-'))).toHaveLength(3);
    expect(lines.slice(1).find((line) => line.startsWith('plain-'))).toMatch(/^plain-\S+\.k2snap\s.*\s20\s+/);

    const pruned = await k2(['snapshot', 'prune', '--data-dir', dataDir, '--name', 'keep', '--retention', '1']);
    expect(pruned.stdout.trim().split('\n')).toHaveLength(2);
    const left = readdirSync(join(dataDir, 'snapshots')).sort();
    expect(left.filter((file) => file.startsWith('keep-'))).toHaveLength(1);

    const plain = left.find((file) => file.startsWith('plain-'))!;
    expect((await k2(['snapshot', 'delete', plain, '--data-dir', dataDir])).stdout).toContain(`deleted ${join(dataDir, 'snapshots', plain)}`);
    const missing = await k2(['snapshot', 'delete', plain, '--data-dir', dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no snapshot ${plain}`);
    const badName = await k2(['snapshot', 'save', '--data-dir', dataDir, '--name', '../escape']);
    expect(badName.stderr).toContain('invalid snapshot name "../escape"');
  }, 60_000);

  it('scheduled snapshots land in the folder and on S3 with the retention applied to both', async () => {
    const dataDir = await filledDataDir(100);
    dirs.push(dataDir);
    const s3Flags = [
      '--snapshot-s3',
      '--snapshot-s3-endpoint', s3.endpoint,
      '--snapshot-s3-insecure',
      '--snapshot-s3-bucket', s3.bucket,
      '--snapshot-s3-folder', 'cluster-a',
      '--snapshot-s3-access-key', s3.accessKey,
      '--snapshot-s3-secret-key', s3.secretKey,
    ];
    const server = await startServer({ dataDir, args: ['--snapshot-schedule-cron', '*/1 * * * * *', '--snapshot-retention', '2', ...s3Flags] });
    servers.push(server);
    const bucket = new S3Storage({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', folder: 'cluster-a', accessKey: s3.accessKey, secretKey: s3.secretKey, insecure: true });
    try {
      // Four or more runs, so retention has had to delete.
      await eventually(async () => (server.logs().match(/scheduled snapshot saved/g) ?? []).length >= 4, 30_000, 'four scheduled snapshots');
      await server.stop();
      const inBucket = await bucket.list();
      expect(inBucket.map((snapshot) => snapshot.name)).toEqual(['scheduled', 'scheduled']);
      expect(inBucket.every((snapshot) => snapshot.location.startsWith(`s3://${s3.bucket}/cluster-a/scheduled-`))).toBe(true);
      expect(readdirSync(join(dataDir, 'snapshots')).filter((file) => file.startsWith('scheduled-'))).toHaveLength(2);
      const manifest = await bucket.manifest(inBucket[1]!.file);
      const kept = manifest.objects;
      expect(kept).toBeGreaterThanOrEqual(100);

      // `ls` shows S3's copies; a restore from S3 by name, into a fresh data dir.
      const listed = await k2(['snapshot', 'ls', '--data-dir', dataDir, ...s3Flags]);
      expect(listed.stdout.split('\n').filter((line) => line.includes(`s3://${s3.bucket}/cluster-a/scheduled-`))).toHaveLength(2);
      const fresh = tempDir('k2-cmd-fresh-');
      dirs.push(fresh);
      const restored = await k2(['snapshot', 'restore', inBucket[1]!.file, '--data-dir', fresh, '--snapshot-dir', join(fresh, 'downloads'), ...s3Flags]);
      expect(restored.stderr).toBe('');
      expect(restored.stdout).toContain(`restored ${kept} objects`);
      // The server renewed its Leases after that snapshot: the restore holds the state at the snapshot's revision.
      expect(await sqliteContents(join(fresh, 'db/state.db'))).toEqual(await withSqlite(join(dataDir, 'db/state.db'), (store) => contents(store, manifest.revision)));
      expect(readdirSync(join(fresh, 'downloads'))).toEqual([]);
    } finally {
      await bucket.close();
    }
  }, 90_000);

  it('k2 server runs on etcd and reports the datastore unhealthy when etcd goes away', async () => {
    const ownEtcd = await startEtcd();
    try {
      const server = await startServer({ args: ['--datastore-endpoint', ownEtcd.endpoint, '--disable-snapshots'] });
      servers.push(server);
      expect((await server.request('GET', '/readyz?verbose')).text).toContain('[+]datastore ok');
      expect(server.logs()).toContain('opened the etcd datastore');
      await ownEtcd.stop();
      await eventually(async () => (await server.request('GET', '/livez?verbose')).text.includes('[-]datastore failed'), 15_000, 'the datastore check to fail');
      expect((await server.request('GET', '/livez')).status).toBe(500);
      await server.stop();
    } finally {
      await ownEtcd.stop();
    }
  }, 60_000);

  it('k2 server refuses a datastore endpoint it cannot use, with a clear message', async () => {
    const bad = await startServer({ args: ['--datastore-endpoint', 'mysql://db:3306'] }).catch((error: Error) => error);
    expect(String(bad)).toContain('k2: invalid --datastore-endpoint "mysql://db:3306": want sqlite:///path/state.db, http://host:2379 or https://host:2379');
    const unreachable = await startServer({ args: ['--datastore-endpoint', 'http://127.0.0.1:9'] }).catch((error: Error) => error);
    expect(String(unreachable)).toContain('cannot reach etcd at http://127.0.0.1:9');
    const flagsDir = tempDir('k2-cmd-flags-');
    dirs.push(flagsDir);
    for (const [flag, value, message] of [
      ['--datastore-compact-interval', 'soon', 'k2: invalid duration "soon": want e.g. 30s, 5m, 1h30m (0 disables)'],
      ['--datastore-compact-retain', '0', 'k2: invalid number "0": want a whole number of at least 1'],
      ['--snapshot-schedule-cron', 'every day', 'k2: invalid --snapshot-schedule-cron "every day"'],
      ['--snapshot-retention', 'x', 'k2: invalid number "x"'],
    ]) {
      const refused = await k2(['server', '--data-dir', flagsDir, flag, value!]);
      expect(refused.code, flag).toBe(1);
      expect(refused.stderr, flag).toContain(message);
    }
  }, 60_000);

  it('k2 datastore migrate moves a datastore from SQLite to etcd and back', async () => {
    const dataDir = await filledDataDir(2_000);
    dirs.push(dataDir);
    const source = join(dataDir, 'db/state.db');
    const original = await sqliteContents(source);

    const toEtcd = await k2(['datastore', 'migrate', '--data-dir', dataDir, '--to', etcd.endpoint, '--replace']);
    expect(toEtcd.stderr).toBe('');
    expect(toEtcd.stdout).toMatch(new RegExp(`copied 2000 objects from sqlite://${source} \\(revision 2000\\) to ${etcd.endpoint}`));
    expect(await etcdContents(etcd.endpoint)).toEqual(original);

    const back = join(dataDir, 'db/from-etcd.db');
    const toSqlite = await k2(['datastore', 'migrate', '--data-dir', dataDir, '--from', etcd.endpoint, '--to', `sqlite://${back}`]);
    expect(toSqlite.stderr).toBe('');
    expect(await sqliteContents(back)).toEqual(original);

    // A target that already holds keys is refused unless --replace.
    const refused = await k2(['datastore', 'migrate', '--data-dir', dataDir, '--to', `sqlite://${back}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds keys; pass --replace');
    expect(existsSync(`${back}.owner`)).toBe(false);
  }, 90_000);
});
