// Pod volumes as folders k2 writes under `<data-dir>/agent/pods/<uid>/volumes/`, bind-mounted into containers:
// emptyDir (tmpfs for medium Memory), hostPath (with its type checks), configMap, secret, downwardAPI and projected
// (service-account token, configMap, secret, downwardAPI), and persistentVolumeClaim through the resolver.
//
// Content volumes are written the way the kubelet writes them, so that an update is atomic for readers: the files go
// into a fresh `..<timestamp>` folder, the `..data` symlink is switched to it with one rename, and each top-level
// name is a symlink into `..data`. Programs that watch `..data` (or reopen files) see a whole new version at once.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Input, Mount } from '../cri/client.ts';
import { ContainerConfigError, expandVariables, fieldValue, resourceValue, type NodeFacts, type PodObjectResolver } from './downward.ts';
import { bytes } from './quantity.ts';
import type { Container, DownwardApiFile, KeyedContent, KeyToPath, Pod, Volume } from './types.ts';

const run = promisify(execFile);

export interface PreparedVolume {
  hostPath: string;
  readOnly: boolean;
}

/** Bound service-account tokens are refreshed once 80% of their lifetime has passed, as the kubelet does. */
const tokenRefreshFraction = 0.8;
const defaultTokenSeconds = 3600;

export const podVolumesDir = (podDir: string) => join(podDir, 'volumes');

function safeRelativePath(path: string, what: string): string {
  const clean = normalize(path);
  if (!path || path.startsWith('/') || clean === '..' || clean.startsWith('../') || clean.split('/').some((part) => part.startsWith('..'))) {
    throw new ContainerConfigError(`${what} "${path}" must be a relative path without ".." components`);
  }
  return clean;
}

interface FileToWrite {
  path: string;
  content: Buffer;
  mode: number;
}

/** Writes `files` into `dir` atomically (see the top of the file); returns whether anything changed. */
export async function writeAtomically(dir: string, files: FileToWrite[]): Promise<boolean> {
  await mkdir(dir, { recursive: true });
  const dataLink = join(dir, '..data');
  const current = await readlink(dataLink).catch(() => undefined);
  if (current && (await sameContent(join(dir, current), files))) return false;
  const version = `..${new Date().toISOString().replace(/[:.]/g, '_')}_${Math.random().toString(36).slice(2, 8)}`;
  const versionDir = join(dir, version);
  await mkdir(versionDir, { mode: 0o755 });
  for (const file of files) {
    const target = join(versionDir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { mode: file.mode });
    await chmod(target, file.mode);
  }
  const temporaryLink = join(dir, '..data_tmp');
  await rm(temporaryLink, { force: true });
  await symlink(version, temporaryLink);
  await rename(temporaryLink, dataLink);
  const topLevel = new Set(files.map((f) => f.path.split('/')[0]!));
  for (const name of topLevel) {
    const link = join(dir, name);
    const existing = await lstat(link).catch(() => undefined);
    if (!existing) await symlink(join('..data', name), link);
  }
  for (const name of await readdir(dir)) {
    if (name === '..data' || name === version) continue;
    if (name.startsWith('..')) await rm(join(dir, name), { recursive: true, force: true });
    else if (!topLevel.has(name)) await rm(join(dir, name), { force: true });
  }
  return true;
}

async function sameContent(versionDir: string, files: FileToWrite[]): Promise<boolean> {
  try {
    const listed = await listFiles(versionDir);
    if (listed.length !== files.length) return false;
    for (const file of files) {
      const path = join(versionDir, file.path);
      const info = await stat(path);
      if ((info.mode & 0o7777) !== file.mode) return false;
      if (!(await readFile(path)).equals(file.content)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), join(prefix, entry.name))));
    else out.push(join(prefix, entry.name));
  }
  return out;
}

function keyedFiles(content: KeyedContent | undefined, items: KeyToPath[] | undefined, mode: number, what: string): FileToWrite[] {
  if (!content) return [];
  if (!items?.length) return Object.entries(content.data).map(([key, value]) => ({ path: safeRelativePath(key, 'key'), content: value, mode }));
  return items.map((item) => {
    const value = content.data[item.key];
    if (value === undefined) throw new ContainerConfigError(`configured to use key "${item.key}" of ${what}, which does not have it`);
    return { path: safeRelativePath(item.path, 'path'), content: value, mode: item.mode ?? mode };
  });
}

/** Sets up (and on later calls refreshes) the volumes of one pod. One instance per pod. */
export class PodVolumes {
  private readonly tokenRefreshAt = new Map<string, number>();
  private readonly tokens = new Map<string, Buffer>();
  private readonly tmpfsMounted = new Set<string>();

