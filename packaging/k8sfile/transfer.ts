// Moving artifacts: resolving a reference (the built-in base, the local store, a path to a saved
// OCI layout or its tar, or a registry), pulling and pushing over the distribution API, and saving
// to / loading from an OCI image layout tar for air-gapped moves.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { extractTar } from '../helm/tar.ts';
import { artifactConfigMediaType, type ArtifactConfig, emptyConfig, k2ArtifactType } from './artifact.ts';
import { findCredentials } from './credentials.ts';
import { artifactStoreDir, k2Home } from './home.ts';
import { formatReference, parseReference, storeName } from './reference.ts';
import { RegistryClient } from './registry.ts';
import { packTar } from './reproducible-tar.ts';
import { type Descriptor, isDigest, OciLayout, type OciManifest, ociManifestMediaType, refNameAnnotation, sha256Digest } from './store.ts';

/** The bare k2 base: an artifact with nothing in it, built in (no network). */
export const baseReference = 'k2:1';

export interface ResolvedArtifact {
  /** The reference as the user gave it (canonical for store and registry references). */
  reference: string;
  digest: string;
  manifest: OciManifest;
  config: ArtifactConfig;
}

export interface ResolveOptions {
  home?: string;
  /** true: always fetch registry references; false: never touch the network; default: fetch when not stored. */
  pull?: boolean;
  /** Folder relative paths are resolved against (the build context for FROM; the working folder otherwise). */
  baseDir?: string;
  log?: (line: string) => void;
}

export function openStore(home?: string): OciLayout {
  return new OciLayout(artifactStoreDir(k2Home(home))).init();
}

/** Writes a manifest and its config to the store; returns the manifest's descriptor. */
export function storeArtifact(store: OciLayout, config: ArtifactConfig, layers: Descriptor[]): { digest: string; manifest: OciManifest; descriptor: Descriptor } {
  const configBlob = store.putBlob(JSON.stringify(config));
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: ociManifestMediaType,
    artifactType: k2ArtifactType,
    config: { mediaType: artifactConfigMediaType, ...configBlob },
    layers,
  };
  const { digest, size } = store.putBlob(JSON.stringify(manifest));
  return { digest, manifest, descriptor: { mediaType: ociManifestMediaType, artifactType: k2ArtifactType, digest, size } };
}

function baseArtifact(store: OciLayout): ResolvedArtifact {
  const config = emptyConfig();
  const { digest, manifest } = storeArtifact(store, config, []);
  return { reference: baseReference, digest, manifest, config };
}

/** Reads a stored manifest and its config, checking that it is a k2 artifact. */
export function readArtifact(store: OciLayout, digest: string, name: string): { manifest: OciManifest; config: ArtifactConfig } {
  const manifest = store.readJson<OciManifest>(digest);
  if (manifest.config?.mediaType !== artifactConfigMediaType) {
    throw new Error(`${name} is not a k2 artifact (its config is ${manifest.config?.mediaType ?? 'missing'}, want ${artifactConfigMediaType})`);
  }
  const config = store.readJson<ArtifactConfig>(manifest.config.digest);
  for (const layer of manifest.layers) if (!store.hasBlob(layer.digest)) throw new Error(`${name}: layer ${layer.digest} is missing from the local store`);
  return { manifest, config };
}

function looksLikePath(text: string): boolean {
  return text.startsWith('/') || text.startsWith('./') || text.startsWith('../') || text === '.' || /\.(tar|oci)$/.test(text);
}

