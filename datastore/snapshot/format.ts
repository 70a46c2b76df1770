// The snapshot file: newline-delimited JSON, gzip-compressed unless asked otherwise. The first line
// is the manifest (format, revision, object count, k2 version, time, and the sha256 of every line
// after it); each further line is one key. Reading the manifest needs only the file's first bytes,
// which is what `k2 snapshot ls` does, locally and on S3.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGunzip, createGzip, gunzipSync } from 'node:zlib';
import type { KeyValue } from '../types.ts';
import type { SnapshotReader } from './source.ts';

export const snapshotFormat = 'k2-snapshot/v1';

export interface SnapshotManifest {
  format: typeof snapshotFormat;
  /** The datastore revision every key was read at. */
  revision: number;
  /** How many keys the snapshot holds. */
  objects: number;
  k2Version: string;
  /** The backend it was taken from: "sqlite", "etcd". */
  backend: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  compressed: boolean;
  /** sha256 (hex) of the uncompressed bytes after the manifest line. */
  sha256: string;
}

/** A snapshot that is damaged, truncated or not a k2 snapshot at all. */
export class SnapshotCorruptError extends Error {}

/** One key as a line: short names keep big snapshots small. */
interface Entry {
  k: string;
  v: string;
  c: number;
  m: number;
  e?: number;
}

const isGzip = (head: Buffer) => head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;

/**
 * Writes every key the reader yields to `path` (atomically: a crash leaves no half file). The
 * keys go to a temporary file first, so the manifest at the top can carry their count and hash.
 */
export async function writeSnapshotFile(
  path: string,
  reader: SnapshotReader,
  details: { backend: string; k2Version: string; compress: boolean },
): Promise<SnapshotManifest> {
  const body = `${path}.${process.pid}.body`;
  const partial = `${path}.${process.pid}.partial`;
  try {
    const hash = createHash('sha256');
    let objects = 0;
    const lines = Readable.from(
      (async function* () {
        for await (const batch of reader.batches) {
          let chunk = '';
          for (const kv of batch) {
            const entry: Entry = { k: kv.key, v: kv.value, c: kv.createRevision, m: kv.modRevision };
            if (kv.expiresAt) entry.e = kv.expiresAt;
            chunk += `${JSON.stringify(entry)}\n`;
          }
          objects += batch.length;
          const bytes = Buffer.from(chunk);
          hash.update(bytes);
          yield bytes;
        }
      })(),
    );
    await pipeline(lines, createWriteStream(body, { mode: 0o600 }));
    const manifest: SnapshotManifest = {
      format: snapshotFormat,
      revision: reader.revision,
      objects,
      k2Version: details.k2Version,
      backend: details.backend,
      createdAt: new Date().toISOString(),
      compressed: details.compress,
      sha256: hash.digest('hex'),
    };
    const whole = Readable.from(
      (async function* () {
        yield Buffer.from(`${JSON.stringify(manifest)}\n`);
        yield* createReadStream(body);
      })(),
    );
    const out = createWriteStream(partial, { mode: 0o600 });
    await (details.compress ? pipeline(whole, createGzip({ level: 6 }), out) : pipeline(whole, out));
    const handle = await open(partial, 'r+');
    await handle.sync();
    await handle.close();
    await rename(partial, path);
    return manifest;
  } finally {
    await reader.close();
    await rm(body, { force: true });
    await rm(partial, { force: true });
  }
}

/** The manifest from a snapshot file's first bytes (64 KiB is plenty). */
export function parseManifest(head: Buffer, source: string): SnapshotManifest {
  let text: string;
  try {
    // A truncated gzip stream still inflates as far as it goes.
    text = (isGzip(head) ? gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : head).toString('utf8');
  } catch (error) {
    throw new SnapshotCorruptError(`${source} is damaged or not a k2 snapshot: ${(error as Error).message}`);
  }
  const newline = text.indexOf('\n');
  let manifest: Partial<SnapshotManifest> | undefined;
  try {
    manifest = JSON.parse(newline < 0 ? text : text.slice(0, newline)) as Partial<SnapshotManifest>;
  } catch {
    manifest = undefined;
  }
  if (!manifest || manifest.format !== snapshotFormat || typeof manifest.revision !== 'number' || typeof manifest.sha256 !== 'string') {
    throw new SnapshotCorruptError(`${source} is not a k2 snapshot (no ${snapshotFormat} manifest at its start)`);
  }
  return manifest as SnapshotManifest;
}

