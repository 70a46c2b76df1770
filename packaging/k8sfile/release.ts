// A release of an artifact: its chart (.tgz) rendered with its values into the objects to apply.
// CRDs of the chart's crds/ come along; hooks other than tests are applied as plain objects (there is
// no Helm hook runner on the deploy side); namespaced objects without a namespace get the release's.
import { parseAllDocuments } from 'yaml';
import type { GoMap } from '../gotemplate/values.ts';
import { loadChartArchive } from '../helm/chart.ts';
import { renderChart } from '../helm/render.ts';
import { isClusterScoped, type KubeObject } from './artifact.ts';

/** Namespaces every cluster has: a release in one of them needs no Namespace object. */
const builtinNamespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Helm values as plain JSON: maps without null prototypes, int64 (bigint) as numbers when exact. */
export function plainValues(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(plainValues);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValues(v)]));
  return value;
}

function parseDocuments(text: string, where: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${where}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: a document is not a mapping`);
    objects.push(value as KubeObject);
  }
  return objects;
}

export interface RenderedRelease {
  chart: { name: string; version: string; appVersion?: string };
  objects: KubeObject[];
}

export function renderRelease(archive: Buffer, release: { name: string; namespace: string; values: Record<string, unknown>; set?: string[] }): RenderedRelease {
  const chart = loadChartArchive(archive);
  const result = renderChart(chart, { releaseName: release.name, namespace: release.namespace, values: release.values as GoMap, set: release.set, isInstall: true });
  const where = (path: string) => `chart ${chart.metadata.Name} (release ${release.name}) ${path}`;
  const crds = result.crds.flatMap((c) => parseDocuments(c.content, where(c.path)));
  const rendered = [...result.manifests, ...result.hooks.filter((h) => !h.events.includes('test'))].flatMap((m) => parseDocuments(m.content, where(m.path)));
  const objects = [...crds, ...rendered].map((object) => {
    if (object.metadata?.namespace || isClusterScoped(object, crds)) return object;
    return { ...object, metadata: { ...object.metadata, namespace: release.namespace } };
  });
  if (!builtinNamespaces.has(release.namespace) && !objects.some((o) => o.kind === 'Namespace' && o.metadata?.name === release.namespace)) {
    objects.unshift({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: release.namespace } });
  }
  return { chart: { name: chart.metadata.Name, version: chart.metadata.Version, appVersion: chart.metadata.AppVersion || undefined }, objects };
}
