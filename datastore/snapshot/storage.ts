// Where snapshot files are kept: a folder on this machine, and optionally an S3 bucket. Both list
// the same way (by the file name's snapshot name and time) so retention works alike on each.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseSnapshotFileName, readManifestFile, type SnapshotManifest } from './format.ts';

export interface StoredSnapshot {
  /** The file name, which is how `restore` and `delete` name a snapshot. */
  file: string;
  /** The --name it was saved under. */
  name: string;
  createdAt: Date;
  size: number;
  /** A path, or s3://bucket/key. */
  location: string;
}

export interface SnapshotStorage {
  /** For messages: "folder /var/lib/k2/snapshots", "s3://bucket/folder". */
  readonly description: string;
  /** Every snapshot, oldest first. */
  list(): Promise<StoredSnapshot[]>;
  manifest(file: string): Promise<SnapshotManifest>;
  delete(file: string): Promise<void>;
}

function byTime(a: StoredSnapshot, b: StoredSnapshot): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || a.file.localeCompare(b.file);
}

export function sortSnapshots(snapshots: StoredSnapshot[]): StoredSnapshot[] {
  return snapshots.sort(byTime);
}

export class FolderStorage implements SnapshotStorage {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get description(): string {
    return `folder ${this.dir}`;
  }

  async ensure(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  path(file: string): string {
    if (file.includes('/') || file === '.' || file === '..') throw new Error(`invalid snapshot file name "${file}"`);
    return join(this.dir, file);
  }

  async list(): Promise<StoredSnapshot[]> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const snapshots: StoredSnapshot[] = [];
    for (const file of files) {
      const parsed = parseSnapshotFileName(file);
      if (!parsed) continue;
      const info = await stat(join(this.dir, file)).catch(() => undefined);
      if (info?.isFile()) snapshots.push({ file, ...parsed, size: info.size, location: join(this.dir, file) });
    }
    return sortSnapshots(snapshots);
  }

  manifest(file: string): Promise<SnapshotManifest> {
    return readManifestFile(this.path(file));
  }

  async delete(file: string): Promise<void> {
    await rm(this.path(file));
  }
}

/** Deletes the oldest snapshots named `name` beyond the newest `retention`; returns what it deleted. */
export async function pruneSnapshots(storage: SnapshotStorage, name: string, retention: number): Promise<StoredSnapshot[]> {
  if (!Number.isInteger(retention) || retention < 1) throw new Error(`invalid retention ${retention}: want a whole number of at least 1`);
  const mine = (await storage.list()).filter((snapshot) => snapshot.name === name);
  const doomed = mine.slice(0, Math.max(0, mine.length - retention));
  for (const snapshot of doomed) await storage.delete(snapshot.file);
  return doomed;
}
