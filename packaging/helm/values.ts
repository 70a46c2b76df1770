// Values as Helm combines them: user values (-f files, --set…) merged; chart defaults coalesced with
// them, sub-chart values nested under each sub-chart's name with `global` copied down; dependencies
// enabled or disabled by `condition` and `tags`, aliases applied, and `import-values` pulled up.
import { deepCopy, type GoMap, hasKey, isGoMap, newMap } from '../gotemplate/values.ts';
import { type Chart, copyChart, type Dependency } from './chart.ts';
import { decodeYaml } from './goyaml.ts';
import { unmarshalJson } from './gojson.ts';
import { SemConstraints, SemVersion } from './semver.ts';
import { parseSetInto } from './strvals.ts';

const globalKey = 'global';

export type Warn = (message: string) => void;

const isTable = isGoMap;

/** chartutil.ReadValues: a YAML document of values; empty means {}. */
export function readValues(text: string, source = 'values'): GoMap {
  let values: unknown;
  try {
    values = decodeYaml(text);
  } catch (e) {
    throw new Error(`failed to parse ${source}: ${(e as Error).message}`);
  }
  if (values === null) return newMap();
  if (!isGoMap(values)) throw new Error(`failed to parse ${source}: error unmarshaling JSON: json: cannot unmarshal array into Go value of type map[string]interface {}`);
  return values;
}

/** cli/values mergeMaps: b over a, merging nested maps. */
export function mergeMaps(a: GoMap, b: GoMap): GoMap {
  const out = newMap();
  for (const k of Object.keys(a)) out[k] = a[k];
  for (const k of Object.keys(b)) {
    const v = b[k];
    if (isGoMap(v) && isGoMap(out[k])) out[k] = mergeMaps(out[k] as GoMap, v);
    else out[k] = v;
  }
  return out;
}

export interface UserValueOptions {
  /** Contents of -f files, in order (later wins). */
  valueFiles?: { name: string; content: string }[];
  /** Parsed maps given directly (e.g. by the K8sfile), merged after the files. */
  values?: GoMap[];
  set?: string[];
  setString?: string[];
  setJson?: string[];
}

/** Helm's values.Options.MergeValues: files, then --set-json, --set, --set-string. */
export function mergeUserValues(options: UserValueOptions): GoMap {
  let base = newMap();
  for (const file of options.valueFiles ?? []) base = mergeMaps(base, readValues(file.content, file.name));
  for (const values of options.values ?? []) base = mergeMaps(base, deepCopy(values));
  for (const value of options.setJson ?? []) {
    const trimmed = value.trim();
    if (trimmed.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = unmarshalJson(trimmed);
      } catch {
        throw new Error(`failed parsing --set-json data JSON: ${value}`);
      }
      if (!isGoMap(parsed)) throw new Error(`failed parsing --set-json data JSON: ${value}`);
      base = mergeMaps(base, parsed);
    } else parseSetInto(value, base, 'set-json');
  }
  for (const value of options.set ?? []) parseSetInto(value, base, 'set');
  for (const value of options.setString ?? []) parseSetInto(value, base, 'set-string');
  return base;
}

// ---- Values.Table / PathValue ---------------------------------------------------------------

/** Values.Table: the map at a dotted path, or undefined. */
export function table(values: GoMap, path: string): GoMap | undefined {
  let current: GoMap = values;
  for (const part of path.split('.')) {
    const next = hasKey(current, part) ? current[part] : undefined;
    if (!isGoMap(next)) return undefined;
    current = next;
  }
  return current;
}

/** Values.PathValue: a non-table value at a dotted path, or undefined. */
function pathValue(values: GoMap, path: string): unknown {
  const parts = path.split('.');
  const key = parts.pop()!;
  const t = parts.length ? table(values, parts.join('.')) : values;
  if (!t || !hasKey(t, key) || isTable(t[key])) return undefined;
  return t[key];
}

// ---- coalescing (chartutil.CoalesceValues / MergeValues) --------------------------------------

function concatPrefix(a: string, b: string): string {
  return a ? `${a}.${b}` : b;
}

function cleanNilValues(m: GoMap): void {
  for (const key of Object.keys(m)) {
    const v = m[key];
    if (v === null || v === undefined) delete m[key];
    else if (isGoMap(v)) cleanNilValues(v);
  }
}

function coalesceTables(warn: Warn, dst: GoMap | null, src: GoMap | null, prefix: string, merge: boolean): GoMap | null {
  if (!src) return dst;
  if (!dst) return src;
  const srcOriginalNonNil = new Set(Object.keys(src).filter((k) => src[k] !== null && src[k] !== undefined));
  for (const key of Object.keys(dst)) if (dst[key] === null) src[key] = null;
  for (const key of Object.keys(src)) {
    const val = src[key];
    const fullKey = concatPrefix(prefix, key);
    const present = hasKey(dst, key);
    const dv = dst[key];
    if (present && !merge && dv === null && srcOriginalNonNil.has(key)) delete dst[key];
    else if (!present) dst[key] = val;
    else if (isTable(val)) {
      if (isTable(dv)) coalesceTables(warn, dv, val, fullKey, merge);
      else warn(`warning: cannot overwrite table with non table for ${fullKey} (${String(val)})`);
    } else if (isTable(dv) && val !== null) warn(`warning: destination for ${fullKey} is a table. Ignoring non-table value (${String(val)})`);
  }
  return dst;
}

