// Runs helm-unittest suites (tests/*_test.yaml with their __snapshot__ files) against k2's renderer, the
// way helm-unittest runs them: values from set/values, release RELEASE-NAME/NAMESPACE, Kubernetes 1.35
// with only the suite's API versions, each template's documents selected and asserted.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAllDocuments, parse as parseYamlText } from 'yaml';
import { type Chart, copyChart } from '../../packaging/helm/chart.ts';
import { loadChartDirectory } from '../../packaging/helm/sources.ts';
import { makeCapabilities } from '../../packaging/helm/capabilities.ts';
import { renderTemplates } from '../../packaging/helm/engine.ts';
import { validateValues } from '../../packaging/helm/schema.ts';
import { coalesceValues, processDependencies } from '../../packaging/helm/values.ts';
import { goRegExp } from '../../packaging/helm/sprig/regex.ts';
import { newMap } from '../../packaging/gotemplate/values.ts';

export interface AssertionOutcome {
  name: string;
  type: string;
  pass: boolean;
  detail?: string;
}

type Doc = Record<string, unknown>;
type Json = unknown;

/** Plain JS value of a rendered Go value (bigint → number, maps → objects). */
function plain(v: unknown): Json {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

/** helm-unittest removes leading new lines of strings before comparing (its issue #756 workaround). */
function withoutLeadingNewLines(v: Json): Json {
  if (typeof v === 'string') return v.replace(/^\n+/, '');
  if (Array.isArray(v)) return v.map(withoutLeadingNewLines);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutLeadingNewLines(x)]));
  return v;
}

export function deepEqualJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqualJson(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(b)) {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqualJson((a as Doc)[k], (b as Doc)[k]));
  }
  return false;
}

function isSubset(sub: Json, sup: Json): boolean {
  if (sub && typeof sub === 'object' && !Array.isArray(sub)) {
    if (!sup || typeof sup !== 'object' || Array.isArray(sup)) return false;
    return Object.entries(sub).every(([k, v]) => Object.prototype.hasOwnProperty.call(sup, k) && isSubset(v, (sup as Doc)[k]));
  }
  return deepEqualJson(sub, sup);
}

// ---- paths: a.b[0]["c.d"][?(@.name == "x")] ------------------------------------------------------

type PathStep = { key: string } | { index: number } | { wildcard: true } | { filter: { path: string; op: '==' | '!='; value: Json } };

