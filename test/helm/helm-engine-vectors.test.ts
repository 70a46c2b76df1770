// Helm's own engine tests (shared/gotemplate/helm_engine_vectors.json, Helm v3.21.4 and v4.2.4) on k2's
// engine. The dump holds each Go test's chart literals, values and expected outputs but not its code, so
// each test has a small runner here that rebuilds the chart and reads the expectations from the dump.
//
// Applicable: every funcs_vectors row whose expectation is in the dump and whose data is JSON-like, and
// every engine test below. Not applicable: TestRenderWithDNS (needs DNS), TestParallelRenderInternals
// (goroutines), TestRenderWithClientProvider_error (a Go client error type), v4's TestTraceableError_* and
// TestNestedHelpersProducesMultilineStacktrace/TestMultilineNoTemplateAssociatedError (Helm 4's error
// formatting; k2 follows Helm 3's), TestRenderCustomTemplateFuncs and TestAllTemplates (Go internals).
import { describe, expect, it } from 'vitest';
import { ChartMetadata, type Chart } from '../../packaging/helm/chart.ts';
import { type Renderable, renderTemplateMap, renderTemplates, sortTemplateNames } from '../../packaging/helm/engine.ts';
import { helmFuncs } from '../../packaging/helm/helm-funcs.ts';
import { coalesceValues } from '../../packaging/helm/values.ts';
import { TemplateSet } from '../../packaging/gotemplate/template.ts';
import { fromGoLiteralJson, type GoMap, isGoMap, newMap } from '../../packaging/gotemplate/values.ts';
import { readSharedJson } from './shared.ts';
import { compareText, VectorReport } from './vector-report.ts';

interface ChartLiteral {
  var?: string;
  name: string;
  metadata: Record<string, string>;
  templates?: { name: string; data: string }[];
  files?: { name: string; data: string }[];
  values?: Record<string, unknown>;
  dependencies?: string[];
}

interface EngineTest {
  test: string;
  charts?: ChartLiteral[];
  literals?: Record<string, any>;
}

interface FuncVector {
  tpl: string;
  vars: unknown;
  expect?: string;
  expect_value?: unknown;
  table: string;
}

type Version = { tests: EngineTest[]; funcs_vectors: FuncVector[] };
const file = readSharedJson<Record<string, Version>>('gotemplate/helm_engine_vectors.json');

function buildCharts(literals: ChartLiteral[]): Map<string, Chart> {
  const byVar = new Map<string, Chart>();
  const byName = new Map<string, Chart>();
  for (const lit of literals) {
    const metadata = Object.assign(new ChartMetadata(), { Name: lit.metadata.Name, Version: lit.metadata.Version ?? '', APIVersion: 'v2' });
    const chart: Chart = {
      metadata,
      dependencies: [],
      values: (fromGoLiteralJson(lit.values ?? {}) as GoMap) ?? newMap(),
      valuesText: '',
      // A template given as Go code (v4's repeated include) is filled in by its test's runner.
      templates: (lit.templates ?? []).map((t) => ({ name: t.name, data: Buffer.from(typeof t.data === 'string' ? t.data : '') })),
      files: (lit.files ?? []).map((f) => ({ name: f.name, data: Buffer.from(f.data) })),
      subcharts: [],
    };
    if (lit.var) byVar.set(lit.var, chart);
    byName.set(lit.name, chart);
  }
  for (const lit of literals) {
    const parent = lit.var ? byVar.get(lit.var)! : byName.get(lit.name)!;
    for (const dep of lit.dependencies ?? []) {
      // A dependency is a chart variable, or (TestRenderDependency) an inline chart literal naming it.
      const child = byVar.get(dep) ?? byName.get(/Name: "([^"]+)"/.exec(dep)?.[1] ?? '');
      if (!child) throw new Error(`unknown dependency ${dep}`);
      child.parent = parent;
      parent.subcharts.push(child);
    }
  }
  return byVar.size ? byVar : byName;
}

