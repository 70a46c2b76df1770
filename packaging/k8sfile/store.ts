// The local artifact store: an OCI image layout (oci-layout, index.json, blobs/sha256/…) under the k2 home.
// Tags are `org.opencontainers.image.ref.name` annotations of index.json entries, holding the full
// reference (`name:tag` or `host/repository:tag`); `org.opencontainers.image.created` says when the tag was set.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ociLayoutMediaType = 'application/vnd.oci.image.index.v1+json';
export const ociManifestMediaType = 'application/vnd.oci.image.manifest.v1+json';
export const refNameAnnotation = 'org.opencontainers.image.ref.name';
export const createdAnnotation = 'org.opencontainers.image.created';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function isDigest(text: string): boolean {
  return digestPattern.test(text);
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export function writeFileAtomic(path: string, data: Buffer | string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/** An OCI image layout folder: content-addressed blobs and a tagged index. */
export class OciLayout {
  constructor(readonly dir: string) {}

  /** Creates the layout files when missing. */
  init(): this {
    mkdirSync(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    if (!existsSync(join(this.dir, 'oci-layout'))) writeFileAtomic(join(this.dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    if (!existsSync(join(this.dir, 'index.json'))) this.writeIndex({ schemaVersion: 2, mediaType: ociLayoutMediaType, manifests: [] });
    return this;
  }

  static isLayout(dir: string): boolean {
    return existsSync(join(dir, 'oci-layout')) && existsSync(join(dir, 'index.json'));
  }

  blobPath(digest: string): string {
    if (!isDigest(digest)) throw new Error(`invalid digest "${digest}": want sha256:<64 hex digits>`);
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  blobSize(digest: string): number {
    return statSync(this.blobPath(digest)).size;
  }

  /** Stores bytes under their digest; checks them against an expected digest when given. */
  putBlob(data: Buffer | string, expected?: string): { digest: string; size: number } {
    const digest = sha256Digest(data);
    if (expected && expected !== digest) throw new Error(`digest mismatch: expected ${expected}, got ${digest}`);
    const path = this.blobPath(digest);
    if (!existsSync(path)) writeFileAtomic(path, data);
    return { digest, size: Buffer.byteLength(data) };
  }

  /** Reads a blob and checks its digest (a corrupted store is reported, never used). */
  readBlob(digest: string): Buffer {
    let data: Buffer;
    try {
      data = readFileSync(this.blobPath(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`blob ${digest} is missing from ${this.dir}`);
      throw e;
    }
    if (sha256Digest(data) !== digest) throw new Error(`blob ${digest} in ${this.dir} is corrupted (its content has another digest)`);
    return data;
  }

  readJson<T>(digest: string): T {
    return JSON.parse(this.readBlob(digest).toString('utf8')) as T;
  }

  index(): OciIndex {
    const index = JSON.parse(readFileSync(join(this.dir, 'index.json'), 'utf8')) as OciIndex;
    if (!Array.isArray(index.manifests)) throw new Error(`${join(this.dir, 'index.json')} is not an OCI image index`);
    return index;
  }

  writeIndex(index: OciIndex): void {
    writeFileAtomic(join(this.dir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  }

  /**
   * Runs a read-modify-write of index.json while holding index.json.lock, so that two k2 processes
   * tagging at once both keep their tag. A lock older than 30 s is from a process that died: taken over.
   */
  private withIndexLock<T>(change: () => T): T {
    const lock = join(this.dir, 'index.json.lock');
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(lock).mtimeMs > 30_000) unlinkSync(lock);
        } catch {
          // released meanwhile
        }
        if (Date.now() > deadline) throw new Error(`${lock} is held by another k2 process; remove it if none runs`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
    try {
      return change();
    } finally {
      unlinkSync(lock);
    }
  }

  /** Points a reference at a manifest (replacing what it named before). */
  tag(reference: string, manifest: Descriptor, created = new Date()): void {
    this.withIndexLock(() => this.tagUnlocked(reference, manifest, created));
  }

  private tagUnlocked(reference: string, manifest: Descriptor, created: Date): void {
    const index = this.index();
    const kept = index.manifests.filter((d) => d.annotations?.[refNameAnnotation] !== reference);
    const { annotations: _old, ...plain } = manifest;
    kept.push({ ...plain, annotations: { [refNameAnnotation]: reference, [createdAnnotation]: created.toISOString() } });
    index.manifests = kept.sort((a, b) => (a.annotations![refNameAnnotation]! < b.annotations![refNameAnnotation]! ? -1 : 1));
    this.writeIndex(index);
  }

  /** The index entry a reference names, if any. */
  find(reference: string): Descriptor | undefined {
    return this.index().manifests.find((d) => d.annotations?.[refNameAnnotation] === reference);
  }
}
