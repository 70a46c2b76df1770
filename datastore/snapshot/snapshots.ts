// Taking, finding and restoring snapshots, and moving a datastore between backends. These are what
// `k2 snapshot …`, `k2 datastore migrate` and the server's scheduled snapshots call.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createDatastore, describeLocation, type DatastoreLocation } from '../open.ts';
import { restoreSqliteFile } from '../sqlite/restore.ts';
import { openSnapshotFile, snapshotFileName, writeSnapshotFile, type SnapshotManifest } from './format.ts';
import type { S3Storage } from './s3-storage.ts';
import type { SnapshotReader, SnapshotSource } from './source.ts';
import { pruneSnapshots, type FolderStorage, type StoredSnapshot } from './storage.ts';

export interface SnapshotPlaces {
  /** Snapshots are written here first (and kept, with retention). */
  folder: FolderStorage;
  /** Also uploaded here when given. */
  s3?: S3Storage;
}

export interface TakeOptions extends SnapshotPlaces {
  name: string;
  compress: boolean;
  k2Version: string;
}

export interface TakenSnapshot {
  manifest: SnapshotManifest;
  file: string;
  saved: StoredSnapshot[];
}

/** Takes an online snapshot of a started datastore into the folder, and uploads it to S3 when configured. */
export async function takeSnapshot(store: SnapshotSource & { backend: string }, options: TakeOptions): Promise<TakenSnapshot> {
  const file = snapshotFileName(options.name, options.compress);
  await options.folder.ensure();
  const path = options.folder.path(file);
  const manifest = await writeSnapshotFile(path, await store.readSnapshot(), { backend: store.backend, k2Version: options.k2Version, compress: options.compress });
  const saved: StoredSnapshot[] = (await options.folder.list()).filter((snapshot) => snapshot.file === file);
  if (options.s3) saved.push(await options.s3.upload(path, file));
  return { manifest, file, saved };
}

/** Applies retention to every place: the newest `retention` snapshots named `name` stay. */
export async function pruneEverywhere(places: SnapshotPlaces, name: string, retention: number): Promise<StoredSnapshot[]> {
  const deleted = await pruneSnapshots(places.folder, name, retention);
  if (places.s3) deleted.push(...(await pruneSnapshots(places.s3, name, retention)));
  return deleted;
}

/**
 * A snapshot file on this machine for `reference`: a path, a file name in the folder or on S3, or a
 * snapshot name (its newest snapshot). Files from S3 are downloaded; `done` removes the download.
 */
export async function findSnapshot(reference: string, places: SnapshotPlaces): Promise<{ path: string; done(): Promise<void> }> {
  const local = { done: async () => {} };
  if (reference.includes('/')) {
    if (!existsSync(reference)) throw new Error(`no snapshot file ${reference}`);
    return { path: reference, ...local };
  }
  const inFolder = await places.folder.list();
  const all = [...inFolder, ...(places.s3 ? await places.s3.list() : [])];
  const exact = all.filter((snapshot) => snapshot.file === reference);
  const candidates = exact.length ? exact : all.filter((snapshot) => snapshot.name === reference);
  const newest = candidates.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).pop();
  if (!newest) {
    if (existsSync(reference)) return { path: reference, ...local };
    const where = [places.folder.description, places.s3?.description].filter(Boolean).join(' or ');
    throw new Error(`no snapshot "${reference}" in ${where}: give a file path, a file name from \`k2 snapshot ls\`, or a snapshot name`);
  }
  // A copy in the folder beats downloading the same file from S3.
  const inFolderCopy = inFolder.find((snapshot) => snapshot.file === newest.file);
  if (inFolderCopy) return { path: inFolderCopy.location, ...local };
  await places.folder.ensure();
  const download = places.folder.path(`.download-${process.pid}-${newest.file}.partial`);
  await places.s3!.download(newest.file, download);
  return { path: download, done: () => rm(download, { force: true }) };
}

export interface CopyResult {
  objects: number;
  /** The target's revision afterwards. */
  revision: number;
}

/** Writes a snapshot's keys into a stopped SQLite datastore or into an etcd, replacing what it held. */
export async function writeInto(reader: SnapshotReader, target: DatastoreLocation, nativeBinding?: object): Promise<CopyResult> {
  if (target.kind === 'sqlite') return restoreSqliteFile(target.path, reader, nativeBinding);
  const { EtcdDatastore } = await import('../etcd/etcd-datastore.ts');
  const etcd = new EtcdDatastore({ endpoints: target.endpoints, tls: target.tls });
  try {
    await etcd.start();
    const objects = await etcd.replaceContents(reader.batches);
    return { objects, revision: await etcd.currentRevision() };
  } finally {
    await reader.close();
    await etcd.close();
  }
}

/** Restores a snapshot file (its checksum verified before anything is written) into the target. */
export async function restoreSnapshot(path: string, target: DatastoreLocation, nativeBinding?: object): Promise<CopyResult & { manifest: SnapshotManifest }> {
  const { manifest, reader } = await openSnapshotFile(path);
  const result = await writeInto(reader, target, nativeBinding);
  return { ...result, manifest };
}

/**
 * Copies every key of one datastore into another, live: the source keeps serving and is read at
 * one revision. A target that already holds keys is refused unless `replace`.
 */
export async function migrateDatastore(
  from: DatastoreLocation,
  to: DatastoreLocation,
  options: { dataDir: string; replace: boolean; nativeBinding?: object },
): Promise<CopyResult & { sourceRevision: number }> {
  if (describeLocation(from) === describeLocation(to)) throw new Error('--from and --to name the same datastore');
  if (!options.replace) {
    const target = await createDatastore(to, { dataDir: options.dataDir }, { background: false });
    await target.start();
    try {
      const reader = await target.readSnapshot();
      const first = await reader.batches[Symbol.asyncIterator]().next();
      await reader.close();
      if (!first.done && first.value.length) throw new Error(`${describeLocation(to)} already holds keys; pass --replace to overwrite them`);
    } finally {
      await target.close();
    }
  }
  const source = await createDatastore(from, { dataDir: options.dataDir }, { background: false });
  await source.start();
  try {
    const reader = await source.readSnapshot();
    const result = await writeInto(reader, to, options.nativeBinding);
    return { ...result, sourceRevision: reader.revision };
  } finally {
    await source.close();
  }
}