/** The render values of a Go literal: {"go": "c.Metadata"} becomes the chart's metadata. */
function renderValues(literal: Record<string, unknown>, chart: Chart): GoMap {
  const top = fromGoLiteralJson(literal) as GoMap;
  if (isGoMap(literal.Chart) && 'go' in literal.Chart) top.Chart = chart.metadata;
  if (top.Values === '' || top.Values === undefined) top.Values = newMap();
  return top;
}

function compareOutputs(expected: Record<string, string>, out: Map<string, string>): string | undefined {
  for (const [name, want] of Object.entries(expected)) {
    const mismatch = compareText(want, out.get(name) ?? `<missing ${name}>`);
    if (mismatch) return `${name}: ${mismatch}`;
  }
  return undefined;
}

function renderError(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  return '<no error>';
}

/** `{tpl: \`…\`, vals: vals}` in the dump's Go source: the template text. */
function tplOf(go: string, literals: Record<string, any>): string {
  const raw = /tpl:\s*`([\s\S]*?)`/.exec(go);
  if (raw) return raw[1]!;
  const named = /tpl:\s*(\w+)/.exec(go);
  return String(literals[named![1]!]);
}

function tplsMap(tpls: Record<string, { go: string }>, literals: Record<string, any>, vals: GoMap): Map<string, Renderable> {
  return new Map(Object.entries(tpls).map(([name, t]) => [name, { tpl: tplOf(t.go, literals), vals, basePath: '' }]));
}