export async function readManifestFile(path: string): Promise<SnapshotManifest> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return parseManifest(head.subarray(0, bytesRead), path);
  } finally {
    await handle.close();
  }
}

/** Streams the keys of a snapshot file, a batch at a time, checking the hash and count at the end. */
async function* entries(path: string, manifest: SnapshotManifest, batchSize: number): AsyncGenerator<KeyValue[]> {
  const raw = createReadStream(path);
  const text = manifest.compressed ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => text.destroy(error));
  const hash = createHash('sha256');
  let lineNumber = 0;
  let objects = 0;
  let batch: KeyValue[] = [];
  try {
    for await (const line of createInterface({ input: text, crlfDelay: Infinity })) {
      if (lineNumber++ === 0) continue; // the manifest
      hash.update(`${line}\n`);
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        throw new SnapshotCorruptError(`${path}: line ${lineNumber} is not JSON`);
      }
      if (typeof entry.k !== 'string' || typeof entry.v !== 'string') throw new SnapshotCorruptError(`${path}: line ${lineNumber} is not a key`);
      batch.push({ key: entry.k, value: entry.v, createRevision: entry.c, modRevision: entry.m, expiresAt: entry.e ?? 0 });
      objects++;
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (error instanceof SnapshotCorruptError) throw error;
    throw new SnapshotCorruptError(`${path} is damaged: ${(error as Error).message}`);
  }
  if (batch.length) yield batch;
  const sha256 = hash.digest('hex');
  if (sha256 !== manifest.sha256 || objects !== manifest.objects) {
    throw new SnapshotCorruptError(
      `${path} is corrupted: its keys hash to ${sha256.slice(0, 16)}… (${objects} objects) but the manifest says ${manifest.sha256.slice(0, 16)}… (${manifest.objects} objects)`,
    );
  }
}

/** Reads the whole file once and checks it against its manifest; nothing is restored from a file that fails. */
export async function verifySnapshotFile(path: string): Promise<SnapshotManifest> {
  const manifest = await readManifestFile(path);
  for await (const batch of entries(path, manifest, 10_000)) void batch;
  return manifest;
}

/** The keys of a verified snapshot file, as a reader that restores consume. */
export async function openSnapshotFile(path: string): Promise<{ manifest: SnapshotManifest; reader: SnapshotReader }> {
  const manifest = await verifySnapshotFile(path);
  const batches = entries(path, manifest, 1000);
  return {
    manifest,
    reader: {
      revision: manifest.revision,
      batches,
      close: async () => {
        await batches.return(undefined);
      },
    },
  };
}

/** Snapshot file names: `<name>-<UTC time>.k2snap`, plus `.gz` when compressed. */
const fileNamePattern = /^(.+)-(\d{8}T\d{6}\.\d{3}Z)\.k2snap(\.gz)?$/;

export function snapshotFileName(name: string, compressed: boolean, at = new Date()): string {
  validateSnapshotName(name);
  const stamp = at.toISOString().replace(/[-:]/g, '');
  return `${name}-${stamp}.k2snap${compressed ? '.gz' : ''}`;
}

export function parseSnapshotFileName(file: string): { name: string; createdAt: Date } | undefined {
  const match = fileNamePattern.exec(file);
  if (!match) return undefined;
  const s = match[2]!;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13)}`;
  return { name: match[1]!, createdAt: new Date(iso) };
}

export function validateSnapshotName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.length > 100) {
    throw new Error(`invalid snapshot name "${name}": use letters, digits, ".", "_" and "-" (at most 100)`);
  }
}
