// Where charts come from: a directory (honouring .helmignore), a packaged .tgz, a URL to a .tgz, an HTTP(S)
// chart repository (index.yaml), or an OCI registry (oci://host/path/chart, Helm's chart media types).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type GoMap, isGoMap } from '../gotemplate/values.ts';
import { type Chart, ChartLoadError, type ChartFile, loadChartArchive, loadChartFiles } from './chart.ts';
import { decodeYaml } from './goyaml.ts';
import { IgnoreRules } from './ignore.ts';
import { SemConstraints, SemVersion } from './semver.ts';

export const helmChartContentMediaType = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const helmChartConfigMediaType = 'application/vnd.cncf.helm.config.v1+json';
const ociManifestMediaType = 'application/vnd.oci.image.manifest.v1+json';

export interface ChartSourceOptions {
  /** A version or version range (repositories and OCI); the newest stable version by default. */
  version?: string;
  /** Chart repository URL: then `source` is the chart's name in that repository. */
  repo?: string;
  /** Use plain HTTP for an OCI registry (always used for loopback hosts). */
  plainHttp?: boolean;
  /** Basic-auth credentials for the repository or registry. */
  username?: string;
  password?: string;
  /** Abort downloads after this many milliseconds (default 60 s). */
  timeoutMs?: number;
}

const maxFileSize = 5 * 1024 * 1024;

/** Loads a chart directory as Helm's loader.LoadDir does (.helmignore and default ignores applied). */
export function loadChartDirectory(dir: string): Chart {
  return loadChartFiles(chartDirectoryFiles(dir));
}

/** The files of a chart directory that Helm loads (and `helm package` packs), in name order. */
export function chartDirectoryFiles(dir: string): ChartFile[] {
  let rules = new IgnoreRules();
  try {
    rules = IgnoreRules.parse(readFileSync(join(dir, '.helmignore'), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  rules.addDefaults();
  const files: ChartFile[] = [];
  const walk = (relative: string) => {
    const absolute = relative ? join(dir, relative) : dir;
    for (const entry of readdirSync(absolute, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (!rules.ignores(name, true)) walk(name);
        continue;
      }
      if (rules.ignores(name, false)) continue;
      if (!stat.isFile()) throw new ChartLoadError(`cannot load irregular file ${full} as it has file mode type bits set`);
      if (stat.size > maxFileSize) throw new ChartLoadError(`chart file "${name}" is larger than the maximum file size ${maxFileSize}`);
      let data = readFileSync(full);
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
      files.push({ name, data });
    }
  };
  walk('');
  return files;
}

function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\](:\d+)?$/g, '').replace(/:\d+$/, '');
  return bare === 'localhost' || bare === '::1' || /^127\./.test(bare);
}

async function download(url: string, options: ChartSourceOptions, headers: Record<string, string> = {}): Promise<Response> {
  const auth: Record<string, string> = options.username !== undefined ? { authorization: `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}` } : {};
  const response = await fetch(url, { headers: { ...auth, ...headers }, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000), redirect: 'follow' });
  return response;
}