const runners: Record<string, (t: EngineTest) => string | undefined> = {
  TestSortTemplates: (t) => compareText(t.literals!.expect.join('\n'), sortTemplateNames(Object.keys(t.literals!.tpls)).join('\n')),
  TestFuncMap: (t) => {
    const funcs = { ...helmFuncs(), include: 1, tpl: 1, required: 1, lookup: 1 };
    const missing = (t.literals!.expect as string[]).filter((f) => !(f in funcs));
    const forbidden = (t.literals!.forbidden as string[]).filter((f) => f in funcs);
    return missing.length || forbidden.length ? `missing ${missing} forbidden ${forbidden}` : undefined;
  },
  TestRender: (t) => {
    const chart = buildCharts(t.charts!).get('c')!;
    const v = coalesceValues(chart, fromGoLiteralJson(t.literals!.vals) as GoMap);
    return compareOutputs(t.literals!.expect, renderTemplates(chart, v));
  },
  TestRenderRefsOrdering: (t) => {
    const charts = buildCharts(t.charts!);
    const out = renderTemplates(charts.get('parentChart')!, newMap());
    return compareOutputs(t.literals!.expect, out);
  },
  TestRenderInternals: (t) => {
    const vals = fromGoLiteralJson(t.literals!.vals) as GoMap;
    const set = new TemplateSet({ funcs: helmFuncs() });
    const out = new Map<string, string>();
    for (const [name, lit] of Object.entries(t.literals!.tpls as Record<string, { go: string }>)) set.parse(name, tplOf(lit.go, t.literals!));
    for (const name of ['one', 'two', 'three']) out.set(name, set.execute(name, name === 'three' ? vals : vals));
    return compareOutputs({ one: 'Hello One', two: 'Goodbye TWO', three: 'Goodbye THREE' }, out);
  },
  TestParseErrors: (t) => compareText(t.literals!.expected, renderError(() => renderTemplateMap(tplsMap(t.literals!.tplsUndefinedFunction, t.literals!, newMap())))),
  TestExecErrors: (t) => {
    for (const c of t.literals!.cases as { name: string; expected: string; tpls: Record<string, { go: string }> }[]) {
      const vals = fromGoLiteralJson(t.literals!.vals) as GoMap;
      const mismatch = compareText(c.expected, renderError(() => renderTemplateMap(tplsMap(c.tpls, t.literals!, vals))));
      if (mismatch) return `${c.name}: ${mismatch}`;
    }
    return undefined;
  },
  TestFailErrors: (t) => compareText(t.literals!.expected, renderError(() => renderTemplateMap(tplsMap(t.literals!.tplsFailed, t.literals!, fromGoLiteralJson(t.literals!.vals) as GoMap)))),
  TestChartValuesContainsIsRoot: (t) => compareOutputs(t.literals!.expects, renderTemplates(buildCharts(t.charts!).get('ch1') ?? [...buildCharts(t.charts!).values()][0]!, newMap())),
  TestRenderDependency: (t) => {
    const chart = buildCharts(t.charts!).get('ch')!;
    return compareText(t.literals!.expect, renderTemplates(chart, newMap()).get('outerchart/templates/outer') ?? '');
  },
  TestRenderNestedValues: (t) => {
    const charts = buildCharts(t.charts!);
    const outer = charts.get('outer')!;
    const tmp = coalesceValues(outer, fromGoLiteralJson(t.literals!.injValues) as GoMap);
    const inject = renderValues(t.literals!.inject, outer);
    inject.Values = tmp;
    const out = renderTemplates(outer, inject);
    return compareOutputs(
      {
        [t.literals!.fullouterpath]: 'Gather ye rosebuds while ye may',
        [t.literals!.fullinnerpath]: "Old time is still a-flyin'",
        [t.literals!.fulldeepestpath]: 'And this same flower that smiles to-day',
        [t.literals!.fullcheckrelease]: 'Tomorrow will be dyin',
        [t.literals!.fullchecksubcharts]: 'The glorious Lamp of Heaven, the Sun',
      },
      out,
    );
  },
  TestRenderBuiltinValues: (t) => {
    const outer = buildCharts(t.charts!).get('outer')!;
    return compareOutputs(t.literals!.expects, renderTemplates(outer, renderValues(t.literals!.inject, outer)));
  },
  TestAlterFuncMap_include: (t) => {
    const charts = buildCharts(t.charts!);
    const c = charts.get('c')!;
    const out = renderTemplates(c, renderValues(t.literals!.v, c));
    const mismatch = compareText(t.literals!.expect, out.get('conrad/templates/quote') ?? '');
    if (mismatch) return mismatch;
    const d = charts.get('d')!;
    const error = renderError(() => renderTemplates(d, renderValues(t.literals!.v, d)));
    return error.includes('rendering template has a nested reference name') && error.includes(t.literals!.expectErrName) ? undefined : `nested include error: ${error}`;
  },
  TestAlterFuncMap_require: (t) => {
    const c = buildCharts(t.charts!).get('c')!;
    const out = renderTemplates(c, renderValues(t.literals!.v, c));
    return compareOutputs({ 'conan/templates/quote': t.literals!.expectStr, 'conan/templates/bases': 'All 2 of them!' }, out);
  },
  TestAlterFuncMap_tpl: (t) => singleOutput(t, 'TplFunction/templates/base'),
  TestAlterFuncMap_tplfunc: (t) => singleOutput(t, 'TplFunction/templates/base'),
  TestAlterFuncMap_tplinclude: (t) => singleOutput(t, 'TplFunction/templates/base'),
  TestRenderRecursionLimit: (t) => {
    const charts = buildCharts(t.charts!);
    const c = charts.get('c')!;
    const error = renderError(() => renderTemplates(c, renderValues(t.literals!.v, c)));
    if (!error.includes(t.literals!.expectErr)) return `expected ${JSON.stringify(t.literals!.expectErr)} in ${JSON.stringify(error.slice(0, 300))}`;
    const d = charts.get('d')!;
    // The Go test repeats one include `times` times in a template (v4's dump names only the phrase).
    const times = Number(t.literals!.times);
    const repeated = String(t.literals!.repeatedIncl ?? '{{include "overlook" . }}');
    const expected = String(t.literals!.expect ?? `${t.literals!.phrase}\n`);
    d.templates = d.templates.map((tpl) => (tpl.name === 'templates/quote' ? { ...tpl, data: Buffer.from(repeated.repeat(times)) } : tpl));
    const out = renderTemplates(d, renderValues(t.literals!.v, d)).get('overlook/templates/quote') ?? '';
    return compareText(expected.repeat(times), out);
  },
  TestRenderLoadTemplateForTplFromFile: (t) => singleOutput(t, 'TplLoadFromFile/templates/base'),
  TestRenderTplEmpty: (t) => expectsMap(t),
  TestRenderTplTemplateNames: (t) => expectsMap(t),
  TestRenderTplRedefines: (t) => expectsMap(t),
  TestRenderTplMissingKey: (t) => expectsMap(t),
  TestRenderTplMissingKeyString: (t) => {
    const c = buildCharts(t.charts!).get('c')!;
    const error = renderError(() => renderTemplates(c, renderValues(t.literals!.v, c), { strict: true }));
    return /map has no entry for key "noSuchKey"/.test(error) ? undefined : `expected a missing-key error, got ${JSON.stringify(error)}`;
  },
  TestRenderWithClientProvider: (t) => {
    const charts = buildCharts(t.charts!);
    const c = charts.get('c')!;
    // The Go test's fake cluster: namespace default, pods pod1 (default), pod2 and pod3 (ns1).
    const objects = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod1', namespace: 'default' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod2', namespace: 'ns1' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod3', namespace: 'ns1' } },
    ];
    const cases = t.literals!.cases as Record<string, { template: string; output: string }>;
    c.templates = Object.entries(cases).map(([name, k]) => ({ name: `templates/${name}`, data: Buffer.from(k.template) }));
    const v = coalesceValues(c, fromGoLiteralJson(t.literals!.vals) as GoMap);
    const out = renderTemplates(c, v, {
      lookup: (apiVersion, kind, namespace, name) => {
        const matching = objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || o.metadata.namespace === namespace));
        if (name) return (fromGoLiteralJson(matching.find((o) => o.metadata.name === name) ?? {}) as GoMap) ?? newMap();
        return fromGoLiteralJson({ apiVersion, kind: `${kind}List`, items: matching }) as GoMap;
      },
    });
    return compareOutputs(Object.fromEntries(Object.entries(cases).map(([name, k]) => [`moby/templates/${name}`, k.output])), out);
  },
};

