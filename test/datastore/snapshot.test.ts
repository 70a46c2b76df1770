// Snapshots: a 100,000-object round trip SQLite → file → SQLite and → etcd (and back), consistency
// while writes go on, and refusal of damaged files.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotCorruptError } from '../../datastore/snapshot/format.ts';
import { restoreSnapshot, takeSnapshot } from '../../datastore/snapshot/snapshots.ts';
import type { SnapshotSource } from '../../datastore/snapshot/source.ts';
import { FolderStorage } from '../../datastore/snapshot/storage.ts';
import type { Datastore } from '../../datastore/types.ts';
import { tempDir } from '../e2e/harness.ts';
import { contents, fill, withEtcd, withSqlite } from './contents.ts';
import { startEtcd, type EtcdServer } from './etcd-server.ts';

const k2Version = 'test';

describe('snapshots', () => {
  let dir: string;
  let etcd: EtcdServer;
  beforeAll(async () => {
    dir = tempDir('k2-snapshot-test-');
    etcd = await startEtcd();
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips 100,000 objects: SQLite → snapshot → fresh SQLite, → etcd, and etcd → snapshot → SQLite', async () => {
    const folder = new FolderStorage(join(dir, 'round-trip'));
    const source = join(dir, 'source/state.db');
    const { original, taken } = await withSqlite(source, async (store) => {
      await fill(store, '/registry/configmaps/', 100_000);
      await store.create('/registry/events/default/e1', '{"kind":"Event"}', { ttlSeconds: 3600 });
      const taken = await takeSnapshot(store, { folder, name: 'big', compress: true, k2Version });
      return { original: await contents(store), taken };
    });
    expect(original.count).toBe(100_001);
    expect(taken.manifest).toMatchObject({ objects: 100_001, revision: 100_001, backend: 'sqlite', compressed: true });
    const file = folder.path(taken.file);

    // Into a fresh data dir's SQLite: same keys and values, the TTL kept, revisions continuing past the snapshot.
    const fresh = join(dir, 'fresh/state.db');
    const restored = await restoreSnapshot(file, { kind: 'sqlite', path: fresh });
    expect(restored.objects).toBe(100_001);
    await withSqlite(fresh, async (store) => {
      expect(await contents(store)).toEqual(original);
      expect((await store.get('/registry/events/default/e1')).kv?.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3000);
      expect((await store.get('/registry/configmaps/0000042')).kv?.modRevision).toBe((await withSqlite(source, (s) => s.get('/registry/configmaps/0000042'))).kv?.modRevision);
      expect(await store.currentRevision()).toBe(100_002);
      expect(await store.compactedRevision()).toBe(100_002);
    });

    // Into etcd, then a snapshot of etcd back into SQLite.
    await restoreSnapshot(file, { kind: 'etcd', endpoints: [etcd.endpoint] });
    const fromEtcd = await withEtcd(etcd.endpoint, async (store) => {
      expect(await contents(store)).toEqual(original);
      return takeSnapshot(store, { folder, name: 'from-etcd', compress: false, k2Version });
    });
    expect(fromEtcd.manifest).toMatchObject({ objects: 100_001, backend: 'etcd', compressed: false });
    const back = join(dir, 'back/state.db');
    await restoreSnapshot(folder.path(fromEtcd.file), { kind: 'sqlite', path: back });
    await withSqlite(back, async (store) => expect(await contents(store)).toEqual(original));
  }, 180_000);

  it.each(['sqlite', 'etcd'])('is consistent at its revision while writes go on (%s)', async (backend) => {
    const check = async (store: Datastore & SnapshotSource) => {
      await fill(store, '/registry/online/', 500);
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          const key = `/registry/online/${String(written % 500).padStart(7, '0')}`;
          const { kv } = await store.get(key);
          await store.update(key, `changed-${written++}`, kv!.modRevision);
        }
      })();
      while (written < 50) await new Promise((resolve) => setTimeout(resolve, 1));
      const folder = new FolderStorage(join(dir, `online-${backend}`));
      const taken = await takeSnapshot(store, { folder, name: 'online', compress: true, k2Version });
      const whenTaken = await contents(store, taken.manifest.revision);
      writing = false;
      await writer;
      expect(written).toBeGreaterThan(50);

      const restoredPath = join(dir, `online-restored-${backend}/state.db`);
      await restoreSnapshot(folder.path(taken.file), { kind: 'sqlite', path: restoredPath });
      const restored = await withSqlite(restoredPath, (copy) => contents(copy));
      expect(restored.count).toBe(whenTaken.count);
      expect(restored.sha256).toBe(whenTaken.sha256);
    };
    if (backend === 'sqlite') await withSqlite(join(dir, 'online/state.db'), check);
    else await withEtcd(etcd.endpoint, check);
  }, 60_000);

  it('refuses a corrupted, truncated or foreign file and leaves the datastore as it was', async () => {
    const folder = new FolderStorage(join(dir, 'corrupt'));
    const source = join(dir, 'corrupt-source/state.db');
    const target = join(dir, 'corrupt-target/state.db');
    const [plain, packed] = await withSqlite(source, async (store) => {
      await fill(store, '/registry/secrets/', 500);
      return [
        await takeSnapshot(store, { folder, name: 'plain', compress: false, k2Version }),
        await takeSnapshot(store, { folder, name: 'packed', compress: true, k2Version }),
      ];
    });
    await withSqlite(target, (store) => store.create('/registry/keep/me', 'precious'));

    const damaged = (name: string, change: (bytes: Buffer) => Buffer) => {
      const path = join(dir, name);
      writeFileSync(path, change(readFileSync(folder.path(name.startsWith('plain') ? plain.file : packed.file))));
      return path;
    };
    const flipInValue = damaged('plain-flipped', (bytes) => {
      const at = bytes.indexOf('replicas: 3');
      bytes[at + 10] = '4'.charCodeAt(0);
      return bytes;
    });
    const flipGzip = damaged('packed-flipped', (bytes) => {
      bytes[Math.floor(bytes.length / 2)]! ^= 0x5a;
      return bytes;
    });
    const truncated = damaged('packed-truncated', (bytes) => bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const foreign = join(dir, 'not-a-snapshot');
    writeFileSync(foreign, 'hello: world\n');

    for (const [path, message] of [
      [flipInValue, /is corrupted: its keys hash to/],
      [flipGzip, /damaged|corrupted/],
      [truncated, /damaged|corrupted/],
      [foreign, /is not a k2 snapshot/],
    ] as const) {
      const error = await restoreSnapshot(path, { kind: 'sqlite', path: target }).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(SnapshotCorruptError);
      expect((error as Error).message).toMatch(message);
    }
    await withSqlite(target, async (store) => {
      expect((await store.list('')).kvs.map((kv) => [kv.key, kv.value])).toEqual([['/registry/keep/me', 'precious']]);
    });
    expect(readdirSync(join(dir, 'corrupt-target')).filter((file) => file.includes('restore'))).toEqual([]);
  }, 60_000);
});