async function downloadBytes(url: string, options: ChartSourceOptions): Promise<Buffer> {
  const response = await download(url, options);
  if (!response.ok) throw new ChartLoadError(`failed to fetch ${url} : ${response.status} ${response.statusText}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Picks the version to use: an exact match, else the newest satisfying the range (stable unless asked). */
function pickVersion(versions: string[], wanted: string | undefined, what: string): string {
  const parsed = versions.flatMap((v) => {
    try {
      return [{ text: v, version: SemVersion.parse(v) }];
    } catch {
      return [];
    }
  });
  if (wanted && versions.includes(wanted)) return wanted;
  let constraint: SemConstraints | undefined;
  try {
    constraint = SemConstraints.parse(wanted && wanted.trim() ? wanted : '*');
  } catch (e) {
    throw new ChartLoadError(`invalid version ${JSON.stringify(wanted)} for ${what}: ${(e as Error).message}`);
  }
  const candidates = parsed.filter((p) => constraint!.check(p.version)).sort((a, b) => b.version.compare(a.version));
  if (!candidates.length) throw new ChartLoadError(`${what}: no chart version found${wanted ? ` for ${JSON.stringify(wanted)}` : ''}`);
  return candidates[0]!.text;
}

/** Fetches a chart from an HTTP(S) chart repository through its index.yaml. */
export async function loadChartFromRepository(repoUrl: string, name: string, options: ChartSourceOptions = {}): Promise<Chart> {
  return loadChartArchive((await fetchChartArchiveFromRepository(repoUrl, name, options)).archive);
}

/** The packaged chart (.tgz bytes) a chart repository serves for a name and version (range). */
export async function fetchChartArchiveFromRepository(repoUrl: string, name: string, options: ChartSourceOptions = {}): Promise<{ archive: Buffer; version: string; url: string }> {
  const base = repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`;
  const indexText = (await downloadBytes(new URL('index.yaml', base).toString(), options)).toString('utf8');
  const index = decodeYaml(indexText);
  if (!isGoMap(index) || !isGoMap(index.entries)) throw new ChartLoadError(`${base}index.yaml is not a chart repository index`);
  const entries = index.entries[name];
  if (!Array.isArray(entries) || !entries.length) throw new ChartLoadError(`chart "${name}" not found in ${repoUrl} repository`);
  const byVersion = new Map<string, GoMap>();
  for (const e of entries) if (isGoMap(e) && typeof e.version === 'string') byVersion.set(e.version, e);
  const version = pickVersion([...byVersion.keys()], options.version, `chart "${name}" in ${repoUrl}`);
  const entry = byVersion.get(version)!;
  const urls = Array.isArray(entry.urls) ? entry.urls.filter((u): u is string => typeof u === 'string') : [];
  if (!urls.length) throw new ChartLoadError(`chart "${name}" version ${version} has no download URL`);
  const url = new URL(urls[0]!, base).toString();
  const archive = await downloadBytes(url, options);
  if (typeof entry.digest === 'string' && entry.digest) {
    const digest = createHash('sha256').update(archive).digest('hex');
    if (digest !== entry.digest.replace(/^sha256:/, '')) throw new ChartLoadError(`chart "${name}" version ${version}: digest mismatch (index ${entry.digest}, downloaded sha256:${digest})`);
  }
  return { archive, version, url };
}

interface OciReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

function parseOciReference(ref: string): OciReference {
  const rest = ref.replace(/^oci:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) throw new ChartLoadError(`invalid OCI reference ${ref}: expected oci://host/path/chart`);
  const registry = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  let digest: string | undefined;
  let tag: string | undefined;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
  }
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  return { registry, repository: path, tag, digest };
}

