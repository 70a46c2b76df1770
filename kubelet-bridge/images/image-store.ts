// Images without the internet, k3s's way: archives (OCI layout or `docker save` tarballs) are imported into
// containerd's `k8s.io` namespace, where CRI sees them. Imports go through Debian containerd's `ctr` CLI
// (it unpacks into the snapshotter as CRI's own pulls do); listing and presence checks use CRI.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CriClient } from '../cri/client.ts';
import { findOnPath } from '../containerd.ts';
import { buildOciArchive } from './oci-archive.ts';
import { hostArch, pauseProgram } from './pause-program.ts';

export const criNamespace = 'k8s.io';

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

/** Runs `ctr` against containerd's API socket with the archive on standard input. */
function ctrImport(containerdSocket: string, archive: NodeJS.ReadableStream | Buffer): Promise<string[]> {
  const ctr = findOnPath('ctr');
  if (!ctr) return Promise.reject(new Error('ctr (shipped with containerd) is not on PATH: cannot import image archives'));
  return new Promise((resolve, reject) => {
    const child = spawn(ctr, ['--address', containerdSocket, '--namespace', criNamespace, 'images', 'import', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ctr images import failed (exit ${code}): ${stderr.trim() || stdout.trim()}`));
      // ctr prints "unpacking <name> (sha256:…)...done" per image
      resolve([...stdout.matchAll(/unpacking (\S+) \(/g)].map((m) => m[1]!));
    });
    child.stdin.on('error', () => {}); // ctr exiting early is reported through its exit code
    if (Buffer.isBuffer(archive)) child.stdin.end(archive);
    else archive.pipe(child.stdin);
  });
}

export class ImageStore {
  constructor(
    private readonly cri: CriClient,
    private readonly containerdSocket: string,
    private readonly log?: Logger,
  ) {}

  /** Imports an archive file; returns the image names it held. */
  async importFile(path: string): Promise<string[]> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new Error(`image archive ${path} does not exist or is not a file`);
    return ctrImport(this.containerdSocket, createReadStream(path));
  }

  async importArchive(archive: Buffer): Promise<string[]> {
    return ctrImport(this.containerdSocket, archive);
  }

  /** Imports every `*.tar` in `dir` (k3s's `agent/images/`); a missing folder is fine. One bad file does not stop the rest. */
  async importDirectory(dir: string): Promise<{ imported: string[]; failed: { file: string; error: string }[] }> {
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const imported: string[] = [];
    const failed: { file: string; error: string }[] = [];
    for (const name of names.filter((n) => n.endsWith('.tar')).sort()) {
      const file = join(dir, name);
      try {
        const images = await this.importFile(file);
        imported.push(...images);
        this.log?.info({ file, images }, 'imported image archive');
      } catch (error) {
        failed.push({ file, error: (error as Error).message });
        this.log?.error({ file, err: error }, 'could not import image archive');
      }
    }
    return { imported, failed };
  }

  async list(): Promise<ImageInfo[]> {
    const { images } = await this.cri.call('ListImages', {});
    return images
      .map((image) => ({ id: image.id, repoTags: image.repoTags, repoDigests: image.repoDigests, size: image.size }))
      .sort((a, b) => (a.repoTags[0] ?? a.id).localeCompare(b.repoTags[0] ?? b.id));
  }

  /** The image's id if containerd has it (CRI ImageStatus), else undefined. */
  async present(ref: string): Promise<string | undefined> {
    const { image } = await this.cri.call('ImageStatus', { image: { image: ref } });
    return image?.id || undefined;
  }

  /** Makes sure k2's own sandbox image is there, importing it (built in memory) when it is not. */
  async ensurePauseImage(name: string): Promise<void> {
    if (await this.present(name)) return;
    await this.importArchive(pauseImageArchive(name));
    if (!(await this.present(name))) throw new Error(`imported the sandbox image ${name}, but containerd does not list it`);
    this.log?.info({ image: name }, 'imported k2 sandbox image');
  }
}

/** k2's sandbox image: one file, /pause (pause-program.ts), for this machine's architecture. */
export function pauseImageArchive(name: string, arch = hostArch()): Buffer {
  return buildOciArchive({
    name,
    architecture: arch,
    entries: [{ type: 'file', path: 'pause', mode: 0o755, content: pauseProgram(arch) }],
    config: { entrypoint: ['/pause'], env: [] },
  });
}

/** `k2 image ls` output: REPOSITORY TAG IMAGE ID SIZE, as crictl prints it. */
export function formatImageTable(images: ImageInfo[]): string {
  const rows: string[][] = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const image of images) {
    const id = image.id.replace(/^sha256:/, '').slice(0, 13);
    const tags = image.repoTags.length ? image.repoTags : ['<none>:<none>'];
    for (const ref of tags) {
      const colon = ref.lastIndexOf(':');
      rows.push([ref.slice(0, colon), ref.slice(colon + 1), id, humanSize(image.size)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

function humanSize(bytes: number): string {
  if (bytes < 1000) return `${bytes}B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)}${units[unit]}`;
}
