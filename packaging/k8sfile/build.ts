// `k2 build`: runs a K8sfile's instructions in order over the state inherited from FROM, one
// content-addressed layer per content instruction, with docker's build cache (a step whose parent
// chain, instruction text and input digests are unchanged reuses its layer and effect). The same
// inputs give the same artifact digest.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { fetchChartArchiveFromOci, fetchChartArchiveFromRepository, chartDirectoryFiles } from '../helm/sources.ts';
import { loadChartArchive, loadChartFiles } from '../helm/chart.ts';
import { mergeUserValues } from '../helm/values.ts';
import {
  assembleObjects,
  type ArtifactConfig,
  type HistoryEntry,
  type KubeObject,
  manifestsLayerMediaType,
  matchesRemoval,
  objectsBySource,
  type ReleaseRecord,
  releaseLayerMediaType,
  releaseSource,
  type Removal,
  resolveKind,
} from './artifact.ts';
import { findCredentials } from './credentials.ts';
import { buildCacheDir, k2Home } from './home.ts';
import { type Instruction, K8sfileError, parseK8sfile, type ReleaseOptions } from './parser.ts';
import { parseReference, storeName } from './reference.ts';
import { plainValues, renderRelease } from './release.ts';
import { findRepository } from './repositories.ts';
import { packTarGz } from './reproducible-tar.ts';
import { validateSetting } from './settings.ts';
import { type Descriptor, type OciManifest, sha256Digest, writeFileAtomic } from './store.ts';
import { formatSize, openStore, resolveArtifact, storeArtifact } from './transfer.ts';

export interface BuildOptions {
  /** The build context: paths of ADD and values files are relative to it. */
  context: string;
  /** The K8sfile (default: <context>/K8sfile). */
  file?: string;
  /** Names to tag the result with (name:tag or host/repository:tag). */
  tags?: string[];
  buildArgs?: Record<string, string>;
  home?: string;
  /** Build every step, ignoring the cache. */
  noCache?: boolean;
  /** Always pull a registry FROM, even when the local store has it. */
  pull?: boolean;
  /** Progress lines (docker build's style). */
  log?: (line: string) => void;
}

export interface BuildStep {
  instruction: string;
  cached: boolean;
  layer?: Descriptor;
}

export interface BuildResult {
  digest: string;
  manifest: OciManifest;
  config: ArtifactConfig;
  steps: BuildStep[];
}

/** What a step did, as kept in the build cache. */
type Effect =
  | { type: 'from' }
  | { type: 'arg'; name: string; value: string }
  | { type: 'labels'; labels: Record<string, string> }
  | { type: 'settings'; settings: Record<string, string> }
  | { type: 'manifests'; files: { source: string; objects: KubeObject[] }[] }
  | { type: 'release'; release: ReleaseRecord; objects: KubeObject[] }
  | { type: 'remove'; removal: Removal }
  | { type: 'uninstall'; release: string };

interface CacheEntry {
  layer?: Descriptor;
  effect: Effect;
}

/** The artifact as the steps build it up: the config's records, its layers, and objects by source. */
type BuildState = Omit<ArtifactConfig, 'schemaVersion' | 'objects'> & {
  layers: Descriptor[];
  /** Objects of each manifest file and release (before removals). */
  sources: Map<string, KubeObject[]>;
};

/** A step ready to run: its cache inputs are known; `run` does the work when the cache misses. */
interface PreparedStep {
  inputs: string[];
  run: () => Promise<CacheEntry> | CacheEntry;
}

const manifestExtensions = /\.(ya?ml|json)$/i;


function posixRelative(context: string, path: string): string {
  return relative(context, path).split(sep).join('/');
}

