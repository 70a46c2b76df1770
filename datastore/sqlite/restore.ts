// Restoring a snapshot into a SQLite datastore file: a new file is built beside the old one and
// renamed over it, so a failed restore leaves the old datastore as it was.
import { existsSync, mkdirSync, openSync, fsyncSync, closeSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SnapshotReader } from '../snapshot/source.ts';
import type { KeyValue } from '../types.ts';
import { datastoreOwner, inUseMessage } from './owner.ts';
import { openSqliteFile, readStoredRevisions } from './schema.ts';

function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces the datastore at `path` with the reader's keys. Keys keep their revisions (where two
 * share one, as keys written by one etcd transaction do, the later gets a fresh revision). The
 * restored store continues one past the highest revision the old store or the snapshot reached,
 * and is compacted there, so a watcher from before the restore relists instead of missing changes
 * (as `etcdutl snapshot restore --bump-revision --mark-compacted`).
 */
export async function restoreSqliteFile(path: string, reader: SnapshotReader, nativeBinding?: object): Promise<{ revision: number; objects: number }> {
  const owner = datastoreOwner(path);
  if (owner !== undefined) throw new Error(inUseMessage(path, owner));
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let previous = 0;
  if (existsSync(path)) {
    const old = openSqliteFile(path, nativeBinding);
    previous = readStoredRevisions(old).revision;
    old.close(); // the last connection to close checkpoints and removes the WAL
  }
  const building = `${path}.restore-${process.pid}`;
  removeDatabase(building);
  const db = openSqliteFile(building, nativeBinding);
  let objects = 0;
  try {
    db.pragma('synchronous = OFF'); // the file is synced once, before it replaces the old one
    const insert = db.prepare('INSERT INTO kv (revision, key, value, create_revision, prev_revision, superseded, expires_at) VALUES (?, ?, ?, ?, 0, NULL, ?)');
    const used = new Set<number>();
    let spare = reader.revision;
    const now = Date.now() / 1000;
    const load = db.transaction((kvs: KeyValue[]) => {
      for (const kv of kvs) {
        if (kv.expiresAt && kv.expiresAt <= now) continue; // expired while in the snapshot
        let revision = kv.modRevision;
        if (!(revision > 0) || used.has(revision)) revision = ++spare;
        used.add(revision);
        insert.run(revision, kv.key, kv.value, Math.min(kv.createRevision || revision, revision), kv.expiresAt ?? 0);
        objects++;
      }
    });
    const iterator = reader.batches[Symbol.asyncIterator]();
    const next = async (): Promise<KeyValue[]> => {
      const step = await iterator.next();
      return step.done ? [] : step.value;
    };
    for (let kvs = await next(); kvs.length; kvs = await next()) load(kvs);
    const revision = Math.max(previous, reader.revision, spare) + 1;
    db.prepare("UPDATE meta SET value = ? WHERE name = 'compacted_revision'").run(revision);
    db.pragma('synchronous = FULL');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    fsyncPath(building);
    // The old file's WAL was checkpointed and removed when it closed; rename replaces the file atomically.
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
    renameSync(building, path);
    fsyncPath(dirname(path));
    return { revision, objects };
  } catch (error) {
    if (db.open) db.close();
    removeDatabase(building);
    throw error;
  } finally {
    await reader.close();
  }
}
