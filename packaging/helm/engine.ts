// Helm's template engine (pkg/engine): every template of a chart and its sub-charts parsed into one
// template set (deepest first, so a parent's {{define}} wins), each non-partial template executed with
// its chart's scope (.Values, .Chart, .Files, .Subcharts, .Template), plus include/tpl/required/fail/lookup.
import { posix } from 'node:path';
import { TemplateExecError } from '../gotemplate/exec.ts';
import type { Tree } from '../gotemplate/parse.ts';
import { TemplateSet } from '../gotemplate/template.ts';
import { type GoFunc, goFunc, type GoMap, isGoMap, newMap, withMethods } from '../gotemplate/values.ts';
import { type Chart, chartFullPath, type ChartFile, ChartMetadata } from './chart.ts';
import { encodeYaml } from './goyaml.ts';
import { helmFuncs } from './helm-funcs.ts';
import { globRegExp } from './ignore.ts';
import { table } from './values.ts';

/** The `lookup` function's backend: returns an object, a List ({items: […]}) or an empty map. */
export type LookupFunction = (apiVersion: string, kind: string, namespace: string, name: string) => GoMap;

export interface EngineOptions {
  /** missingkey=error instead of Helm's default missingkey=zero. */
  strict?: boolean;
  lookup?: LookupFunction;
  /** Extra functions, added last (Helm's CustomTemplateFuncs). */
  customFuncs?: Record<string, GoFunc>;
}

export class RenderError extends Error {
  override name = 'RenderError';
}

const recursionMaxNums = 1000;

let standardFuncMap: Record<string, GoFunc> | undefined;

/** Sprig's and Helm's stateless functions, built once. */
function standardFuncs(): Record<string, GoFunc> {
  standardFuncMap ??= helmFuncs();
  return standardFuncMap;
}

/** Parsed templates shared by renders that use Helm's standard functions (no custom ones). */
const standardParseCache = new Map<string, Map<string, Tree>>();
const warnStart = 'HELM_ERR_START';
const warnEnd = 'HELM_ERR_END';

/** One template to render: its text, the data it sees, and its chart's templates folder. */
export interface Renderable {
  tpl: string;
  vals: GoMap;
  basePath: string;
}

/** `.Files`: a map of path → bytes with Helm's methods (Get, GetBytes, Glob, AsConfig, AsSecrets, Lines). */
export function newFiles(files: Iterable<ChartFile> | Map<string, Uint8Array>): GoMap {
  const map = newMap();
  if (files instanceof Map) for (const [name, data] of files) map[name] = data;
  else for (const f of files) map[f.name] = new Uint8Array(f.data);
  const bytesOf = (name: string) => (Object.prototype.hasOwnProperty.call(map, name) ? (map[name] as Uint8Array) : new Uint8Array());
  const asYamlMap = (encode: (data: Uint8Array) => string) => {
    const out = newMap();
    for (const name of Object.keys(map)) out[posix.basename(name)] = encode(map[name] as Uint8Array);
    return encodeYaml(out).replace(/\n$/, '');
  };
  return withMethods(map, {
    GetBytes: goFunc(['string'], bytesOf),
    Get: goFunc(['string'], (name: string) => Buffer.from(bytesOf(name)).toString('utf8')),
    Glob: goFunc(['string'], (pattern: string) => {
      let re: RegExp;
      try {
        re = globRegExp(pattern);
      } catch {
        re = /^.*$/;
      }
      const matched = new Map<string, Uint8Array>();
      for (const name of Object.keys(map)) if (re.test(name)) matched.set(name, map[name] as Uint8Array);
      return newFiles(matched);
    }),
    AsConfig: goFunc([], () => asYamlMap((data) => Buffer.from(data).toString('utf8'))),
    AsSecrets: goFunc([], () => asYamlMap((data) => Buffer.from(data).toString('base64'))),
    Lines: goFunc(['string'], (path: string) => {
      const data = bytesOf(path);
      if (!data.length) return [];
      let s = Buffer.from(data).toString('utf8');
      if (s.endsWith('\n')) s = s.slice(0, -1);
      return s.split('\n');
    }),
  });
}

function chartMetadataFor(c: Chart): ChartMetadata {
  const md = Object.assign(new ChartMetadata(), c.metadata);
  md.IsRoot = !c.parent;
  return md;
}

function collectTemplates(c: Chart, templates: Map<string, Renderable>, values: GoMap): GoMap {
  const subcharts = newMap();
  const next = newMap();
  next.Chart = chartMetadataFor(c);
  next.Files = newFiles(c.files);
  next.Release = values.Release;
  next.Capabilities = values.Capabilities;
  next.Values = newMap();
  next.Subcharts = subcharts;
  if (!c.parent) next.Values = values.Values;
  else {
    const scoped = isGoMap(values.Values) ? table(values.Values as GoMap, c.metadata.Name) : undefined;
    if (scoped) next.Values = scoped;
  }
  for (const child of c.subcharts) subcharts[child.metadata.Name] = collectTemplates(child, templates, next);
  const fullPath = chartFullPath(c);
  const isLibrary = c.metadata.Type === 'library';
  for (const t of c.templates) {
    if (isLibrary && !posix.basename(t.name).startsWith('_')) continue;
    templates.set(posix.join(fullPath, t.name), { tpl: t.data.toString('utf8'), vals: next, basePath: posix.join(fullPath, 'templates') });
  }
  return next;
}

