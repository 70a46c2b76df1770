// Rendering a chart as `helm template` / `helm install` do: values merged and coalesced, dependencies
// resolved, schema checked, templates rendered, NOTES.txt set apart, manifests and hooks sorted.
import { filepathMatchRegExp } from './ignore.ts';
import { type GoMap, newMap } from '../gotemplate/values.ts';
import { makeCapabilities } from './capabilities.ts';
import { type Chart, chartCrds } from './chart.ts';
import { type LookupFunction, renderTemplates } from './engine.ts';
import { type Hook, type Manifest, sortManifests } from './manifests.ts';
import { validateValues } from './schema.ts';
import { SemConstraints, SemVersion } from './semver.ts';
import { coalesceValues, mergeUserValues, processDependencies, type Warn } from './values.ts';

export interface RenderOptions {
  releaseName: string;
  namespace?: string;
  /** Values given as maps (merged after valueFiles, before --set). */
  values?: GoMap;
  /** Contents of values files (-f), in order. */
  valueFiles?: { name: string; content: string }[];
  set?: string[];
  setString?: string[];
  setJson?: string[];
  /** The API versions the cluster serves; Kubernetes 1.33's list by default. */
  apiVersions?: readonly string[];
  /** Added to apiVersions (Helm's --api-versions). */
  extraApiVersions?: readonly string[];
  /** Kubernetes version for .Capabilities; k2's by default. */
  kubeVersion?: string;
  /** Backend of `lookup`; empty results when absent (as `helm template`). */
  lookup?: LookupFunction;
  isInstall?: boolean;
  isUpgrade?: boolean;
  revision?: number;
  /** missingkey=error. */
  strict?: boolean;
  skipSchemaValidation?: boolean;
  /** Include NOTES.txt of sub-charts too (Helm's --render-subchart-notes). */
  subchartNotes?: boolean;
  warn?: Warn;
}

/** A rendered manifest: its template path, YAML text, and identity. */
export type RenderedManifest = Omit<Manifest, 'annotations'>;

/** A rendered hook: a manifest with its events, weight and delete policies. */
export type RenderedHook = Omit<Hook, 'annotations'>;

export interface RenderResult {
  /** Manifests in install order. */
  manifests: RenderedManifest[];
  /** Hooks (kind-sorted; run order per event: see hooksFor). */
  hooks: RenderedHook[];
  /** Rendered NOTES.txt. */
  notes: string;
  /** Files of crds/ (not templated), root chart first. */
  crds: { path: string; content: string }[];
  /** The values the templates saw as .Values. */
  values: GoMap;
}

function withoutAnnotations<T extends { annotations: unknown }>({ annotations: _annotations, ...rest }: T): Omit<T, 'annotations'> {
  return rest;
}

function collectCrds(chart: Chart, prefix: string): { path: string; content: string }[] {
  const own = chartCrds(chart).map((f) => ({ path: `${prefix}/${f.name}`, content: f.data.toString('utf8') }));
  return [...own, ...chart.subcharts.flatMap((s) => collectCrds(s, `${prefix}/charts/${s.metadata.Name}`))];
}

export class ChartRenderError extends Error {
  override name = 'ChartRenderError';
}