function parsePath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  let s = path.trim().replace(/^\$\.?/, '');
  while (s.length) {
    if (s[0] === '.') {
      s = s.slice(1);
      continue;
    }
    if (s[0] === '[') {
      const close = s.startsWith('[?(') ? s.indexOf(')]') + 1 : s.indexOf(']');
      const inner = s.slice(1, close);
      s = s.slice(close + 1);
      if (inner === '*') steps.push({ wildcard: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^['"].*['"]$/.test(inner)) steps.push({ key: inner.slice(1, -1) });
      else if (inner.startsWith('?(')) {
        const m = /^\?\(@\.?(.*?)\s*(==|!=)\s*(.*)\)$/.exec(inner);
        if (!m) throw new Error(`unsupported filter ${inner}`);
        steps.push({ filter: { path: m[1]!, op: m[2] as '==' | '!=', value: parseYamlText(m[3]!) as Json } });
      } else steps.push({ key: inner });
      continue;
    }
    const m = /^[^.[]+/.exec(s)!;
    steps.push({ key: m[0] });
    s = s.slice(m[0].length);
  }
  return steps;
}

/** Every value the path reaches (none when it does not exist). */
export function getPath(doc: Json, path: string): Json[] {
  let current: Json[] = [doc];
  for (const step of parsePath(path)) {
    const next: Json[] = [];
    for (const value of current) {
      if ('key' in step) {
        if (value && typeof value === 'object' && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, step.key)) next.push((value as Doc)[step.key]);
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index < 0 ? value.length + step.index : step.index]);
      } else if ('wildcard' in step) {
        if (Array.isArray(value)) next.push(...value);
        else if (value && typeof value === 'object') next.push(...Object.values(value));
      } else {
        const items = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
        for (const item of items) {
          const got = getPath(item, step.filter.path);
          const equal = got.length > 0 && deepEqualJson(got[0], step.filter.value);
          if (step.filter.op === '==' ? equal : !equal) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

// ---- suites -----------------------------------------------------------------------------------

interface Suite {
  file: string;
  raw: Record<string, any>;
  chartRoute: string[];
}

/** Sub-chart folders enabled with the chart's default values (helm-unittest finds suites of those only). */
function enabledSubcharts(chartDir: string): Set<string> {
  const names = new Set<string>();
  try {
    const resolved = processDependencies(loadChartDirectory(chartDir), newMap());
    for (const sub of resolved.subcharts) names.add(sub.metadata.Name);
  } catch {
    // A chart that cannot be processed contributes no sub-chart suites.
  }
  return names;
}

function findSuites(chartDir: string, route: string[], pattern = /_test\.yaml$/, enabled = enabledSubcharts(chartDir)): Suite[] {
  const suites: Suite[] = [];
  const testsDir = join(chartDir, 'tests');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        // A chart inside tests/ (e.g. a library chart's test chart) has suites of its own.
        if (entry.name !== '__snapshot__' && !existsSync(join(full, 'Chart.yaml'))) walk(full);
      } else if (pattern.test(entry.name)) {
        for (const doc of parseAllDocuments(readFileSync(full, 'utf8'))) {
          const raw = doc.toJS() as Record<string, any> | null;
          if (raw && Array.isArray(raw.tests)) suites.push({ file: full, raw, chartRoute: route });
        }
      }
    }
  };
  if (existsSync(testsDir)) walk(testsDir);
  const charts = join(chartDir, 'charts');
  if (existsSync(charts)) {
    for (const entry of readdirSync(charts, { withFileTypes: true })) {
      if (entry.isDirectory() && enabled.has(entry.name)) suites.push(...findSuites(join(charts, entry.name), [...route, entry.name], pattern, enabledSubcharts(join(charts, entry.name))));
    }
  }
  return suites;
}

/** helm-unittest's BuildValueOfSetPath: "a.b[0].c" → nested maps/lists. */
function setPathValue(target: Record<string, any>, path: string, value: Json): void {
  const parts: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]!.replace(/^["']|["']$/g, ''));
  let cur: any = target;
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    if (last) {
      cur[p] = value;
      return;
    }
    if (cur[p] === undefined || cur[p] === null || typeof cur[p] !== 'object') cur[p] = typeof parts[i + 1] === 'number' ? [] : {};
    cur = cur[p];
  });
}

function mergeTables(dst: Record<string, any>, src: Record<string, any>): Record<string, any> {
  // chartutil.MergeTables(dst, src): keys missing in dst come from src; tables merge.
  for (const [k, v] of Object.entries(src)) {
    if (!(k in dst)) dst[k] = v;
    else if (dst[k] && typeof dst[k] === 'object' && !Array.isArray(dst[k]) && v && typeof v === 'object' && !Array.isArray(v)) mergeTables(dst[k], v);
  }
  return dst;
}

function scopeValues(route: string[], values: Record<string, any>): Record<string, any> {
  if (route.length > 1) {
    const scoped: Record<string, any> = {};
    if ('global' in values) scoped.global = values.global;
    scoped[route[route.length - 1]!] = values;
    return scopeValues(route.slice(0, -1), scoped);
  }
  return values;
}

function toGoValues(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (Array.isArray(v)) return v.map(toGoValues);
  if (v && typeof v === 'object') {
    const m = newMap();
    for (const [k, x] of Object.entries(v)) m[k] = toGoValues(x);
    return m;
  }
  return v;
}

function parseDocs(text: string, path: string): Doc[] {
  if (path.endsWith('.txt')) return [{ raw: text }];
  const docs: Doc[] = [];
  for (const d of parseAllDocuments(text.replace(/^---/gm, '\n---\n'), { uniqueKeys: false })) {
    if (d.errors.length) throw new Error(`YAML error in ${path}: ${d.errors[0]!.message}`);
    const value = d.toJS({ maxAliasCount: -1 }) as unknown;
    if (value && typeof value === 'object' && Object.keys(value).length) docs.push(value as Doc);
  }
  return docs;
}

interface TestContext {
  docsByTemplate: Map<string, Doc[]>;
  renderError?: string;
  snapshots: Record<string, Record<string, string>>;
  testName: string;
  snapshotIndex: number;
}

function yamlType(v: Json): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** Evaluates one assertion on the selected documents; returns a failure description or undefined. */
function assertOn(type: string, spec: Record<string, any>, docs: Doc[], allDocsCount: number, ctx: TestContext): string | undefined {
  const not = spec.not === true;
  const each = (check: (doc: Doc) => string | undefined): string | undefined => {
    for (const doc of docs) {
      const failure = check(doc);
      if (not ? failure === undefined : failure !== undefined) return not ? `expected the negation to hold` : failure;
    }
    return undefined;
  };
  const values = (doc: Doc) => (spec.path ? getPath(doc, String(spec.path)) : [doc]);
  const decode = (v: Json) => (spec.decodeBase64 && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v);
  switch (type) {
    case 'equal':
    case 'notEqual': {
      const negate = type === 'notEqual';
      return each((doc) => {
        const got = values(doc);
        const ok = got.length > 0 && deepEqualJson(withoutLeadingNewLines(decode(got[0])), withoutLeadingNewLines(spec.value));
        return ok !== negate ? undefined : `${spec.path}: expected ${negate ? 'not ' : ''}${JSON.stringify(spec.value)}, got ${JSON.stringify(got[0])}`;
      });
    }
    case 'equalRaw':
    case 'notEqualRaw':
      return each((doc) => ((doc.raw === spec.value) !== (type === 'notEqualRaw') ? undefined : `raw: expected ${JSON.stringify(spec.value)}, got ${JSON.stringify(doc.raw)}`));
    case 'matchRegex':
    case 'notMatchRegex':
    case 'matchRegexRaw':
    case 'notMatchRegexRaw': {
      const negate = type.startsWith('not');
      return each((doc) => {
        const v = type.endsWith('Raw') ? doc.raw : decode(values(doc)[0]);
        if (typeof v !== 'string') return `${spec.path ?? 'raw'}: expected a string, got ${JSON.stringify(v)}`;
        return goRegExp(String(spec.pattern)).test(v) !== negate ? undefined : `${spec.path ?? 'raw'}: ${JSON.stringify(v)} ${negate ? 'matches' : 'does not match'} ${spec.pattern}`;
      });
    }
    case 'contains':
    case 'notContains': {
      const negate = type === 'notContains';
      return each((doc) => {
        const list = values(doc)[0];
        if (!Array.isArray(list)) return `${spec.path}: expected a list, got ${JSON.stringify(list)}`;
        const matches = list.filter((x) => (spec.any ? isSubset(spec.content, x) : deepEqualJson(x, spec.content))).length;
        const ok = spec.count !== undefined ? matches === spec.count : matches > 0;
        return ok !== negate ? undefined : `${spec.path}: ${negate ? 'unexpectedly contains' : 'does not contain'} ${JSON.stringify(spec.content)}`;
      });
    }
    case 'exists':
    case 'notExists': {
      const negate = type === 'notExists';
      return each((doc) => ((values(doc).length > 0) !== negate ? undefined : `${spec.path} ${negate ? 'exists' : 'does not exist'}`));
    }
    case 'isNull':
    case 'isNotNull': {
      const negate = type === 'isNotNull';
      return each((doc) => {
        const v = values(doc)[0];
        return (v === null || v === undefined) !== negate ? undefined : `${spec.path}: null check failed (${JSON.stringify(v)})`;
      });
    }
    case 'isNullOrEmpty':
    case 'isNotNullOrEmpty':
    case 'isEmpty':
    case 'isNotEmpty': {
      const negate = type.startsWith('isNot');
      return each((doc) => {
        const v = values(doc)[0];
        const empty = v === null || v === undefined || v === '' || v === 0 || v === false || (Array.isArray(v) && !v.length) || (typeof v === 'object' && v !== null && !Object.keys(v).length);
        return empty !== negate ? undefined : `${spec.path}: emptiness check failed (${JSON.stringify(v)})`;
      });
    }
    case 'isKind':
      return each((doc) => (doc.kind === spec.of ? undefined : `kind ${JSON.stringify(doc.kind)} is not ${spec.of}`));
    case 'isAPIVersion':
      return each((doc) => (doc.apiVersion === spec.of ? undefined : `apiVersion ${JSON.stringify(doc.apiVersion)} is not ${spec.of}`));
    case 'isType':
      return each((doc) => (yamlType(values(doc)[0]) === spec.type ? undefined : `${spec.path}: type ${yamlType(values(doc)[0])} is not ${spec.type}`));
    case 'isSubset':
    case 'isNotSubset': {
      const negate = type === 'isNotSubset';
      return each((doc) => (isSubset(spec.content, values(doc)[0]) !== negate ? undefined : `${spec.path}: subset check failed`));
    }
    case 'hasDocuments': {
      const count = spec.filterAware ? docs.length : allDocsCount;
      return (count === spec.count) !== not ? undefined : `expected ${spec.count} documents, got ${count}`;
    }
    case 'lengthEqual':
    case 'notLengthEqual': {
      const negate = type === 'notLengthEqual';
      return each((doc) => {
        const paths: string[] = spec.paths ?? [spec.path];
        const lengths = paths.map((p) => {
          const found = getPath(doc, p);
          const v = found[0];
          if (found.length && (v === null || v === undefined)) return 0;
          return Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : -1;
        });
        const ok = spec.count !== undefined ? lengths.every((l) => l === spec.count) : lengths.every((l) => l === lengths[0]);
        return ok !== negate ? undefined : `lengths ${lengths.join(',')} vs ${spec.count}`;
      });
    }
    case 'greaterOrEqual':
    case 'notGreaterOrEqual':
    case 'lessOrEqual':
    case 'notLessOrEqual': {
      // helm-unittest's operatorValidator, including its precedence: `(greater && a >= e) || ((less && a <= e) == !negated)`,
      // which makes notGreaterOrEqual pass whenever the types match.
      const negated = type.startsWith('not') !== (spec.not === true);
      const greater = type.toLowerCase().includes('greater');
      for (const doc of docs) {
        const found = values(doc);
        if (!found.length) {
          if (negated) continue;
          return `unknown path '${spec.path}'`;
        }
        for (const actual of found) {
          if (typeof actual !== typeof spec.value || (typeof actual !== 'string' && typeof actual !== 'number')) return `${spec.path}: actual ${JSON.stringify(actual)} and expected ${JSON.stringify(spec.value)} types do not match`;
          const a = actual as string | number;
          const e = spec.value as string | number;
          const ok = (greater && a >= e) || ((!greater && a <= e) === !negated);
          if (!ok) return `${spec.path}: ${JSON.stringify(actual)} is not ${greater ? 'greater' : 'less'} than or equal to ${JSON.stringify(spec.value)}`;
        }
      }
      return undefined;
    }
    case 'containsDocument': {
      const found = docs.some(
        (d) => d.kind === spec.kind && d.apiVersion === spec.apiVersion && (spec.name === undefined || (d.metadata as Doc | undefined)?.name === spec.name) && (spec.namespace === undefined || (d.metadata as Doc | undefined)?.namespace === spec.namespace),
      );
      return found !== not ? undefined : `document ${spec.kind}/${spec.name ?? ''} not found`;
    }
    case 'matchSnapshot':
    case 'matchSnapshotRaw': {
      for (const doc of docs) {
        const content = type === 'matchSnapshotRaw' ? doc.raw : spec.path ? getPath(doc, String(spec.path))[0] : doc;
        ctx.snapshotIndex++;
        const stored = ctx.snapshots[ctx.testName]?.[String(ctx.snapshotIndex)];
        if (stored === undefined) return `no snapshot #${ctx.snapshotIndex} stored for "${ctx.testName}"`;
        const expected = parseYamlText(stored) as Json;
        if (!deepEqualJson(withoutLeadingNewLines(content), withoutLeadingNewLines(expected))) return `snapshot #${ctx.snapshotIndex} differs:\n      expected ${JSON.stringify(expected)}\n      got      ${JSON.stringify(content)}`;
      }
      return undefined;
    }
  }
  return `unsupported assertion type ${type}`;
}

/** helm-unittest's getTemplateFileName: paths not under templates/, charts/ or crds/ are under templates/. */
function templateFileName(name: string): string {
  return /^(templates|charts|crds|\*\*)/.test(name) ? name : `templates/${name}`;
}

/** helm-unittest's getTemplateFileNamePattern: an unanchored regular expression. */
function templatePattern(name: string): RegExp {
  const pattern = name
    .replace(/[.+[\]?()|{}^$]/g, (c) => `\\${c}`)
    .replaceAll('**', '\u0000')
    .replaceAll('*', '[0-9a-zA-Z_\\-_/\\.]*')
    .replaceAll('\u0000', '[0-9a-zA-Z_\\-/\\.]+');
  return new RegExp(pattern);
}

/** Keeps the templates a suite asserts (by helm-unittest's patterns) and every partial, in every sub-chart. */
function filterTemplates(chart: Chart, route: string, currentRoute: string, patterns: string[], skip: string[]): void {
  const matches = (list: string[], name: string) => list.some((p) => templatePattern(`${route}/${templateFileName(p)}`).test(name));
  chart.templates = chart.templates.filter((t) => {
    const name = `${currentRoute}/${t.name}`;
    if (t.name.split('/').pop()!.startsWith('_')) return true;
    return matches(patterns, name) && !matches(skip, name);
  });
  for (const sub of chart.subcharts) filterTemplates(sub, route, `${currentRoute}/charts/${sub.metadata.Name}`, patterns, skip);
}

/** Runs every suite of a chart; one outcome per assertion. */
/** Charts that carry suites: the chart itself and charts kept inside its tests/ folder. */
export function chartsWithSuites(chartDir: string): string[] {
  const found = [chartDir];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = join(dir, entry.name);
      if (existsSync(join(full, 'Chart.yaml'))) found.push(...chartsWithSuites(full));
      else walk(full);
    }
  };
  walk(join(chartDir, 'tests'));
  return found;
}

