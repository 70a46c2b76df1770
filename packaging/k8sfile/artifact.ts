// The artifact format: an OCI image manifest whose config (application/vnd.k2.artifact.config.v1+json)
// records the parent chain, the history of instructions, args, labels, settings, the manifests and
// releases and their rendered objects; layers are gzipped tars (manifests, or a chart .tgz and its release).
import { builtinKinds } from '../../apiserver/kinds/index.ts';
import { isDeepStrictEqual } from 'node:util';
import { sortByKind } from '../helm/manifests.ts';

export const k2ArtifactType = 'application/vnd.k2.artifact.v1';
export const artifactConfigMediaType = 'application/vnd.k2.artifact.config.v1+json';
export const manifestsLayerMediaType = 'application/vnd.k2.artifact.manifests.v1.tar+gzip';
export const releaseLayerMediaType = 'application/vnd.k2.artifact.release.v1.tar+gzip';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ParentRecord {
  reference: string;
  digest: string;
}

export interface ReleaseRecord {
  name: string;
  namespace: string;
  chart: string;
  version: string;
  appVersion?: string;
  /** sha256 of the chart's .tgz. */
  digest: string;
  /** Where the chart came from: helm/<repo>/<chart>@<version> (URL), oci://…, or a path in the build context. */
  source: string;
  /** The layer holding the chart .tgz (at `archive`) and the release's values. */
  layer: string;
  archive: string;
  /** The user values of the release (values files merged, then --set), as rendered. */
  values: Record<string, unknown>;
}

export interface ManifestRecord {
  /** `manifests/<path in the build context>`. */
  source: string;
  layer: string;
}

export interface HistoryEntry {
  instruction: string;
  /** The layer this instruction made; absent for instructions that only change the config. */
  layer?: string;
}

export interface Removal {
  kind: string;
  name: string;
  namespace?: string;
}

export interface ArtifactConfig {
  schemaVersion: 1;
  /** The FROM chain, nearest first. */
  parents: ParentRecord[];
  /** Every instruction of the chain, oldest first (the parents' too). */
  history: HistoryEntry[];
  args: Record<string, string>;
  labels: Record<string, string>;
  /** k2 server settings (flag names) the artifact carries. */
  settings: Record<string, string>;
  manifests: ManifestRecord[];
  releases: ReleaseRecord[];
  removals: Removal[];
  /** The rendered objects in apply order, each with the manifest file or release it came from. */
  objects: { source: string; object: KubeObject }[];
}

export function emptyConfig(): ArtifactConfig {
  return { schemaVersion: 1, parents: [], history: [], args: {}, labels: {}, settings: {}, manifests: [], releases: [], removals: [], objects: [] };
}

export function releaseSource(name: string): string {
  return `release/${name}`;
}

function apiGroup(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

/** Names a kind can be given by (REMOVE deploy/x): kind, plural, singular and short names, lowercase. */
function kindNames(objects: KubeObject[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const d of builtinKinds) {
    for (const n of [d.kind, d.plural, d.singular, ...(d.shortNames ?? [])]) if (n && !names.has(n.toLowerCase())) names.set(n.toLowerCase(), d.kind);
  }
  for (const crd of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const spec = crd.spec as { names?: { kind?: string; plural?: string; singular?: string; shortNames?: string[] } } | undefined;
    const kind = spec?.names?.kind;
    if (!kind) continue;
    for (const n of [kind, spec.names!.plural, spec.names!.singular, ...(spec.names!.shortNames ?? [])]) if (n) names.set(n.toLowerCase(), kind);
  }
  return names;
}

/** The Kind a REMOVE names (`deploy`, `deployments`, `Deployment` all give Deployment). */
export function resolveKind(word: string, objects: KubeObject[]): string {
  const bare = word.includes('.') ? word.slice(0, word.indexOf('.')) : word;
  return kindNames(objects).get(bare.toLowerCase()) ?? bare;
}

export function matchesRemoval(object: KubeObject, removal: Removal): boolean {
  return (
    (object.kind ?? '').toLowerCase() === removal.kind.toLowerCase() &&
    object.metadata?.name === removal.name &&
    (removal.namespace === undefined || (object.metadata?.namespace ?? 'default') === removal.namespace)
  );
}

/** Whether a kind is cluster-scoped: built-in kinds by their scope, custom kinds by a CRD among the objects. */
export function isClusterScoped(object: KubeObject, crds: KubeObject[]): boolean {
  const group = apiGroup(object.apiVersion);
  const builtin = builtinKinds.find((d) => d.kind === object.kind && d.group === group);
  if (builtin) return !builtin.namespaced;
  const crd = crds.find((c) => {
    const spec = c.spec as { group?: string; names?: { kind?: string } } | undefined;
    return spec?.group === group && spec?.names?.kind === object.kind;
  });
  return (crd?.spec as { scope?: string } | undefined)?.scope === 'Cluster';
}

/** Apply order: CustomResourceDefinitions, then Namespaces, then Helm's install order (stable otherwise). */
export function applyOrder<T extends { object: KubeObject }>(items: T[]): T[] {
  const rank = (kind: string | undefined) => (kind === 'CustomResourceDefinition' ? 0 : kind === 'Namespace' ? 1 : 2);
  const firsts = items.filter((i) => rank(i.object.kind) < 2).sort((a, b) => rank(a.object.kind) - rank(b.object.kind));
  const rest = items.filter((i) => rank(i.object.kind) === 2).map((item) => ({ kind: item.object.kind ?? '', item }));
  return [...firsts, ...sortByKind(rest).map(({ item }) => item)];
}

export function objectKey(object: KubeObject): string {
  return `${object.kind ?? ''}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * The objects to apply: each manifest file's (in the order they were added), then each release's,
 * removals applied, identical duplicates dropped (two different definitions of one object are an
 * error), in apply order.
 */
export function assembleObjects(sources: Map<string, KubeObject[]>, manifests: ManifestRecord[], releases: ReleaseRecord[], removals: Removal[]): { source: string; object: KubeObject }[] {
  const seen = new Map<string, { source: string; object: KubeObject }>();
  const items: { source: string; object: KubeObject }[] = [];
  for (const source of [...manifests.map((m) => m.source), ...releases.map((r) => releaseSource(r.name))]) {
    for (const object of sources.get(source) ?? []) {
      if (removals.some((r) => matchesRemoval(object, r))) continue;
      const key = objectKey(object);
      const earlier = seen.get(key);
      if (earlier) {
        if (isDeepStrictEqual(earlier.object, object)) continue;
        const name = `${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
        throw new Error(`${object.kind} ${name} is defined twice, differently: by ${earlier.source} and by ${source}`);
      }
      const item = { source, object };
      seen.set(key, item);
      items.push(item);
    }
  }
  return applyOrder(items);
}

/** The objects of an artifact's config by the manifest file or release they came from. */
export function objectsBySource(config: ArtifactConfig): Map<string, KubeObject[]> {
  const sources = new Map<string, KubeObject[]>();
  for (const { source, object } of config.objects) sources.set(source, [...(sources.get(source) ?? []), object]);
  return sources;
}