/** Renders every template of the chart; returns the rendered text of each (NOTES.txt included). */
export function renderChartFiles(chart: Chart, options: RenderOptions): { chart: Chart; files: Map<string, string>; values: GoMap } {
  const warn = options.warn ?? (() => {});
  if (chart.metadata.Type === 'library') throw new ChartRenderError('library charts are not installable');
  const caps = makeCapabilities({ apiVersions: options.apiVersions, extraApiVersions: options.extraApiVersions, kubeVersion: options.kubeVersion });
  if (chart.metadata.KubeVersion) {
    let compatible = false;
    try {
      compatible = SemConstraints.parse(chart.metadata.KubeVersion).check(SemVersion.parse(caps.KubeVersion.Version));
    } catch {
      compatible = false;
    }
    if (!compatible) {
      throw new ChartRenderError(`chart requires kubeVersion: ${chart.metadata.KubeVersion} which is incompatible with Kubernetes ${caps.KubeVersion.Version}`);
    }
  }
  const userValues = mergeUserValues({
    valueFiles: options.valueFiles,
    values: options.values ? [options.values] : [],
    set: options.set,
    setString: options.setString,
    setJson: options.setJson,
  });
  const resolved = processDependencies(chart, userValues, warn);
  const values = coalesceValues(resolved, userValues, warn);
  if (!options.skipSchemaValidation) {
    const problems = validateValues(resolved, values);
    if (problems) throw new ChartRenderError(`values don't meet the specifications of the schema(s) in the following chart(s):\n${problems}`);
  }
  const release = newMap();
  release.Name = options.releaseName;
  release.Namespace = options.namespace ?? 'default';
  release.IsUpgrade = options.isUpgrade ?? false;
  release.IsInstall = options.isInstall ?? !(options.isUpgrade ?? false);
  release.Revision = BigInt(options.revision ?? 1);
  release.Service = 'Helm';
  const top = newMap();
  top.Chart = resolved.metadata;
  top.Capabilities = caps;
  top.Release = release;
  top.Values = values;
  const files = renderTemplates(resolved, top, { strict: options.strict, lookup: options.lookup });
  return { chart: resolved, files, values };
}

/** Renders a loaded chart with the given release and values. */
export function renderChart(chart: Chart, options: RenderOptions): RenderResult {
  const { chart: resolved, files: rendered, values } = renderChartFiles(chart, options);
  let notes = '';
  const rootNotes = `${resolved.metadata.Name}/templates/NOTES.txt`;
  for (const [path, text] of [...rendered.entries()]) {
    if (!path.endsWith('NOTES.txt')) continue;
    if (options.subchartNotes || path === rootNotes) notes += (notes ? '\n' : '') + text;
    rendered.delete(path);
  }
  const { manifests, hooks } = sortManifests(rendered);
  return {
    manifests: manifests.map(withoutAnnotations),
    hooks: hooks.map(withoutAnnotations),
    notes,
    crds: collectCrds(resolved, resolved.metadata.Name),
    values,
  };
}

/** The text `helm template` prints for a render: CRDs (optionally), manifests, then hooks. */
export function formatTemplateOutput(result: RenderResult, options: { includeCrds?: boolean; hooks?: boolean; skipTests?: boolean } = {}): string {
  let out = '';
  if (options.includeCrds) for (const crd of result.crds) out += `---\n# Source: ${crd.path}\n${crd.content}\n`;
  for (const m of result.manifests) out += `---\n# Source: ${m.path}\n${m.content}\n`;
  out = `${out.trim()}\n`;
  if (options.hooks ?? true) {
    for (const h of result.hooks) {
      if (options.skipTests && h.events.includes('test')) continue;
      out += `---\n# Source: ${h.path}\n${h.content}\n`;
    }
  }
  return out === '\n' ? '' : out;
}

/** `--show-only`: the documents whose source path (relative to the chart) matches a pattern; each pattern must match. */
export function selectShown(output: string, patterns: string[]): string {
  const docs = output.split(/^---\n/m).filter((d) => d.trim() !== '');
  const shown: string[] = [];
  for (const pattern of patterns) {
    const re = filepathMatchRegExp(pattern.replace(/\\/g, '/'));
    const matched = docs.filter((d) => {
      const source = /^# Source: [^/]+\/(.+)$/m.exec(d)?.[1];
      return source !== undefined && re.test(source);
    });
    if (!matched.length) throw new Error(`could not find template ${pattern} in chart`);
    shown.push(...matched);
  }
  return shown.map((d) => `---\n${d.replace(/\n$/, '')}\n`).join('');
}
