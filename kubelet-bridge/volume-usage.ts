// How full a pod's volumes are, for the Summary API's `volume` list and the kubelet's kubelet_volume_stats_* gauges:
// the filesystem's capacity and free space (statfs), and what the volume's own folder holds, counted as `du` counts it
// (allocated blocks and inodes). Walking a large folder takes time, so a count is kept for a minute, as the kubelet
// keeps its volume stats; a walk stops at a million entries rather than hold the node up.
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';

export interface VolumeUsage {
  availableBytes: number;
  capacityBytes: number;
  usedBytes: number;
  inodesFree: number;
  inodes: number;
  inodesUsed: number;
}

const cacheMs = 60_000;
const maxEntries = 1_000_000;
const counted = new Map<string, { at: number; usage: Promise<{ bytes: number; inodes: number }> }>();

async function countFolder(root: string): Promise<{ bytes: number; inodes: number }> {
  let bytes = 0;
  let inodes = 0;
  const pending = [root];
  while (pending.length && inodes < maxEntries) {
    const dir = pending.pop()!;
    const info = await lstat(dir).catch(() => undefined);
    if (!info) continue;
    bytes += info.blocks * 512;
    inodes++;
    if (!info.isDirectory()) continue;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else {
        const file = await lstat(path).catch(() => undefined);
        if (!file) continue;
        bytes += file.blocks * 512;
        inodes++;
      }
    }
  }
  return { bytes, inodes };
}

/** The volume at `path` (a folder on the node); undefined when it is gone. */
export async function volumeUsage(path: string): Promise<VolumeUsage | undefined> {
  const fs = await statfs(path).catch(() => undefined);
  if (!fs) return undefined;
  const now = Date.now();
  for (const [key, entry] of counted) if (now - entry.at > cacheMs) counted.delete(key);
  let entry = counted.get(path);
  if (!entry) counted.set(path, (entry = { at: now, usage: countFolder(path) }));
  const { bytes, inodes } = await entry.usage;
  return { availableBytes: fs.bavail * fs.bsize, capacityBytes: fs.blocks * fs.bsize, usedBytes: bytes, inodesFree: fs.ffree, inodes: fs.files, inodesUsed: inodes };
}
