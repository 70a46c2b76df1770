// A Helm chart in memory, and loading one from its files (Helm's loader.LoadFiles): Chart.yaml (v1 and
// v2, with requirements.yaml for v1), values.yaml, values.schema.json, templates/, crds/, charts/
// (sub-charts as directories or .tgz archives) and every other file as .Files.
import { gunzipSync } from 'node:zlib';
import { GoStruct, type GoMap, isGoMap, newMap } from '../gotemplate/values.ts';
import { decodeYaml } from './goyaml.ts';
import { SemVersion } from './semver.ts';
import { extractTar } from './tar.ts';

export interface ChartFile {
  /** Path inside the chart, with forward slashes (e.g. "templates/deployment.yaml"). */
  name: string;
  data: Buffer;
}

/** One entry of Chart.yaml `dependencies` (or requirements.yaml). */
export interface Dependency {
  name: string;
  version: string;
  repository: string;
  condition: string;
  tags: string[];
  enabled: boolean;
  importValues: unknown[];
  alias: string;
}

export interface Maintainer {
  name: string;
  email: string;
  url: string;
}

/** chart.Metadata as templates see it in `.Chart` (Go field names), with IsRoot. */
export class ChartMetadata extends GoStruct {
  Name = '';
  Home = '';
  Sources: string[] = [];
  Version = '';
  Description = '';
  Keywords: string[] = [];
  Maintainers: GoMap[] = [];
  Icon = '';
  APIVersion = '';
  Condition = '';
  Tags = '';
  AppVersion = '';
  Deprecated = false;
  Annotations: GoMap = newMap();
  KubeVersion = '';
  Dependencies: GoMap[] = [];
  Type = '';
  IsRoot = false;

  override get goTypeName(): string {
    return '*chart.Metadata';
  }

  /** The JSON form (json tags with omitempty), as toYaml/toJson print `.Chart`. */
  goJson(): unknown {
    const out = newMap();
    const put = (key: string, value: unknown) => {
      if (value === '' || value === false || value === undefined || (Array.isArray(value) && value.length === 0)) return;
      if (isGoMap(value) && Object.keys(value).length === 0) return;
      out[key] = value;
    };
    put('name', this.Name);
    put('home', this.Home);
    put('sources', this.Sources);
    put('version', this.Version);
    put('description', this.Description);
    put('keywords', this.Keywords);
    put('maintainers', this.Maintainers);
    put('icon', this.Icon);
    put('apiVersion', this.APIVersion);
    put('condition', this.Condition);
    put('tags', this.Tags);
    put('appVersion', this.AppVersion);
    put('deprecated', this.Deprecated);
    put('annotations', this.Annotations);
    put('kubeVersion', this.KubeVersion);
    put('dependencies', this.Dependencies);
    put('type', this.Type);
    return out;
  }
}

export interface Chart {
  metadata: ChartMetadata;
  dependencies: Dependency[];
  /** Default values from values.yaml. */
  values: GoMap;
  /** values.yaml as written (what `show values` prints). */
  valuesText: string;
  /** values.schema.json, if any. */
  schema?: Buffer;
  templates: ChartFile[];
  /** Every other file (including crds/), as .Files sees them. */
  files: ChartFile[];
  /** Loaded sub-charts (from charts/). */
  subcharts: Chart[];
  parent?: Chart;
}

export class ChartLoadError extends Error {
  override name = 'ChartLoadError';
}