  constructor(
    readonly podDir: string,
    private readonly resolver: PodObjectResolver,
    private readonly node: NodeFacts,
  ) {}

  /** What the last setup prepared (the volumes' folders, for their usage figures). */
  prepared: ReadonlyMap<string, PreparedVolume> = new Map();

  /** Prepares every volume of the pod; returns each volume's folder on the host. */
  async setup(pod: Pod, podIPs: string[]): Promise<Map<string, PreparedVolume>> {
    const prepared = new Map<string, PreparedVolume>();
    for (const volume of pod.spec.volumes ?? []) prepared.set(volume.name, await this.setupVolume(pod, volume, podIPs));
    this.prepared = prepared;
    return prepared;
  }

  private async setupVolume(pod: Pod, volume: Volume, podIPs: string[]): Promise<PreparedVolume> {
    const namespace = pod.metadata.namespace ?? 'default';
    const dir = (plugin: string) => join(podVolumesDir(this.podDir), plugin, volume.name);
    if (volume.emptyDir) {
      const path = dir('empty-dir');
      await mkdir(path, { recursive: true, mode: 0o777 });
      await chmod(path, 0o777);
      if (volume.emptyDir.medium === 'Memory' && !this.tmpfsMounted.has(path)) {
        const size = volume.emptyDir.sizeLimit ? `,size=${bytes(volume.emptyDir.sizeLimit)}` : '';
        if (!(await isMountPoint(path))) await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', path]);
        this.tmpfsMounted.add(path);
      }
      return { hostPath: path, readOnly: false };
    }
    if (volume.hostPath) return { hostPath: await prepareHostPath(volume.hostPath.path, volume.hostPath.type ?? ''), readOnly: false };
    if (volume.configMap) {
      const content = await this.keyed('configMap', namespace, volume.configMap.name, volume.configMap.optional);
      const files = keyedFiles(content, volume.configMap.items, volume.configMap.defaultMode ?? 0o644, `configmap ${namespace}/${volume.configMap.name}`);
      await writeAtomically(dir('configmap'), files);
      return { hostPath: dir('configmap'), readOnly: true };
    }
    if (volume.secret) {
      const content = await this.keyed('secret', namespace, volume.secret.secretName, volume.secret.optional);
      const files = keyedFiles(content, volume.secret.items, volume.secret.defaultMode ?? 0o644, `secret ${namespace}/${volume.secret.secretName}`);
      await writeAtomically(dir('secret'), files);
      return { hostPath: dir('secret'), readOnly: true };
    }
    if (volume.downwardAPI) {
      const files = this.downwardFiles(pod, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? 0o644, podIPs);
      await writeAtomically(dir('downward-api'), files);
      return { hostPath: dir('downward-api'), readOnly: true };
    }
    if (volume.projected) {
      const mode = volume.projected.defaultMode ?? 0o644;
      const files: FileToWrite[] = [];
      for (const source of volume.projected.sources ?? []) {
        if (source.configMap) {
          const content = await this.keyed('configMap', namespace, source.configMap.name, source.configMap.optional);
          files.push(...keyedFiles(content, source.configMap.items, mode, `configmap ${namespace}/${source.configMap.name}`));
        } else if (source.secret) {
          const content = await this.keyed('secret', namespace, source.secret.name, source.secret.optional);
          files.push(...keyedFiles(content, source.secret.items, mode, `secret ${namespace}/${source.secret.name}`));
        } else if (source.downwardAPI) {
          files.push(...this.downwardFiles(pod, source.downwardAPI.items ?? [], mode, podIPs));
        } else if (source.serviceAccountToken) {
          files.push({ path: safeRelativePath(source.serviceAccountToken.path, 'path'), content: await this.token(pod, volume.name, source.serviceAccountToken), mode });
        }
      }
      await writeAtomically(dir('projected'), files);
      return { hostPath: dir('projected'), readOnly: true };
    }
    if (volume.persistentVolumeClaim) {
      const claim = volume.persistentVolumeClaim.claimName;
      const path = this.resolver.persistentVolumeClaimPath ? await this.resolver.persistentVolumeClaimPath(namespace, claim) : undefined;
      if (!path) throw new ContainerConfigError(`persistentvolumeclaim "${claim}" is not bound to a volume on this node`);
      await mkdir(path, { recursive: true });
      return { hostPath: path, readOnly: volume.persistentVolumeClaim.readOnly ?? false };
    }
    throw new ContainerConfigError(`volume "${volume.name}" has a type k2 does not support`);
  }