/** Finds an artifact wherever the reference points, bringing it into the local store. */
export async function resolveArtifact(text: string, options: ResolveOptions = {}): Promise<ResolvedArtifact> {
  const home = k2Home(options.home);
  const store = openStore(home);
  if (text === baseReference || text === 'k2') return baseArtifact(store);
  const path = resolve(options.baseDir ?? process.cwd(), text);
  if (looksLikePath(text)) {
    if (!existsSync(path)) throw new Error(`${text}: no such file or folder (a saved artifact: an OCI layout folder or its tar)`);
    const loaded = importLayout(store, path, { tag: false });
    if (loaded.length !== 1) {
      const names = loaded.map((l) => l.reference ?? l.digest).join(', ');
      throw new Error(loaded.length ? `${text} holds ${loaded.length} artifacts (${names}): load it with k2 load and name one` : `${text} holds no artifact`);
    }
    const { manifest, config } = readArtifact(store, loaded[0]!.digest, text);
    return { reference: text, digest: loaded[0]!.digest, manifest, config };
  }
  if (isDigest(text)) {
    if (!store.hasBlob(text)) throw new Error(`artifact ${text} is not in the local store`);
    return { reference: text, digest: text, ...readArtifact(store, text, text) };
  }
  const ref = parseReference(text);
  const name = storeName(ref);
  if (ref.digest && store.hasBlob(ref.digest) && options.pull !== true) return { reference: formatReference(ref), digest: ref.digest, ...readArtifact(store, ref.digest, text) };
  const stored = ref.digest ? undefined : store.find(name);
  if (stored && !(options.pull === true && ref.registry)) return { reference: name, digest: stored.digest, ...readArtifact(store, stored.digest, name) };
  if (!ref.registry) throw new Error(`artifact ${name} not found in the local store (k2 images lists it; a registry reference starts with host[:port]/)`);
  if (options.pull === false) throw new Error(`artifact ${formatReference(ref)} is not in the local store`);
  const digest = await pullArtifact(text, { home, log: options.log });
  return { reference: formatReference(ref), digest, ...readArtifact(store, digest, text) };
}

function clientFor(home: string, registry: string): RegistryClient {
  return new RegistryClient(registry, { credentials: findCredentials(home, registry) });
}

function shortDigest(digest: string): string {
  return digest.slice('sha256:'.length, 'sha256:'.length + 12);
}

/** Pulls an artifact from its registry into the local store (tagged by its reference); returns its digest. */
export async function pullArtifact(text: string, options: { home?: string; log?: (line: string) => void } = {}): Promise<string> {
  const home = k2Home(options.home);
  const store = openStore(home);
  const log = options.log ?? (() => {});
  const ref = parseReference(text);
  if (!ref.registry) throw new Error(`${text} names no registry: want host[:port]/repository:tag`);
  const client = clientFor(home, ref.registry);
  const { data, digest } = await client.getManifest(ref.repository, ref.digest ?? ref.tag ?? 'latest');
  const manifest = JSON.parse(data.toString('utf8')) as OciManifest;
  if (manifest.config?.mediaType !== artifactConfigMediaType) {
    throw new Error(`${formatReference(ref)} is not a k2 artifact (config media type ${manifest.config?.mediaType ?? 'missing'})`);
  }
  for (const blob of [manifest.config, ...manifest.layers]) {
    if (store.hasBlob(blob.digest)) {
      log(`${shortDigest(blob.digest)}: Already exists`);
      continue;
    }
    store.putBlob(await client.getBlob(ref.repository, blob.digest), blob.digest);
    log(`${shortDigest(blob.digest)}: Pull complete (${formatSize(blob.size)})`);
  }
  store.putBlob(data, digest);
  if (!ref.digest || ref.tag) store.tag(storeName(ref), { mediaType: ociManifestMediaType, artifactType: k2ArtifactType, digest, size: data.length });
  log(`Digest: ${digest}`);
  return digest;
}

/** Pushes a stored artifact to the registry its reference names; returns the manifest digest. */
export async function pushArtifact(text: string, options: { home?: string; log?: (line: string) => void } = {}): Promise<string> {
  const home = k2Home(options.home);
  const store = openStore(home);
  const log = options.log ?? (() => {});
  const ref = parseReference(text);
  if (!ref.registry) throw new Error(`${text} names no registry: tag the artifact as host[:port]/repository:tag (k2 build -t) to push it`);
  const stored = store.find(storeName(ref));
  if (!stored) throw new Error(`artifact ${storeName(ref)} not found in the local store (k2 images lists it)`);
  const { manifest, config } = readArtifact(store, stored.digest, storeName(ref));
  const client = clientFor(home, ref.registry);
  // Inherited layers are usually in a parent's repository of the same registry: mount instead of upload.
  const parentRepositories = config.parents.flatMap((p) => {
    try {
      const parent = parseReference(p.reference);
      return parent.registry === ref.registry ? [parent.repository] : [];
    } catch {
      return []; // k2:1, paths
    }
  });
  for (const blob of [...manifest.layers, manifest.config]) {
    const outcome = await client.pushBlob(ref.repository, store.readBlob(blob.digest), blob.digest, parentRepositories);
    log(`${shortDigest(blob.digest)}: ${outcome === 'pushed' ? `Pushed (${formatSize(blob.size)})` : outcome === 'mounted' ? 'Mounted from a parent' : 'Layer already exists'}`);
  }
  const digest = await client.putManifest(ref.repository, ref.tag ?? 'latest', store.readBlob(stored.digest));
  log(`${ref.tag ?? 'latest'}: digest: ${digest} size: ${stored.size}`);
  return digest;
}

