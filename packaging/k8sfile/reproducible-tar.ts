// Reproducible gzipped tar archives: entries sorted by name, mtime 0, uid/gid 0, mode 0644, no user names,
// and a fixed gzip header, so the same files always give the same bytes (and the same digest).
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header, Pax } from 'tar';
import { extractTar, type TarEntry } from '../helm/tar.ts';

export type { TarEntry };

const epoch = new Date(0);

/** A plain (uncompressed) tar of the entries, reproducibly. */
export function packTar(entries: TarEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const blocks: Buffer[] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new Error(`two archive entries named ${sorted[i]!.name}`);
  }
  for (const entry of sorted) {
    const fields = { path: entry.name, mode: 0o644, uid: 0, gid: 0, size: entry.data.length, mtime: epoch, type: 'File' as const, uname: '', gname: '' };
    const header = new Header(fields);
    const block = Buffer.alloc(512);
    if (header.encode(block)) blocks.push(new Pax(fields).encode()); // long or non-ASCII names
    blocks.push(block, entry.data, Buffer.alloc((512 - (entry.data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A gzipped tar of the entries, reproducibly. */
export function packTarGz(entries: TarEntry[]): Buffer {
  const gz = gzipSync(packTar(entries), { level: 9 });
  gz[9] = 255; // OS "unknown": the header's only platform-dependent byte (mtime is already 0)
  return gz;
}

export function unpackTarGz(data: Buffer): TarEntry[] {
  return extractTar(gunzipSync(data));
}