export function runChartSuites(chart: Chart, chartDir: string, pattern?: RegExp): AssertionOutcome[] {
  const outcomes: AssertionOutcome[] = [];
  for (const suite of findSuites(chartDir, [chart.metadata.Name], pattern)) {
    const s = suite.raw;
    if (s.skip?.reason) continue;
    // Post-renderers run an external program (yq); that is helm-unittest's feature, not Helm rendering.
    if (s.postRenderer) continue;
    const suiteName = `${relative(join(chartDir, '..'), suite.file)}`;
    const snapshotFile = join(dirname(suite.file), '__snapshot__', `${suite.file.slice(dirname(suite.file).length + 1)}.snap`);
    const snapshots = existsSync(snapshotFile) ? ((parseYamlText(readFileSync(snapshotFile, 'utf8')) ?? {}) as Record<string, Record<string, string>>) : {};
    const routePath = suite.chartRoute.map((r, i) => (i === 0 ? r : `charts/${r}`)).join('/');
    for (const test of s.tests as Record<string, any>[]) {
      const testName = String(test.it);
      if (test.skip?.reason) continue;
      // Values: files, then suite set, then test set (each merged under what came before, as MergeTables).
      let values: Record<string, any> = {};
      const valueFiles = [...(s.values ?? []), ...(test.values ?? [])] as string[];
      for (const f of valueFiles) values = mergeTables(scopeValues(suite.chartRoute, (parseYamlText(readFileSync(join(dirname(suite.file), f), 'utf8')) ?? {}) as Record<string, any>), values);
      for (const set of [s.set, test.set]) {
        for (const [path, value] of Object.entries((set ?? {}) as Record<string, unknown>)) {
          const one: Record<string, any> = {};
          setPathValue(one, path, structuredClone(value) as Json);
          values = mergeTables(scopeValues(suite.chartRoute, one), values);
        }
      }
      const release = { ...(s.release ?? {}), ...(test.release ?? {}) };
      const caps = { ...(s.capabilities ?? {}), ...(test.capabilities ?? {}) };
      // helm-unittest appends the suite's API versions unless the test sets `apiVersions:` to null.
      const testCaps = (test.capabilities ?? {}) as Record<string, unknown>;
      caps.apiVersions = 'apiVersions' in testCaps && testCaps.apiVersions === null ? [] : [...((testCaps.apiVersions as string[] | undefined) ?? []), ...((s.capabilities?.apiVersions as string[] | undefined) ?? [])];
      const chartOverride = { ...(s.chart ?? {}), ...(test.chart ?? {}) };
      const provider = test.kubernetesProvider ?? s.kubernetesProvider;
      const target = copyChart(chart);
      const objects = (provider?.objects ?? []) as Doc[];
      const suiteTemplates: string[] = s.templates?.length ? s.templates : ['**'];
      filterTemplates(target, routePath, target.metadata.Name, suiteTemplates, s.excludeTemplates ?? []);
      const ctx: TestContext = { docsByTemplate: new Map(), snapshots, testName, snapshotIndex: 0 };
      try {
        // helm-unittest's renderV3Chart: dependencies processed, values coalesced and checked, then the
        // chart version overrides applied, then the templates rendered.
        const userValues = toGoValues(values) as Record<string, unknown>;
        const resolved = processDependencies(target, userValues);
        const coalesced = coalesceValues(resolved, userValues);
        const problems = validateValues(resolved, coalesced);
        if (problems) throw new Error(`values don't meet the specifications of the schema(s) in the following chart(s):\n${problems}`);
        for (const c of [resolved, ...resolved.subcharts]) {
          if (chartOverride.version) c.metadata.Version = String(chartOverride.version);
          if (chartOverride.appVersion) c.metadata.AppVersion = String(chartOverride.appVersion);
        }
        const top = newMap();
        top.Chart = resolved.metadata;
        top.Capabilities = makeCapabilities({ kubeVersion: `v${caps.majorVersion ?? 1}.${caps.minorVersion ?? 35}.0`, apiVersions: (caps.apiVersions ?? []) as string[] });
        top.Release = Object.assign(newMap(), {
          Name: release.name ?? 'RELEASE-NAME',
          Namespace: release.namespace ?? 'NAMESPACE',
          IsUpgrade: release.upgrade === true,
          IsInstall: release.upgrade !== true,
          Revision: BigInt(release.revision ?? 0),
          Service: 'Helm',
        });
        top.Values = coalesced;
        const files = renderTemplates(resolved, top, {
          lookup: (apiVersion, kind, namespace, name) => {
            // Without a provider helm-unittest renders without a client: lookup returns an empty map.
            if (!provider) return newMap();
            const matching = objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || (o.metadata as Doc)?.namespace === namespace));
            if (name) return toGoValues(matching.find((o) => (o.metadata as Doc)?.name === name) ?? {}) as Record<string, unknown>;
            return toGoValues({ apiVersion, kind: `${kind}List`, metadata: { continue: '', resourceVersion: '' }, items: matching }) as Record<string, unknown>;
          },
        });
        for (const [path, text] of files) {
          if (!/\.(ya?ml|tpl|txt)$/.test(path)) continue;
          ctx.docsByTemplate.set(path, parseDocs(text, path));
        }
        if (s.includeCrds) {
          for (const crd of target.files.filter((f) => f.name.startsWith('crds/'))) ctx.docsByTemplate.set(`${target.metadata.Name}/${crd.name}`, parseDocs(crd.data.toString('utf8'), crd.name));
        }
      } catch (e) {
        ctx.renderError = (e as Error).message;
      }
      const available = [...ctx.docsByTemplate.keys()];
      const suiteWildcard = suiteTemplates.some((t) => t.includes('*'));
      const testTemplates: string[] | undefined = test.templates ?? (test.template ? [test.template] : suiteWildcard ? undefined : suiteTemplates);
      for (const [i, assertion] of ((test.asserts ?? []) as Record<string, any>[]).entries()) {
        const type = Object.keys(assertion).find((k) => !['template', 'documentIndex', 'documentSelector', 'not'].includes(k))!;
        const spec = { ...(assertion[type] ?? {}), not: assertion.not === true };
        const name = `${suiteName} :: ${testName} :: #${i} ${type}`;
        if (type === 'failedTemplate' || type === 'notFailedTemplate') {
          const failed = ctx.renderError !== undefined;
          let ok = type === 'failedTemplate' ? failed : !failed;
          if (ok && failed && spec.errorMessage) ok = ctx.renderError!.includes(String(spec.errorMessage));
          if (ok && failed && spec.errorPattern) ok = goRegExp(String(spec.errorPattern)).test(ctx.renderError!);
          outcomes.push({ name, type, pass: ok, detail: ok ? undefined : `render error: ${ctx.renderError ?? 'none'}` });
          continue;
        }
        if (ctx.renderError !== undefined) {
          outcomes.push({ name, type, pass: false, detail: `render failed: ${ctx.renderError}` });
          continue;
        }
        const templates = assertion.template ? [assertion.template] : testTemplates;
        const selected = templates ? [...new Set(templates.map((t: string) => `${routePath}/${templateFileName(t)}`))].sort() : [...available].sort();
        let failure: string | undefined;
        const documentIndex = assertion.documentIndex ?? test.documentIndex;
        const selector = assertion.documentSelector ?? test.documentSelector;
        // Documents per template, as helm-unittest validates each template on its own.
        const perTemplate: { template: string; all: Doc[]; chosen: Doc[] }[] = [];
        for (const t of selected) {
          const tdocs = ctx.docsByTemplate.get(t);
          if (!tdocs) {
            if (!selector?.skipEmptyTemplates) failure ??= `template ${t} not rendered`;
            continue;
          }
          let chosen = tdocs;
          if (selector?.path) {
            chosen = tdocs.filter((d) => getPath(d, String(selector.path)).some((v) => deepEqualJson(v, selector.value)));
            if (!selector.matchMany && chosen.length > 1) chosen = chosen.slice(0, 1);
            if (!chosen.length) continue;
          } else if (documentIndex !== undefined && documentIndex !== null) {
            if (documentIndex >= tdocs.length) {
              failure ??= `document index ${documentIndex} is out of range`;
              continue;
            }
            chosen = [tdocs[documentIndex]!];
          }
          perTemplate.push({ template: t, all: tdocs, chosen });
        }
        if (selector?.path && !perTemplate.length) {
          if (selector.skipEmptyTemplates) {
            outcomes.push({ name, type, pass: true });
            continue;
          }
          failure ??= `no document with ${selector.path} = ${JSON.stringify(selector.value)}`;
        }
        if (!failure) {
          for (const { template, all, chosen } of perTemplate) {
            const problem = assertOn(type, spec, chosen.map((d) => plain(d) as Doc), all.length, ctx);
            if (problem) {
              failure = `${template}: ${problem}`;
              break;
            }
          }
        }
        outcomes.push({ name, type, pass: failure === undefined, detail: failure });
      }
    }
  }
  return outcomes;
}