/** Deepest paths first; within a depth, reverse lexical order (Helm's sortTemplates). */
export function sortTemplateNames(names: string[]): string[] {
  const depth = (s: string) => s.split('/').length - 1;
  return [...names].sort((a, b) => {
    const da = depth(a);
    const db = depth(b);
    if (da !== db) return db - da;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}

function parseErrorMessage(filename: string, error: Error): string {
  const tokens = error.message.split(': ');
  if (tokens.length === 1) return `parse error in (${filename}): ${error.message}`;
  return `parse error at (${tokens[1]}): ${tokens[tokens.length - 1]}`;
}

function execErrorMessage(filename: string, error: Error): string {
  if (!(error instanceof TemplateExecError)) return error.message;
  const tokens = error.message.split(': ');
  if (tokens.length < 3) return `execution error in (${filename}): ${error.message}`;
  const location = tokens[1];
  const rest = tokens.slice(2).join(': ');
  const warning = new RegExp(`${warnStart}([\\s\\S]*)${warnEnd}`).exec(rest);
  if (warning) return `execution error at (${location}): ${warning[1]}`;
  return error.message;
}

/** Builds the function map bound to one template set (include and tpl close over it). */
function bindFuncs(set: TemplateSet, includedNames: Map<string, number>, options: EngineOptions): Record<string, GoFunc> {
  const include = goFunc(['string', 'any'], (name: string, data: unknown) => {
    const count = includedNames.get(name) ?? 0;
    if (count > recursionMaxNums) throw new Error(`rendering template has a nested reference name: ${name}: unable to execute template`);
    includedNames.set(name, count + 1);
    try {
      return set.execute(name, data);
    } catch (e) {
      // JavaScript's stack ends before Helm's limit of 1000 nested includes: report it as Helm does.
      if (e instanceof RangeError) throw new Error(`rendering template has a nested reference name: ${name}: unable to execute template`);
      throw e;
    } finally {
      includedNames.set(name, (includedNames.get(name) ?? 1) - 1);
    }
  });
  const tpl = goFunc(['string', 'any'], (text: string, vals: unknown) => {
    const clone = set.clone();
    clone.missingKey = options.strict ? 'error' : 'zero';
    clone.addFuncs(bindFuncs(clone, includedNames, options));
    const name = 'gotpl';
    try {
      clone.parse(name, text);
    } catch (e) {
      throw new Error(`cannot parse template ${JSON.stringify(text)}: ${(e as Error).message}`);
    }
    try {
      return clone.execute(name, vals).replaceAll('<no value>', '');
    } catch (e) {
      throw new Error(`error during tpl function execution for ${JSON.stringify(text)}: ${(e as Error).message}`);
    }
  });
  return { include, tpl };
}

/** Renders every template of the chart; returns rendered text by template path ("chart/templates/x.yaml"). */
export function renderTemplates(chart: Chart, renderValues: GoMap, options: EngineOptions = {}): Map<string, string> {
  const templates = new Map<string, Renderable>();
  collectTemplates(chart, templates, renderValues);
  return renderTemplateMap(templates, options);
}

/** Helm's Engine.render: parses all templates into one set, then executes each non-partial one. */
export function renderTemplateMap(templates: Map<string, Renderable>, options: EngineOptions = {}): Map<string, string> {
  const set = new TemplateSet({ missingKey: options.strict ? 'error' : 'zero', name: 'gotpl', parseCache: options.customFuncs ? undefined : standardParseCache });
  const includedNames = new Map<string, number>();
  const lookup = options.lookup ?? (() => newMap());
  set.addFuncs(standardFuncs());
  set.addFuncs({
    ...bindFuncs(set, includedNames, options),
    required: goFunc(['string', 'any'], (warn: string, val: unknown) => {
      if (val === null || val === undefined || val === '') throw new Error(`${warnStart}${warn}${warnEnd}`);
      return val;
    }),
    fail: goFunc(['string'], (message: string) => {
      throw new Error(`${warnStart}${message}${warnEnd}`);
    }),
    lookup: goFunc(['string', 'string', 'string', 'string'], (apiVersion: string, kind: string, namespace: string, name: string) => lookup(apiVersion, kind, namespace, name)),
  });
  if (options.customFuncs) set.addFuncs(options.customFuncs);

  const names = sortTemplateNames([...templates.keys()]);
  for (const name of names) {
    try {
      set.parse(name, templates.get(name)!.tpl);
    } catch (e) {
      throw new RenderError(parseErrorMessage(name, e as Error));
    }
  }
  const rendered = new Map<string, string>();
  for (const name of names) {
    if (posix.basename(name).startsWith('_')) continue;
    const r = templates.get(name)!;
    r.vals.Template = Object.assign(newMap(), { Name: name, BasePath: r.basePath });
    let out: string;
    try {
      out = set.execute(name, r.vals);
    } catch (e) {
      throw new RenderError(execErrorMessage(name, e as Error));
    }
    rendered.set(name, out.replaceAll('<no value>', ''));
  }
  return rendered;
}