/** JSON with sorted keys at every level (bigints as numbers). */
function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (typeof v === 'bigint') return Number(v);
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(sort(value));
}

function singleOutput(t: EngineTest, path: string): string | undefined {
  const c = buildCharts(t.charts!).get('c')!;
  return compareText(t.literals!.expect, renderTemplates(c, renderValues(t.literals!.v, c)).get(path) ?? '<missing>');
}

function expectsMap(t: EngineTest): string | undefined {
  const c = buildCharts(t.charts!).get('c')!;
  return compareOutputs(t.literals!.expects, renderTemplates(c, renderValues(t.literals!.v, c)));
}

describe('Helm engine vectors', () => {
  it('passes at least 95% of the applicable engine tests and function vectors', () => {
    const report = new VectorReport('helm engine (pkg/engine tests and funcs_vectors, v3.21.4 + v4.2.4)');
    for (const [version, data] of Object.entries(file).filter(([k]) => k.startsWith('helm_'))) {
      for (const t of data.tests) {
        const run = runners[t.test];
        if (run) report.add(`${version}/${t.test}`, () => run(t));
      }
      data.funcs_vectors.forEach((v, i) => {
        if (v.expect === undefined && v.expect_value === undefined) return; // the dump lost the expectation
        // Helm 4's mustFuncsTests rows expecting "" render a self-referencing Go map (loopMap), which the dump cannot hold.
        if (v.table === 'TestFuncs.mustFuncsTests' && v.expect === '') return;
        if (isGoMap(v.vars) && 'go' in (v.vars as object)) return; // Go-typed data (map[int]string)
        report.add(`${version}/funcs_vectors[${i}] ${v.tpl}`, () => {
          const set = new TemplateSet({ funcs: helmFuncs(), missingKey: 'zero' });
          set.parse('test', v.tpl);
          const vars = fromGoLiteralJson(v.vars);
          const out = set.execute('test', vars).replaceAll('<no value>', '');
          if (v.expect_value !== undefined) return compareText(canonicalJson(v.expect_value), canonicalJson((vars as GoMap).dst));
          return compareText(v.expect!, out);
        });
      });
    }
    report.print();
    expect(report.rate).toBeGreaterThanOrEqual(0.95);
  });
});