/** The distribution API's bearer-token dance for anonymous or basic-auth access. */
async function ociRequest(url: string, options: ChartSourceOptions, accept: string, token: { value?: string }): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (token.value) headers.authorization = `Bearer ${token.value}`;
  let response = await download(url, token.value ? {} : options, headers);
  if (response.status !== 401) return response;
  const challenge = response.headers.get('www-authenticate') ?? '';
  const bearer = /^Bearer\s+(.*)$/i.exec(challenge);
  if (!bearer) return response;
  const params = Object.fromEntries([...bearer[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  if (!params.realm) return response;
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set('service', params.service);
  if (params.scope) tokenUrl.searchParams.set('scope', params.scope);
  const tokenResponse = await download(tokenUrl.toString(), options);
  if (!tokenResponse.ok) throw new ChartLoadError(`registry authentication failed: ${tokenResponse.status} ${tokenResponse.statusText}`);
  const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
  token.value = body.token ?? body.access_token;
  headers.authorization = `Bearer ${token.value}`;
  response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
  return response;
}

/** Pulls a chart from an OCI registry (oci://registry/repository[:tag|@digest]). */
export async function loadChartFromOci(reference: string, options: ChartSourceOptions = {}): Promise<Chart> {
  return loadChartArchive((await fetchChartArchiveFromOci(reference, options)).archive);
}

/** The packaged chart (.tgz bytes) of an OCI chart reference, and the tag or digest it was pulled by. */
export async function fetchChartArchiveFromOci(reference: string, options: ChartSourceOptions = {}): Promise<{ archive: Buffer; target: string }> {
  const ref = parseOciReference(reference);
  const scheme = options.plainHttp || isLoopback(ref.registry) ? 'http' : 'https';
  const base = `${scheme}://${ref.registry}/v2/${ref.repository}`;
  const token: { value?: string } = {};
  let target = ref.digest ?? ref.tag;
  if (!target) {
    const tagsResponse = await ociRequest(`${base}/tags/list`, options, 'application/json', token);
    if (!tagsResponse.ok) throw new ChartLoadError(`failed to list tags of ${reference}: ${tagsResponse.status} ${tagsResponse.statusText}`);
    const tags = ((await tagsResponse.json()) as { tags?: string[] }).tags ?? [];
    // OCI tags cannot hold '+': Helm pushes 1.0.0+build as 1.0.0_build.
    const version = pickVersion(tags.map((t) => t.replace(/_/g, '+')), options.version, reference);
    target = version.replace(/\+/g, '_');
  } else if (ref.tag && options.version && options.version !== ref.tag) {
    throw new ChartLoadError(`chart reference and version mismatch: ${ref.tag} is not ${options.version}`);
  }
  const manifestResponse = await ociRequest(`${base}/manifests/${target}`, options, `${ociManifestMediaType}, application/vnd.docker.distribution.manifest.v2+json`, token);
  if (!manifestResponse.ok) throw new ChartLoadError(`failed to fetch ${reference}: ${manifestResponse.status} ${manifestResponse.statusText}`);
  const manifest = (await manifestResponse.json()) as { config?: { mediaType?: string }; layers?: { mediaType: string; digest: string }[] };
  if (manifest.config?.mediaType && manifest.config.mediaType !== helmChartConfigMediaType) {
    throw new ChartLoadError(`${reference} is not a Helm chart (config media type ${manifest.config.mediaType})`);
  }
  const layer = manifest.layers?.find((l) => l.mediaType === helmChartContentMediaType || l.mediaType === 'application/tar+gzip');
  if (!layer) throw new ChartLoadError(`${reference} has no layer of type ${helmChartContentMediaType}`);
  const blobResponse = await ociRequest(`${base}/blobs/${layer.digest}`, options, '*/*', token);
  if (!blobResponse.ok) throw new ChartLoadError(`failed to fetch chart layer ${layer.digest}: ${blobResponse.status} ${blobResponse.statusText}`);
  const archive = Buffer.from(await blobResponse.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(archive).digest('hex')}`;
  if (layer.digest.startsWith('sha256:') && digest !== layer.digest) throw new ChartLoadError(`chart layer digest mismatch: expected ${layer.digest}, got ${digest}`);
  return { archive, target };
}

/**
 * Loads a chart from any source: a directory, a .tgz file, an http(s) URL of a .tgz, oci://…, or a
 * chart name with options.repo set to a chart repository URL.
 */
export async function loadChart(source: string, options: ChartSourceOptions = {}): Promise<Chart> {
  if (options.repo) return loadChartFromRepository(options.repo, source, options);
  if (source.startsWith('oci://')) return loadChartFromOci(source, options);
  if (/^https?:\/\//.test(source)) return loadChartArchive(await downloadBytes(source, options));
  let stat;
  try {
    stat = statSync(source);
  } catch {
    throw new ChartLoadError(`path "${source}" not found`);
  }
  if (stat.isDirectory()) return loadChartDirectory(source);
  return loadChartArchive(readFileSync(source));
}