function coalesceGlobals(warn: Warn, dest: GoMap, src: GoMap, prefix: string): void {
  let dg: GoMap;
  let sg: GoMap;
  if (!hasKey(dest, globalKey)) dg = newMap();
  else if (isGoMap(dest[globalKey])) dg = dest[globalKey] as GoMap;
  else return warn(`warning: skipping globals because destination ${globalKey} is not a table.`);
  if (!hasKey(src, globalKey)) sg = newMap();
  else if (isGoMap(src[globalKey])) sg = src[globalKey] as GoMap;
  else return warn(`warning: skipping globals because source ${globalKey} is not a table.`);
  for (const key of Object.keys(sg)) {
    const val = sg[key];
    if (isTable(val)) {
      const vv = Object.assign(newMap(), val);
      if (!hasKey(dg, key)) dg[key] = vv;
      else if (!isTable(dg[key])) warn(`Conflict: cannot merge map onto non-map for "${key}". Skipping.`);
      else {
        coalesceTables(warn, vv, dg[key] as GoMap, concatPrefix(prefix, key), true);
        dg[key] = vv;
      }
    } else if (hasKey(dg, key) && isTable(dg[key])) warn(`key ${key} is table. Skipping`);
    else dg[key] = val;
  }
  dest[globalKey] = dg;
}

function coalesceChartValues(warn: Warn, c: Chart, v: GoMap, prefix: string, merge: boolean): void {
  const subPrefix = concatPrefix(prefix, c.metadata.Name);
  const defaults = deepCopy(c.values);
  for (const key of Object.keys(defaults)) {
    const val = defaults[key];
    if (hasKey(v, key)) {
      const value = v[key];
      if (value === null && !merge) delete v[key];
      else if (isGoMap(value)) {
        if (!isGoMap(val)) {
          if (val !== null) warn(`warning: skipped value for ${subPrefix}.${key}: Not a table.`);
        } else {
          const childMerge = c.subcharts.some((s) => s.metadata.Name === key) || merge;
          if (!childMerge) cleanNilValues(val);
          coalesceTables(warn, value, val, concatPrefix(subPrefix, key), childMerge);
        }
      }
    } else {
      if (!merge) {
        if (val === null) continue;
        if (isGoMap(val)) cleanNilValues(val);
      }
      v[key] = val;
    }
  }
}

function coalesceDeps(warn: Warn, c: Chart, dest: GoMap, prefix: string, merge: boolean): GoMap {
  for (const sub of c.subcharts) {
    const name = sub.metadata.Name;
    if (!hasKey(dest, name)) dest[name] = newMap();
    else if (!isTable(dest[name])) throw new Error(`type mismatch on ${name}: %!t(${typeof dest[name]}=${String(dest[name])})`);
    const dvmap = dest[name] as GoMap;
    const subPrefix = concatPrefix(prefix, c.metadata.Name);
    coalesceGlobals(warn, dvmap, dest, subPrefix);
    dest[name] = coalesceChart(warn, sub, dvmap, subPrefix, merge);
  }
  return dest;
}

function coalesceChart(warn: Warn, c: Chart, dest: GoMap, prefix: string, merge: boolean): GoMap {
  coalesceChartValues(warn, c, dest, prefix, merge);
  return coalesceDeps(warn, c, dest, prefix, merge);
}

/** chartutil.CoalesceValues: user values over chart defaults, recursively for sub-charts. */
export function coalesceValues(c: Chart, values: GoMap | null, warn: Warn = () => {}): GoMap {
  return coalesceChart(warn, c, deepCopy(values ?? newMap()), '', false);
}

/** chartutil.MergeValues: as coalesceValues but keeping nulls. */
export function mergeValues(c: Chart, values: GoMap | null, warn: Warn = () => {}): GoMap {
  return coalesceChart(warn, c, deepCopy(values ?? newMap()), '', true);
}

// ---- dependencies (chartutil.ProcessDependencies) ---------------------------------------------

function isCompatibleRange(constraint: string, version: string): boolean {
  try {
    return SemConstraints.parse(constraint).check(SemVersion.parse(version));
  } catch {
    return false;
  }
}