  private keyed(kind: 'configMap' | 'secret', namespace: string, name: string, optional?: boolean): Promise<KeyedContent | undefined> {
    return this.resolver[kind](namespace, name).then((content) => {
      if (!content && !optional) throw new ContainerConfigError(`${kind === 'configMap' ? 'configmap' : 'secret'} "${name}" not found`);
      return content;
    });
  }

  private downwardFiles(pod: Pod, items: DownwardApiFile[], mode: number, podIPs: string[]): FileToWrite[] {
    return items.map((item) => {
      const value = item.fieldRef ? fieldValue(pod, item.fieldRef, podIPs, this.node) : item.resourceFieldRef ? resourceValue(pod, undefined, item.resourceFieldRef, this.node) : '';
      return { path: safeRelativePath(item.path, 'path'), content: Buffer.from(value), mode: item.mode ?? mode };
    });
  }

  /** The pod's token for one projection, fetched again once 80% of its lifetime has passed. */
  private async token(pod: Pod, volumeName: string, source: { path: string; audience?: string; expirationSeconds?: number }): Promise<Buffer> {
    const key = `${volumeName}/${source.path}`;
    const cached = this.tokens.get(key);
    if (cached && (this.tokenRefreshAt.get(key) ?? 0) > Date.now()) return cached;
    const seconds = source.expirationSeconds ?? defaultTokenSeconds;
    const token = Buffer.from(await this.resolver.serviceAccountToken(pod, { audience: source.audience, expirationSeconds: seconds }));
    this.tokens.set(key, token);
    this.tokenRefreshAt.set(key, Date.now() + seconds * 1000 * tokenRefreshFraction);
    return token;
  }

  /** Unmounts tmpfs volumes and removes the pod's folder. */
  async teardown(): Promise<void> {
    const emptyDirs = join(podVolumesDir(this.podDir), 'empty-dir');
    for (const name of await readdir(emptyDirs).catch(() => [] as string[])) {
      const path = join(emptyDirs, name);
      if (await isMountPoint(path)) await run('umount', [path]).catch(() => run('umount', ['-l', path]));
    }
    this.tmpfsMounted.clear();
    await rm(this.podDir, { recursive: true, force: true });
  }
}

async function isMountPoint(path: string): Promise<boolean> {
  try {
    const [self, parent] = await Promise.all([stat(path), stat(dirname(path))]);
    return self.dev !== parent.dev;
  } catch {
    return false;
  }
}

/** Checks (and for the …OrCreate types creates) a hostPath volume's path, as its `type` says. */
export async function prepareHostPath(path: string, type: string): Promise<string> {
  if (!path.startsWith('/')) throw new ContainerConfigError(`hostPath "${path}" must be absolute`);
  const info = await stat(path).catch(() => undefined);
  const fail = (what: string) => {
    throw new ContainerConfigError(`hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type) {
    case '':
      return path;
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!info.isDirectory()) fail('a directory');
      return path;
    case 'Directory':
      if (!info?.isDirectory()) fail('a directory');
      return path;
    case 'FileOrCreate':
      if (!info) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!info.isFile()) fail('a file');
      return path;
    case 'File':
      if (!info?.isFile()) fail('a file');
      return path;
    case 'Socket':
      if (!info?.isSocket()) fail('a socket');
      return path;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) fail('a character device');
      return path;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) fail('a block device');
      return path;
    default:
      throw new ContainerConfigError(`unknown hostPath type "${type}"`);
  }
}

const propagation = { None: 'PROPAGATION_PRIVATE', HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER', Bidirectional: 'PROPAGATION_BIDIRECTIONAL' } as const;

/** The CRI mounts of one container: its volumeMounts (with subPath/subPathExpr) over the prepared folders. */
export async function containerMounts(container: Container, volumes: Map<string, PreparedVolume>, env: Record<string, string>): Promise<Input<Mount>[]> {
  const mounts: Input<Mount>[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    if (!volume) throw new ContainerConfigError(`volumeMount "${mount.name}" names no volume of the pod`);
    let hostPath = volume.hostPath;
    const subPath = mount.subPathExpr ? expandVariables(mount.subPathExpr, env) : mount.subPath;
    if (subPath) {
      hostPath = join(hostPath, safeRelativePath(subPath, 'subPath'));
      if (!existsSync(hostPath)) await mkdir(hostPath, { recursive: true, mode: 0o755 });
    }
    mounts.push({
      containerPath: mount.mountPath,
      hostPath,
      readonly: mount.readOnly ?? volume.readOnly,
      propagation: propagation[mount.mountPropagation ?? 'None'],
    });
  }
  return mounts;
}