/** Writes an artifact as an OCI image layout tar (oci-layout, index.json, blobs/sha256/…). */
export function saveArtifact(store: OciLayout, reference: string, digest: string, file: string): void {
  const { manifest } = readArtifact(store, digest, reference);
  const blobs = [digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
  const manifestBytes = store.readBlob(digest);
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    // A digest or a path is no name to tag the artifact with when it is loaded.
    manifests: [{ mediaType: ociManifestMediaType, artifactType: k2ArtifactType, digest, size: manifestBytes.length, ...(isDigest(reference) || looksLikePath(reference) ? {} : { annotations: { [refNameAnnotation]: reference } }) }],
  };
  const entries = [
    { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    ...[...new Set(blobs)].map((d) => ({ name: `blobs/sha256/${d.slice('sha256:'.length)}`, data: store.readBlob(d) })),
  ];
  const tar = packTar(entries);
  writeFileSync(file, /\.(tgz|gz)$/.test(file) ? gzipSync(tar) : tar);
}

/**
 * Imports every manifest of an OCI layout (a folder, or its tar, gzipped or not) into the store, checking
 * every digest; tags them by their ref.name annotations when `tag` is set. Returns what was imported.
 */
export function importLayout(store: OciLayout, path: string, options: { tag: boolean }): { reference?: string; digest: string }[] {
  const read: (name: string) => Buffer | undefined = (() => {
    if (statSync(path).isDirectory()) {
      if (!OciLayout.isLayout(path)) throw new Error(`${path} is not an OCI image layout (no oci-layout and index.json)`);
      return (name: string) => (existsSync(join(path, name)) ? readFileSync(join(path, name)) : undefined);
    }
    let data = readFileSync(path);
    if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data);
    let entries;
    try {
      entries = extractTar(data);
    } catch (e) {
      throw new Error(`${path} is not a tar of an OCI image layout: ${(e as Error).message}`);
    }
    const files = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e.data]));
    if (!files.has('index.json') || !files.has('oci-layout')) throw new Error(`${path} is not a tar of an OCI image layout (no oci-layout and index.json)`);
    return (name: string) => files.get(name);
  })();
  const index = JSON.parse(read('index.json')!.toString('utf8')) as { manifests?: Descriptor[] };
  const imported: { reference?: string; digest: string }[] = [];
  for (const descriptor of index.manifests ?? []) {
    const blob = (digest: string) => {
      if (!isDigest(digest)) throw new Error(`${path}: invalid digest ${digest}`);
      const data = read(`blobs/sha256/${digest.slice('sha256:'.length)}`);
      if (!data) throw new Error(`${path}: blob ${digest} is missing`);
      if (sha256Digest(data) !== digest) throw new Error(`${path}: blob ${digest} is corrupted`);
      return data;
    };
    const manifestBytes = blob(descriptor.digest);
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as OciManifest;
    if (manifest.config?.mediaType !== artifactConfigMediaType) throw new Error(`${path}: ${descriptor.digest} is not a k2 artifact`);
    for (const d of [manifest.config, ...manifest.layers]) store.putBlob(blob(d.digest), d.digest);
    store.putBlob(manifestBytes, descriptor.digest);
    const reference = descriptor.annotations?.[refNameAnnotation];
    if (options.tag && reference) store.tag(reference, { mediaType: ociManifestMediaType, artifactType: k2ArtifactType, digest: descriptor.digest, size: manifestBytes.length });
    imported.push({ reference, digest: descriptor.digest });
  }
  return imported;
}

export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes}B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)}kB`;
  return `${(bytes / 1_000_000).toFixed(1)}MB`;
}