function aliasDependency(charts: Chart[], dep: Dependency, parent: Chart): Chart | undefined {
  for (const c of charts) {
    if (c.metadata.Name !== dep.name) continue;
    if (!isCompatibleRange(dep.version, c.metadata.Version)) continue;
    const out = copyChart(c, parent);
    if (dep.alias) out.metadata.Name = dep.alias;
    return out;
  }
  return undefined;
}

function processConditions(deps: Dependency[], cvals: GoMap, path: string, warn: Warn): void {
  for (const r of deps) {
    for (const condition of r.condition.trim().split(',')) {
      if (!condition) continue;
      const value = pathValue(cvals, path + condition);
      if (value === undefined) continue;
      if (typeof value === 'boolean') {
        r.enabled = value;
        break;
      }
      warn(`Warning: Condition path '${condition}' for chart ${r.name} returned non-bool value`);
    }
  }
}

function processTags(deps: Dependency[], cvals: GoMap): void {
  const tags = table(cvals, 'tags');
  if (!tags) return;
  for (const r of deps) {
    let hasTrue = false;
    let hasFalse = false;
    for (const k of r.tags) {
      const b = tags[k];
      if (b === true) hasTrue = true;
      else if (b === false) hasFalse = true;
    }
    if (!hasTrue && hasFalse) r.enabled = false;
    else r.enabled = true;
  }
}

function processEnabled(c: Chart, v: GoMap, path: string, warn: Warn): void {
  if (!c.dependencies.length) return;
  // Sub-charts not named in dependencies are kept as they are; named ones are resolved (with aliases).
  const chartDependencies = c.subcharts.filter((existing) => !c.dependencies.some((req) => existing.metadata.Name === req.name && isCompatibleRange(req.version, existing.metadata.Version)));
  for (const req of c.dependencies) {
    const dep = aliasDependency(c.subcharts, req, c);
    if (dep) chartDependencies.push(dep);
    if (req.alias) req.name = req.alias;
  }
  c.subcharts = chartDependencies;
  for (const d of c.dependencies) d.enabled = true;
  const cvals = coalesceValues(c, v, warn);
  processTags(c.dependencies, cvals);
  processConditions(c.dependencies, cvals, path, warn);
  const disabled = new Set(c.dependencies.filter((d) => !d.enabled).map((d) => d.name));
  c.subcharts = c.subcharts.filter((s) => !disabled.has(s.metadata.Name));
  c.dependencies = c.dependencies.filter((d) => !disabled.has(d.name));
  for (const sub of c.subcharts) processEnabled(sub, cvals, `${path}${sub.metadata.Name}.`, warn);
}

function pathToMap(path: string, data: GoMap): GoMap {
  if (path === '.') return data;
  let current = data;
  for (const part of path.split('.').reverse()) current = Object.assign(newMap(), { [part]: current });
  return current;
}

function trimNilValues(values: GoMap): GoMap {
  const copy = deepCopy(values);
  const trim = (m: GoMap) => {
    for (const key of Object.keys(m)) {
      if (m[key] === null) delete m[key];
      else if (isGoMap(m[key])) trim(m[key] as GoMap);
    }
  };
  trim(copy);
  return copy;
}

function processImportValues(c: Chart, merge: boolean, warn: Warn): void {
  if (!c.dependencies.length) return;
  const cvals = merge ? mergeValues(c, null, warn) : coalesceValues(c, null, warn);
  let b = newMap();
  for (const r of c.dependencies) {
    const out: unknown[] = [];
    for (const iv of r.importValues) {
      let child: string;
      let parent: string;
      if (isGoMap(iv)) {
        child = String(iv.child);
        parent = String(iv.parent);
      } else if (typeof iv === 'string') {
        child = `exports.${iv}`;
        parent = '.';
      } else continue;
      out.push(Object.assign(newMap(), { child, parent }));
      const vv = table(cvals, `${r.name}.${child}`);
      if (!vv) {
        warn(`Warning: ImportValues missing table from chart ${r.name}: ${child}`);
        continue;
      }
      const imported = parent === '.' && typeof iv === 'string' ? deepCopy(vv) : pathToMap(parent, deepCopy(vv));
      b = coalesceTables(warn, b, imported, '', merge)!;
    }
    r.importValues = out;
  }
  c.values = merge ? coalesceTables(warn, deepCopy(cvals), b, '', true)! : coalesceTables(warn, trimNilValues(cvals), b, '', false)!;
}

function processImportValuesRecursively(c: Chart, merge: boolean, warn: Warn): void {
  for (const d of c.subcharts) processImportValuesRecursively(d, merge, warn);
  processImportValues(c, merge, warn);
}

/**
 * chartutil.ProcessDependenciesWithMerge: returns a copy of the chart with disabled dependencies
 * removed, aliases applied and imported values merged into each chart's defaults.
 */
export function processDependencies(chart: Chart, values: GoMap, warn: Warn = () => {}): Chart {
  const c = copyChart(chart);
  processEnabled(c, values, '', warn);
  processImportValuesRecursively(c, true, warn);
  return c;
}