function stringField(doc: GoMap, key: string, file: string): string {
  const value = doc[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new ChartLoadError(`cannot load ${file}: error unmarshaling JSON: json: cannot unmarshal ${typeof value === 'number' ? 'number' : typeof value} into Go struct field Metadata.${key} of type string`);
  }
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

function parseDependency(raw: unknown, file: string): Dependency {
  if (!isGoMap(raw)) throw new ChartLoadError(`cannot load ${file}: dependencies must be a list of objects`);
  const str = (key: string) => {
    const v = raw[key];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw new ChartLoadError(`cannot load ${file}: json: cannot unmarshal ${typeof v} into Go struct field Dependency.dependencies.${key} of type string`);
    return v;
  };
  return {
    name: str('name'),
    version: str('version'),
    repository: str('repository'),
    condition: str('condition'),
    tags: stringList(raw.tags),
    enabled: raw.enabled === true,
    importValues: Array.isArray(raw['import-values']) ? raw['import-values'] : [],
    alias: str('alias'),
  };
}

function dependencyAsMap(d: Dependency): GoMap {
  const map = newMap();
  map.name = d.name;
  if (d.version) map.version = d.version;
  map.repository = d.repository;
  if (d.condition) map.condition = d.condition;
  if (d.tags.length) map.tags = d.tags;
  if (d.enabled) map.enabled = true;
  if (d.importValues.length) map['import-values'] = d.importValues;
  if (d.alias) map.alias = d.alias;
  return map;
}

/** Reads Chart.yaml (and, for apiVersion v1 charts, requirements.yaml's dependencies). */
function parseMetadata(data: Buffer, file: string, target: ChartMetadata, deps: Dependency[]): void {
  let doc: unknown;
  try {
    doc = decodeYaml(stripBom(data).toString('utf8'));
  } catch (e) {
    throw new ChartLoadError(`cannot load ${file}: ${(e as Error).message}`);
  }
  if (doc === null) doc = newMap();
  if (!isGoMap(doc)) throw new ChartLoadError(`cannot load ${file}: error unmarshaling JSON: json: cannot unmarshal array into Go value of type chart.Metadata`);
  if (file === 'Chart.yaml') {
    target.Name = stringField(doc, 'name', file);
    target.Home = stringField(doc, 'home', file);
    target.Sources = stringList(doc.sources);
    target.Version = stringField(doc, 'version', file);
    target.Description = stringField(doc, 'description', file);
    target.Keywords = stringList(doc.keywords);
    target.Maintainers = Array.isArray(doc.maintainers) ? (doc.maintainers.filter(isGoMap) as GoMap[]) : [];
    target.Icon = stringField(doc, 'icon', file);
    target.APIVersion = stringField(doc, 'apiVersion', file) || 'v1';
    target.Condition = stringField(doc, 'condition', file);
    target.Tags = stringField(doc, 'tags', file);
    target.AppVersion = stringField(doc, 'appVersion', file);
    target.Deprecated = doc.deprecated === true;
    target.Annotations = isGoMap(doc.annotations) ? doc.annotations : newMap();
    target.KubeVersion = stringField(doc, 'kubeVersion', file);
    target.Type = stringField(doc, 'type', file);
  }
  if (Array.isArray(doc.dependencies)) {
    deps.length = 0;
    for (const raw of doc.dependencies) deps.push(parseDependency(raw, file));
  }
}

function stripBom(data: Buffer): Buffer {
  return data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data;
}

function validateChart(c: Chart): void {
  const md = c.metadata;
  if (!md.APIVersion) throw new ChartLoadError('validation: chart.metadata.apiVersion is required');
  if (!md.Name) throw new ChartLoadError('validation: chart.metadata.name is required');
  if (md.Name.includes('/') || md.Name.includes('\\') || md.Name === '.' || md.Name === '..') {
    throw new ChartLoadError(`validation: chart.metadata.name "${md.Name}" is invalid`);
  }
  if (!md.Version) throw new ChartLoadError('validation: chart.metadata.version is required');
  try {
    SemVersion.parse(md.Version);
  } catch {
    throw new ChartLoadError(`validation: chart.metadata.version "${md.Version}" is invalid`);
  }
  if (md.Type && md.Type !== 'application' && md.Type !== 'library') throw new ChartLoadError('validation: chart.metadata.type must be application or library');
  for (const d of c.dependencies) {
    if (!d.name) throw new ChartLoadError('validation: dependencies must have a name');
    if (d.alias && !/^[a-zA-Z0-9_-]+$/.test(d.alias)) throw new ChartLoadError(`validation: dependency "${d.name}" has disallowed characters in the alias`);
  }
}

/** Builds a chart from its files (paths relative to the chart root), as Helm's loader does. */
export function loadChartFiles(files: ChartFile[]): Chart {
  const metadata = new ChartMetadata();
  const chart: Chart = { metadata, dependencies: [], values: newMap(), valuesText: '', templates: [], files: [], subcharts: [] };
  let sawChartYaml = false;
  const chartYaml = files.find((f) => f.name === 'Chart.yaml');
  if (chartYaml) {
    parseMetadata(chartYaml.data, 'Chart.yaml', metadata, chart.dependencies);
    sawChartYaml = true;
  }
  const subchartFiles = new Map<string, ChartFile[]>();
  for (const f of files) {
    if (f.name === 'Chart.yaml' || f.name === 'Chart.lock' || f.name === 'requirements.lock') continue;
    if (f.name === 'values.yaml') {
      try {
        const values = decodeYaml(stripBom(f.data).toString('utf8'));
        if (values !== null && !isGoMap(values)) throw new Error('error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}');
        chart.values = (values as GoMap | null) ?? newMap();
        chart.valuesText = f.data.toString('utf8');
      } catch (e) {
        throw new ChartLoadError(`cannot load values.yaml: ${(e as Error).message}`);
      }
    } else if (f.name === 'values.schema.json') {
      chart.schema = f.data;
    } else if (f.name === 'requirements.yaml') {
      parseMetadata(f.data, 'requirements.yaml', metadata, chart.dependencies);
      if (metadata.APIVersion === 'v1') chart.files.push(f);
    } else if (f.name.startsWith('templates/')) {
      chart.templates.push(f);
    } else if (f.name.startsWith('charts/')) {
      if (f.name.endsWith('.prov')) {
        chart.files.push(f);
        continue;
      }
      const rest = f.name.slice('charts/'.length);
      const cname = rest.split('/')[0]!;
      const list = subchartFiles.get(cname) ?? [];
      list.push({ name: rest, data: f.data });
      subchartFiles.set(cname, list);
    } else {
      chart.files.push(f);
    }
  }
  if (!sawChartYaml) throw new ChartLoadError('Chart.yaml file is missing');
  validateChart(chart);
  metadata.Dependencies = chart.dependencies.map(dependencyAsMap);
  for (const [name, subFiles] of [...subchartFiles.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.startsWith('_') || name.startsWith('.')) continue;
    let sub: Chart;
    try {
      if (name.endsWith('.tgz')) {
        const file = subFiles[0]!;
        if (file.name !== name) throw new ChartLoadError(`error unpacking subchart tar in ${metadata.Name}: expected ${name}, got ${file.name}`);
        sub = loadChartArchive(file.data);
      } else {
        sub = loadChartFiles(subFiles.filter((f) => f.name.includes('/')).map((f) => ({ name: f.name.slice(f.name.indexOf('/') + 1), data: f.data })));
      }
    } catch (e) {
      throw new ChartLoadError(`error unpacking subchart ${name} in ${metadata.Name}: ${(e as Error).message}`);
    }
    sub.parent = chart;
    chart.subcharts.push(sub);
  }
  return chart;
}

/** Loads a packaged chart (.tgz): its files sit under one top-level folder named after the chart. */
export function loadChartArchive(data: Buffer): Chart {
  let tar: Buffer;
  try {
    tar = gunzipSync(data);
  } catch (e) {
    throw new ChartLoadError(`invalid chart archive: ${(e as Error).message}`);
  }
  const entries = extractTar(tar);
  const files: ChartFile[] = [];
  for (const entry of entries) {
    const parts = entry.name.split('/');
    if (parts.length < 2) continue; // pax headers and stray top-level files
    const name = parts.slice(1).join('/');
    if (!name || name.endsWith('/')) continue;
    if (name.split('/').includes('..')) throw new ChartLoadError(`chart illegally contains ${entry.name}`);
    files.push({ name, data: entry.data });
  }
  if (!files.length) throw new ChartLoadError('no files in chart archive');
  return loadChartFiles(files);
}

/** "parent/charts/child" path of a chart inside its root, as template names use. */
export function chartFullPath(c: Chart): string {
  return c.parent ? `${chartFullPath(c.parent)}/charts/${c.metadata.Name}` : c.metadata.Name;
}

/** CRD files of a chart (crds/*.yaml|yml|json). */
export function chartCrds(c: Chart): ChartFile[] {
  return c.files.filter((f) => f.name.startsWith('crds/') && /\.(ya?ml|json)$/.test(f.name));
}

/** Copies a chart (metadata and dependency lists); file contents are shared. */
export function copyChart(c: Chart, parent?: Chart): Chart {
  const metadata = Object.assign(new ChartMetadata(), c.metadata);
  const copy: Chart = {
    ...c,
    metadata,
    dependencies: c.dependencies.map((d) => ({ ...d, tags: [...d.tags], importValues: [...d.importValues] })),
    subcharts: [],
    parent,
  };
  copy.subcharts = c.subcharts.map((s) => copyChart(s, copy));
  return copy;
}
