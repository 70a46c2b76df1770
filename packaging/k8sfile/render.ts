// An artifact's objects for a deploy: as recorded at build time, or with per-environment values
// (keyed by release name) re-rendering the releases they name from the chart .tgz stored in the artifact.
import type { GoMap } from '../gotemplate/values.ts';
import { mergeMaps } from '../helm/values.ts';
import { assembleObjects, type ArtifactConfig, type KubeObject, objectsBySource, releaseSource } from './artifact.ts';
import { renderRelease } from './release.ts';
import { unpackTarGz } from './reproducible-tar.ts';
import type { OciLayout, OciManifest } from './store.ts';

export interface Artifact {
  /** The reference it was opened by. */
  reference: string;
  /** The manifest digest (sha256:…). */
  digest: string;
  manifest: OciManifest;
  config: ArtifactConfig;
  /** The local store holding its blobs. */
  store: OciLayout;
}

export interface RenderOptions {
  /** Values per release name, merged over the artifact's values of that release (later files win). */
  values?: Record<string, object>;
  /** `release.path=value` (Helm --set syntax after the release name), applied last. */
  set?: string[];
}

export interface RenderedArtifact {
  reference: string;
  digest: string;
  /** The FROM chain, nearest first. */
  parents: { reference: string; digest: string }[];
  /** k2 server settings the artifact carries: flag name → value as written (`--${name}=${value}`), already validated. */
  settings: Record<string, string>;
  /** In apply order: CustomResourceDefinitions, Namespaces, then Helm's install order. */
  objects: KubeObject[];
  releases: { name: string; namespace: string; chart: string; version: string }[];
}

/** The chart archive a release recorded, from its layer. */
export function releaseArchive(artifact: Artifact, releaseName: string): Buffer {
  const release = artifact.config.releases.find((r) => r.name === releaseName);
  if (!release) throw new Error(`${artifact.reference} has no release ${releaseName}`);
  const entry = unpackTarGz(artifact.store.readBlob(release.layer)).find((e) => e.name === release.archive);
  if (!entry) throw new Error(`${artifact.reference}: layer ${release.layer} lacks ${release.archive}`);
  return entry.data;
}

export async function renderArtifact(artifact: Artifact, options: RenderOptions = {}): Promise<RenderedArtifact> {
  const { config } = artifact;
  const names = new Set(config.releases.map((r) => r.name));
  const known = () => [...names].join(', ') || 'none';
  const sets = new Map<string, string[]>();
  for (const expression of options.set ?? []) {
    const dot = expression.indexOf('.');
    const eq = expression.indexOf('=');
    if (dot <= 0 || eq < dot) throw new Error(`--set ${expression}: want release.path=value`);
    const release = expression.slice(0, dot);
    if (!names.has(release)) throw new Error(`--set ${expression}: ${artifact.reference} has no release "${release}" (releases: ${known()})`);
    sets.set(release, [...(sets.get(release) ?? []), expression.slice(dot + 1)]);
  }
  for (const release of Object.keys(options.values ?? {})) {
    if (!names.has(release)) throw new Error(`values for release "${release}": ${artifact.reference} has no such release (releases: ${known()}); values files are keyed by release name`);
  }
  const affected = new Set([...Object.keys(options.values ?? {}), ...sets.keys()]);
  let objects = config.objects;
  if (affected.size) {
    const sources = objectsBySource(config);
    for (const release of config.releases.filter((r) => affected.has(r.name))) {
      const extra = options.values?.[release.name];
      if (extra !== undefined && (typeof extra !== 'object' || extra === null || Array.isArray(extra))) throw new Error(`values for release "${release.name}" must be a mapping`);
      const values = extra ? mergeMaps(release.values as GoMap, extra as GoMap) : release.values;
      const rendered = renderRelease(releaseArchive(artifact, release.name), { name: release.name, namespace: release.namespace, values, set: sets.get(release.name) });
      sources.set(releaseSource(release.name), rendered.objects);
    }
    objects = assembleObjects(sources, config.manifests, config.releases, config.removals);
  }
  return {
    reference: artifact.reference,
    digest: artifact.digest,
    parents: config.parents,
    settings: config.settings,
    objects: objects.map((o) => o.object),
    releases: config.releases.map((r) => ({ name: r.name, namespace: r.namespace, chart: r.chart, version: r.version })),
  };
}
