// Builds OCI image archives (an `oci-layout` tarball: index.json, blobs/sha256/…) in memory, without a
// registry or a container engine: one uncompressed layer made of the entries given, an image config, a manifest.
// `ctr images import` and any OCI-layout reader take the result.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Header, Pax } from 'tar';

export type LayerEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; mode?: number; content: Buffer | string }
  | { type: 'symlink'; path: string; target: string };

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

export interface ImageSpec {
  /** Full reference, e.g. `localhost/busybox:latest`. */
  name: string;
  architecture: string;
  entries: LayerEntry[];
  config: ImageConfig;
}

const epoch = new Date(0);

function tarBlock(fields: ConstructorParameters<typeof Header>[0]): Buffer {
  const header = new Header({ uid: 0, gid: 0, mtime: epoch, uname: '', gname: '', ...fields });
  header.encode();
  // Names over 100 bytes and the like need a pax extended header first; tar's Pax writes it.
  const pax = header.needPax ? new Pax(header as unknown as ConstructorParameters<typeof Pax>[0]).encode() : undefined;
  return pax ? Buffer.concat([pax, header.block!]) : header.block!;
}

/** A deterministic uncompressed tar of the entries (owned by root, mtime 0). */
export function layerTar(entries: LayerEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const path = entry.path.replace(/^\/+/, '');
    if (!path) throw new Error('a layer entry needs a non-empty path');
    if (entry.type === 'dir') {
      parts.push(tarBlock({ path: path.endsWith('/') ? path : `${path}/`, type: 'Directory', mode: entry.mode ?? 0o755, size: 0 }));
    } else if (entry.type === 'symlink') {
      parts.push(tarBlock({ path, type: 'SymbolicLink', linkpath: entry.target, mode: 0o777, size: 0 }));
    } else {
      const content = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
      parts.push(tarBlock({ path, type: 'File', mode: entry.mode ?? 0o644, size: content.length }));
      parts.push(content);
      const pad = (512 - (content.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(1024)); // two zero blocks end the archive
  return Buffer.concat(parts);
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Blob {
  digest: string;
  data: Buffer;
}

const blob = (data: Buffer): Blob => ({ digest: sha256(data), data });
const jsonBlob = (value: unknown) => blob(Buffer.from(JSON.stringify(value)));

/** `name` → `[repository, tag]` (tag defaults to `latest`). */
export function splitReference(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
}

/** An OCI image layout tarball holding one single-layer image. */
export function buildOciArchive(image: ImageSpec): Buffer {
  const layer = blob(layerTar(image.entries));
  const configBlob = jsonBlob({
    architecture: image.architecture,
    os: 'linux',
    created: epoch.toISOString(),
    config: {
      ...(image.config.entrypoint ? { Entrypoint: image.config.entrypoint } : {}),
      ...(image.config.cmd ? { Cmd: image.config.cmd } : {}),
      Env: image.config.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      WorkingDir: image.config.workingDir ?? '/',
      ...(image.config.user ? { User: image.config.user } : {}),
    },
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
    history: [{ created: epoch.toISOString(), created_by: 'k2' }],
  });
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configBlob.digest, size: configBlob.data.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.data.length }],
  });
  const [, tag] = splitReference(image.name);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifest.digest,
        size: manifest.data.length,
        platform: { architecture: image.architecture, os: 'linux' },
        annotations: { 'io.containerd.image.name': image.name, 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  const files: LayerEntry[] = [
    { type: 'file', path: 'oci-layout', content: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { type: 'file', path: 'index.json', content: JSON.stringify(index) },
    { type: 'dir', path: 'blobs' },
    { type: 'dir', path: 'blobs/sha256' },
    ...[layer, configBlob, manifest].map((b): LayerEntry => ({ type: 'file', path: `blobs/sha256/${b.digest.slice('sha256:'.length)}`, content: b.data })),
  ];
  return layerTar(files);
}

/** The applets a busybox binary provides (`busybox --list`), read once per binary. */
function busyboxApplets(busyboxPath: string, listing: string): string[] {
  const applets = listing.split('\n').map((s) => s.trim()).filter((s) => /^[a-z0-9_.[-]+$/.test(s) && s !== 'busybox');
  if (!applets.includes('sh')) throw new Error(`${busyboxPath} --list names no "sh" applet: not a usable busybox`);
  return applets;
}

/**
 * A small Linux userland from a static busybox: /bin/busybox with one symlink per applet (sh, sleep, nc,
 * httpd, tar, …), /etc/passwd and /etc/group with root and nobody, /tmp, /root. Debian's busybox-static
 * works; its `wget` segfaults, so tests use `nc` and `httpd`.
 */
export function busyboxRootfs(busyboxPath: string, appletListing: string): LayerEntry[] {
  const binary = readFileSync(busyboxPath);
  return [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', mode: 0o755, content: binary },
    ...busyboxApplets(busyboxPath, appletListing).map((applet): LayerEntry => ({ type: 'symlink', path: `bin/${applet}`, target: 'busybox' })),
    { type: 'dir', path: 'etc' },
    { type: 'file', path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { type: 'file', path: 'etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'var' },
    { type: 'dir', path: 'var/www' },
  ];
}