/** Reads manifest files into objects (a `kind: List` gives its items); each must name apiVersion, kind and name. */
function readManifests(path: string, display: string): KubeObject[] {
  const text = readFileSync(path, 'utf8');
  const objects: KubeObject[] = [];
  const documents = parseAllDocuments(text);
  documents.forEach((doc, index) => {
    if (doc.errors.length) {
      const error = doc.errors[0]!;
      const line = error.linePos?.[0]?.line;
      throw new Error(`${display}${line ? `:${line}` : ''}: invalid YAML: ${error.message.split('\n')[0]}`);
    }
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const where = `${display} (document ${index + 1})`;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: not a Kubernetes object`);
    const object = value as KubeObject;
    if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
      objects.push(...(object.items as KubeObject[]));
      return;
    }
    if (!object.apiVersion || !object.kind || !object.metadata?.name) throw new Error(`${where}: an object needs apiVersion, kind and metadata.name`);
    objects.push(object);
  });
  return objects;
}

function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listManifestFiles(full));
    else if (manifestExtensions.test(entry.name)) out.push(full);
  }
  return out;
}

/** Packages a chart folder as a reproducible .tgz (<name>/… inside). */
function packageChartDirectory(dir: string): Buffer {
  const files = chartDirectoryFiles(dir);
  const chart = loadChartFiles(files);
  return packTarGz(files.map((f) => ({ name: `${chart.metadata.Name}/${f.name}`, data: f.data })));
}

function emptyState(): BuildState {
  return { parents: [], history: [], layers: [], args: {}, labels: {}, settings: {}, manifests: [], releases: [], removals: [], sources: new Map() };
}

function applyEffect(state: BuildState, entry: CacheEntry): void {
  const effect = entry.effect;
  if (entry.layer) state.layers.push(entry.layer);
  switch (effect.type) {
    case 'from':
      break;
    case 'arg':
      state.args[effect.name] = effect.value;
      break;
    case 'labels':
      Object.assign(state.labels, effect.labels);
      break;
    case 'settings':
      Object.assign(state.settings, effect.settings);
      break;
    case 'manifests':
      for (const file of effect.files) {
        state.sources.set(file.source, file.objects);
        state.manifests = [...state.manifests.filter((m) => m.source !== file.source), { source: file.source, layer: entry.layer!.digest }];
        // Adding an object again takes back an earlier REMOVE of it.
        state.removals = state.removals.filter((r) => !file.objects.some((o) => matchesRemoval(o, r)));
      }
      break;
    case 'release': {
      const index = state.releases.findIndex((r) => r.name === effect.release.name);
      if (index >= 0) state.releases[index] = effect.release;
      else state.releases.push(effect.release);
      state.sources.set(releaseSource(effect.release.name), effect.objects);
      break;
    }
    case 'remove':
      state.removals.push(effect.removal);
      break;
    case 'uninstall':
      state.releases = state.releases.filter((r) => r.name !== effect.release);
      state.sources.delete(releaseSource(effect.release));
      break;
  }
}

function readCache(dir: string, key: string): CacheEntry | undefined {
  const path = join(dir, `${key}.json`);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
  } catch {
    return undefined; // a damaged entry is a miss
  }
}

/** Builds a K8sfile into the local store; returns the artifact's digest. */
export async function buildArtifact(options: BuildOptions): Promise<BuildResult> {
  const home = k2Home(options.home);
  const log = options.log ?? (() => {});
  const context = resolve(options.context);
  if (!existsSync(context) || !statSync(context).isDirectory()) throw new Error(`build context ${options.context} is not a folder`);
  const file = resolve(options.file ?? join(context, 'K8sfile'));
  if (!existsSync(file)) throw new Error(`no K8sfile at ${file} (name one with -f)`);
  const display = options.file ?? 'K8sfile';
  const parsed = parseK8sfile(readFileSync(file, 'utf8'), { file: display, buildArgs: options.buildArgs, validateSetting });
  for (const name of parsed.unusedBuildArgs) log(`[Warning] One or more build-args [${name}] were not consumed`);
  for (const tag of options.tags ?? []) parseReference(tag); // bad tags fail before any work
  const store = openStore(home);
  const cacheDir = buildCacheDir(home);
  mkdirSync(cacheDir, { recursive: true });

  let state = emptyState();
  const preFrom: HistoryEntry[] = [];
  let key = sha256Digest('k2-build-cache-v1');
  const steps: BuildStep[] = [];
  const total = parsed.instructions.length;

  const contextPath = (instruction: Instruction, path: string): string => {
    const position = instruction.op === 'ADD' && path === instruction.path ? instruction.pathPosition : instruction.position;
    const full = resolve(context, path);
    if (full !== context && !full.startsWith(context + sep)) throw new K8sfileError(display, position, `${path} is outside the build context`);
    if (!existsSync(full)) throw new K8sfileError(display, position, `${path}: no such file or folder in the build context`);
    return full;
  };

  /** Values files (read now: their digests are cache inputs) and --set of a release. */
  const releaseValues = (instruction: Instruction, release: ReleaseOptions) => {
    const files = release.values.map((path) => ({ name: path, content: readFileSync(contextPath(instruction, path), 'utf8') }));
    return { files, inputs: [...files.map((f) => `values:${f.name}:${sha256Digest(f.content)}`), ...release.set.map((s) => `set:${s}`)] };
  };

  const releaseStep = (instruction: Instruction, archive: Buffer, release: ReleaseOptions, source: string): PreparedStep => {
    const values = releaseValues(instruction, release);
    const digest = sha256Digest(archive);
    return {
      inputs: [`chart:${digest}`, ...values.inputs],
      run: () => {
        const chart = loadChartArchive(archive);
        const name = release.name ?? chart.metadata.Name;
        const namespace = release.namespace ?? 'default';
        const userValues = plainValues(mergeUserValues({ valueFiles: values.files, set: release.set })) as Record<string, unknown>;
        const rendered = renderRelease(archive, { name, namespace, values: userValues });
        const archivePath = `charts/${rendered.chart.name}-${rendered.chart.version}.tgz`;
        const layerData = packTarGz([
          { name: archivePath, data: archive },
          { name: `releases/${name}.yaml`, data: Buffer.from(stringify({ name, namespace, values: userValues })) },
        ]);
        const layer = { mediaType: releaseLayerMediaType, ...store.putBlob(layerData) };
        const record: ReleaseRecord = {
          name,
          namespace,
          chart: rendered.chart.name,
          version: rendered.chart.version,
          ...(rendered.chart.appVersion ? { appVersion: rendered.chart.appVersion } : {}),
          digest,
          source,
          layer: layer.digest,
          archive: archivePath,
          values: userValues,
        };
        return { layer, effect: { type: 'release', release: record, objects: rendered.objects } };
      },
    };
  };

  const prepare = async (instruction: Instruction): Promise<PreparedStep> => {
    switch (instruction.op) {
      case 'FROM':
        throw new Error('FROM is handled by the build loop');
      case 'ARG':
        return { inputs: [], run: () => ({ effect: { type: 'arg', name: instruction.name, value: instruction.value } }) };
      case 'LABEL':
        return { inputs: [], run: () => ({ effect: { type: 'labels', labels: instruction.labels } }) };
      case 'CONFIG':
        return { inputs: [], run: () => ({ effect: { type: 'settings', settings: Object.fromEntries(instruction.settings.map((s) => [s.key, s.value])) } }) };
      case 'ADD': {
        const full = contextPath(instruction, instruction.path);
        const isDir = statSync(full).isDirectory();
        const relativePath = posixRelative(context, full) || '.';
        if ((isDir && existsSync(join(full, 'Chart.yaml'))) || /\.(tgz|tar\.gz)$/.test(full)) {
          const archive = isDir ? packageChartDirectory(full) : readFileSync(full);
          return releaseStep(instruction, archive, instruction.release, relativePath);
        }
        if (instruction.release.name || instruction.release.namespace || instruction.release.values.length || instruction.release.set.length) {
          throw new K8sfileError(display, instruction.position, `--name, --namespace, --values and --set apply to charts; ${instruction.path} is not a chart (no Chart.yaml)`);
        }
        const files = isDir ? listManifestFiles(full) : [full];
        if (!files.length) throw new K8sfileError(display, instruction.position, `${instruction.path} has no .yaml, .yml or .json files`);
        const contents = files.map((f) => ({ path: posixRelative(context, f), data: readFileSync(f) }));
        return {
          inputs: contents.map((c) => `file:${c.path}:${sha256Digest(c.data)}`),
          run: () => {
            const read = files.map((f, i) => ({ source: `manifests/${contents[i]!.path}`, objects: readManifests(f, contents[i]!.path) }));
            // Stored normalized: one YAML document per object, comments and formatting gone.
            const layerData = packTarGz(read.map((r) => ({ name: r.source, data: Buffer.from(r.objects.map((o) => stringify(o)).join('---\n')) })));
            const layer = { mediaType: manifestsLayerMediaType, ...store.putBlob(layerData) };
            return { layer, effect: { type: 'manifests', files: read } };
          },
        };
      }
      case 'INSTALL': {
        const source = instruction.source;
        try {
          if (source.type === 'repository') {
            const repository = findRepository(home, source.repository);
            const fetched = await fetchChartArchiveFromRepository(repository.url, source.chart, { version: source.version, username: repository.username, password: repository.password });
            return releaseStep(instruction, fetched.archive, instruction.release, `helm/${source.repository}/${source.chart}@${fetched.version} (${fetched.url})`);
          }
          const host = source.reference.slice('oci://'.length).split('/')[0]!;
          const credentials = findCredentials(home, host);
          const fetched = await fetchChartArchiveFromOci(source.reference, { version: source.version, username: credentials?.username, password: credentials?.password });
          const base = source.reference.replace(/[:@][^/]*$/, '');
          return releaseStep(instruction, fetched.archive, instruction.release, `${base}:${fetched.target}`);
        } catch (e) {
          if (e instanceof K8sfileError) throw e;
          const what = source.type === 'repository' ? `helm/${source.repository}/${source.chart}${source.version ? `@${source.version}` : ''}` : source.reference;
          const cause = (e as { cause?: { code?: string; message?: string } }).cause;
          throw new K8sfileError(display, instruction.position, `cannot fetch chart ${what}: ${(e as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`);
        }
      }
      case 'REMOVE':
        return {
          inputs: [],
          run: () => {
            const objects = assembleObjects(state.sources, state.manifests, state.releases, state.removals).map((i) => i.object);
            const removal: Removal = { kind: resolveKind(instruction.kind, objects), name: instruction.name, ...(instruction.namespace ? { namespace: instruction.namespace } : {}) };
            if (!objects.some((o) => matchesRemoval(o, removal))) {
              throw new Error(`REMOVE ${instruction.kind}/${instruction.name}${instruction.namespace ? ` -n ${instruction.namespace}` : ''}: no such object in the artifact`);
            }
            return { effect: { type: 'remove', removal } };
          },
        };
      case 'UNINSTALL':
        return {
          inputs: [],
          run: () => {
            if (!state.releases.some((r) => r.name === instruction.release)) {
              throw new Error(`UNINSTALL ${instruction.release}: no such release (releases: ${state.releases.map((r) => r.name).join(', ') || 'none'})`);
            }
            return { effect: { type: 'uninstall', release: instruction.release } };
          },
        };
    }
  };

  for (const [index, instruction] of parsed.instructions.entries()) {
    log(`Step ${index + 1}/${total} : ${instruction.text}`);
    try {
      if (instruction.op === 'FROM') {
        const args = state.args;
        state = emptyState();
        state.args = args;
        if (instruction.reference === 'scratch') {
          log(' ---> scratch');
          key = sha256Digest(`${key}\nFROM scratch`);
        } else {
          const parent = await resolveArtifact(instruction.reference, { home, baseDir: context, pull: options.pull, log: (line) => log(` ${line}`) });
          const config = parent.config;
          state.parents = [{ reference: parent.reference, digest: parent.digest }, ...config.parents];
          state.history = [...config.history];
          state.layers = [...parent.manifest.layers];
          state.labels = { ...config.labels };
          state.settings = { ...config.settings };
          state.manifests = [...config.manifests];
          state.releases = [...config.releases];
          state.removals = [...config.removals];
          state.sources = objectsBySource(config);
          key = sha256Digest(`${key}\nFROM ${parent.digest}`);
          log(` ---> ${parent.digest.slice(7, 19)}`);
        }
        state.history.push(...preFrom, { instruction: instruction.text });
        steps.push({ instruction: instruction.text, cached: false });
        continue;
      }
      const prepared = await prepare(instruction);
      key = sha256Digest(JSON.stringify([key, instruction.text, prepared.inputs]));
      const cacheKey = key.slice('sha256:'.length);
      let entry = options.noCache ? undefined : readCache(cacheDir, cacheKey);
      const cached = entry !== undefined && (!entry.layer || store.hasBlob(entry.layer.digest));
      if (cached) {
        log(' ---> Using cache');
      } else {
        entry = await prepared.run();
        writeFileAtomic(join(cacheDir, `${cacheKey}.json`), JSON.stringify(entry));
      }
      applyEffect(state, entry!);
      // Two different definitions of one object are reported at the step that made the second.
      if (entry!.layer) assembleObjects(state.sources, state.manifests, state.releases, state.removals);
      if (entry!.layer) log(` ---> ${entry!.layer.digest.slice(7, 19)} ${formatSize(entry!.layer.size)}`);
      const history: HistoryEntry = { instruction: instruction.text, ...(entry!.layer ? { layer: entry!.layer.digest } : {}) };
      (parsed.instructions.slice(0, index).some((i) => i.op === 'FROM') ? state.history : preFrom).push(history);
      steps.push({ instruction: instruction.text, cached, layer: entry!.layer });
    } catch (e) {
      if (e instanceof K8sfileError) throw e;
      throw new K8sfileError(display, instruction.position, (e as Error).message);
    }
  }

  const objects = assembleObjects(state.sources, state.manifests, state.releases, state.removals);
  const config: ArtifactConfig = {
    schemaVersion: 1,
    parents: state.parents,
    history: state.history,
    args: state.args,
    labels: state.labels,
    settings: state.settings,
    manifests: state.manifests,
    releases: state.releases,
    removals: state.removals,
    objects,
  };
  const { digest, manifest, descriptor } = storeArtifact(store, config, state.layers);
  log(`Successfully built ${digest.slice(7, 19)} (${objects.length} objects, ${state.releases.length} releases, ${state.layers.length} layers)`);
  for (const tag of options.tags ?? []) {
    const name = storeName(parseReference(tag));
    store.tag(name, descriptor);
    log(`Successfully tagged ${name}`);
  }
  log(digest);
  return { digest, manifest, config, steps };
}
