// Runs upstream structured-merge-diff's merge tests (read from /work/shared/vectors/ssa.json) against
// apiserver/apply: the harness of internal/fixture/state.go re-implemented over k2's Updater.

import { afterAll, describe, expect, it } from 'vitest';
import { FieldSet } from '../../apiserver/apply/field-set.ts';
import { goQuote, type JsonValue } from '../../apiserver/apply/go-format.ts';
import { pathString } from '../../apiserver/apply/path.ts';
import { extractItems, merge, type TypedValue } from '../../apiserver/apply/typed.ts';
import { ApplyConflicts, conflictsFromManagers, formatConflicts, identityConverter, Updater, type ManagerSets, type VersionConverter } from '../../apiserver/apply/updater.ts';
import { dummyConverter, loadSsaVectors, reliantFieldsConverter, renamingConverter, repeatingConverter, typedValue, vectorParser, type ParserSpec, type VectorParser } from './smd-fixtures.ts';

interface VectorSet {
  apiVersion: string;
  fieldsV1: JsonValue;
  paths: string[];
}
interface Op {
  type: 'apply' | 'forceApply' | 'update' | 'extractApply' | 'changeParser';
  manager?: string;
  apiVersion?: string;
  object?: JsonValue;
  expectedConflicts?: { manager: string; path: string }[] | null;
  parser?: ParserSpec;
}
interface Vector {
  id: string;
  parser: ParserSpec;
  converter: { kind: string; parser?: ParserSpec };
  options: { returnInputOnNoop?: boolean; ignoreFilter?: Record<string, { excludeSet: VectorSet }>; ignoredFields?: Record<string, VectorSet> };
  ops: Op[];
  expectError: boolean;
  expected: { apiVersion: string; object: JsonValue; objectNotChecked?: boolean; managedFields: Record<string, VectorSet> | null; managedFieldsNotChecked?: boolean };
}

const data = loadSsaVectors() as unknown as { vectors: Vector[]; converterVectors: Vector[]; conflictVectors: { id: string; managers: Record<string, VectorSet>; expectedErrorText?: string; expectedToSet?: VectorSet }[] };

function converterFor(v: Vector, parser: VectorParser, k2Identity: boolean): VersionConverter {
  switch (v.converter.kind) {
    case 'identity':
      return k2Identity ? identityConverter : dummyConverter;
    case 'renamingConverter':
      return renamingConverter(vectorParser(v.converter.parser ?? v.parser));
    case 'repeatingConverter':
      return repeatingConverter(vectorParser(v.converter.parser ?? v.parser));
    case 'reliantFieldsConverter':
      return reliantFieldsConverter(parser);
    default:
      throw new Error(`unknown converter ${v.converter.kind}`);
  }
}

/** Runs the ops; returns an error message, or undefined when every check passes. */
function runVector(v: Vector, k2Identity = false): string | undefined {
  let parser = vectorParser(v.parser);
  const converter = converterFor(v, parser, k2Identity);
  const ignoreFilter = v.options.ignoreFilter
    ? new Map(Object.entries(v.options.ignoreFilter).map(([version, f]) => [version, (set: FieldSet) => set.recursiveDifference(FieldSet.fromFieldsV1(f.excludeSet.fieldsV1))]))
    : undefined;
  const ignoredFields = v.options.ignoredFields ? new Map(Object.entries(v.options.ignoredFields).map(([version, s]) => [version, FieldSet.fromFieldsV1(s.fieldsV1)])) : undefined;
  const updater = new Updater({ converter, ignoreFilter, ignoredFields, returnInputOnNoop: v.options.returnInputOnNoop });
  let live: TypedValue | undefined;
  let managers: ManagerSets = new Map();

  const applyObject = (config: TypedValue, version: string, manager: string, force: boolean) => {
    live ??= typedValue(parser, version, null);
    live = converter.convert(live, version);
    const result = updater.apply(live, config, version, managers, manager, force);
    managers = result.managers;
    if (result.object) live = result.object;
  };

  try {
    v.ops.forEach((op, i) => {
      try {
        switch (op.type) {
          case 'apply': {
            const config = typedValue(parser, op.apiVersion!, op.object!);
            try {
              applyObject(config, op.apiVersion!, op.manager!, false);
              if (op.expectedConflicts && op.expectedConflicts.length > 0) throw new Error(`expected conflicts ${JSON.stringify(op.expectedConflicts)}, got none`);
            } catch (e) {
              if (!(e instanceof ApplyConflicts) || !op.expectedConflicts) throw e;
              const got = e.conflicts.map((c) => `${c.manager} ${pathString(c.path)}`).sort();
              const want = op.expectedConflicts.map((c) => `${c.manager} ${c.path}`).sort();
              if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`expected conflicts ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
            }
            break;
          }
          case 'forceApply':
            applyObject(typedValue(parser, op.apiVersion!, op.object!), op.apiVersion!, op.manager!, true);
            break;
          case 'update': {
            const obj = typedValue(parser, op.apiVersion!, op.object!, true);
            live ??= typedValue(parser, op.apiVersion!, null);
            live = converter.convert(live, op.apiVersion!);
            const result = updater.update(live, obj, op.apiVersion!, managers, op.manager!);
            live = result.object;
            managers = result.managers;
            break;
          }
          case 'extractApply': {
            const config = typedValue(parser, op.apiVersion!, op.object!);
            if (!live) {
              applyObject(config, op.apiVersion!, op.manager!, true);
              break;
            }
            const current = converter.convert(live, op.apiVersion!);
            const own = managers.get(op.manager!);
            if (own && own.apiVersion !== op.apiVersion) throw new Error(`existing managed fieldpath set APIVersion (${own.apiVersion}) differs from desired (${op.apiVersion})`);
            const extracted = extractItems(current, own ? own.set.leaves() : new FieldSet());
            applyObject(merge(extracted, config), op.apiVersion!, op.manager!, true);
            break;
          }
          case 'changeParser': {
            parser = vectorParser(op.parser!);
            const current = live!;
            live = typedValue(parser, current.type.name!, current.value);
            break;
          }
        }
      } catch (e) {
        throw new Error(`failed operation ${i}: ${(e as Error).message}`);
      }
    });
  } catch (e) {
    return v.expectError ? undefined : (e as Error).message;
  }
  if (v.expectError) return 'expected an error, got none';

  if (!v.expected.objectNotChecked && v.expected.object !== null) {
    const want = typedValue(parser, v.expected.apiVersion, v.expected.object, true);
    live ??= typedValue(parser, v.expected.apiVersion, null);
    const got = converter.convert(live, v.expected.apiVersion);
    if (JSON.stringify(canonical(got.value)) !== JSON.stringify(canonical(want.value))) {
      return `object mismatch:\nwant ${JSON.stringify(want.value)}\ngot  ${JSON.stringify(got.value)}`;
    }
  }
  if (!v.expected.managedFieldsNotChecked && v.expected.managedFields) {
    const diffs: string[] = [];
    const want = new Map(Object.entries(v.expected.managedFields).map(([m, s]) => [m, { apiVersion: s.apiVersion, set: FieldSet.fromFieldsV1(s.fieldsV1) }]));
    for (const [m, w] of want) {
      const g = managers.get(m);
      if (!g) {
        if (!w.set.empty()) diffs.push(`${m}: missing (want ${w.set.toString().replaceAll('\n', ' ')})`);
      } else if (g.apiVersion !== w.apiVersion) diffs.push(`${m}: apiVersion ${g.apiVersion}, want ${w.apiVersion}`);
      else if (!g.set.equals(w.set)) diffs.push(`${m}: got {${g.set.toString().replaceAll('\n', ' ')}} want {${w.set.toString().replaceAll('\n', ' ')}}`);
    }
    for (const [m, g] of managers) if (!want.has(m) && !g.set.empty()) diffs.push(`${m}: unexpected {${g.set.toString().replaceAll('\n', ' ')}}`);
    if (diffs.length) return `managed fields differ:\n${diffs.join('\n')}`;
  }
  for (const [m, g] of managers) if (g.set.empty()) return `manager ${m} has an empty set`;
  return undefined;
}

/** Key order of maps does not matter; list order does. */
function canonical(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k]!)]));
  return v;
}

const results: { group: string; id: string; error?: string }[] = [];

// The identity vectors run twice: with upstream's test converter, and with k2's identityConverter,
// which lets the Updater skip pruning when nothing can be pruned.
for (const [group, vectors, k2Identity] of [
  ['identity converter', data.vectors, false],
  ["k2's identityConverter", data.vectors, true],
  ['test converters', data.converterVectors, false],
] as const) {
  describe(`SSA vectors (${group})`, () => {
    it.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
      const error = runVector(v, k2Identity);
      results.push({ group, id: v.id, error });
      expect(error).toBeUndefined();
    });
  });
}

describe('SSA conflict formatting vectors', () => {
  it.each(data.conflictVectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const sets: ManagerSets = new Map(Object.entries(v.managers).map(([m, s]) => [m, { apiVersion: s.apiVersion, applied: false, set: FieldSet.fromFieldsV1(s.fieldsV1) }]));
    const conflicts = conflictsFromManagers(sets);
    let error: string | undefined;
    if (v.expectedErrorText !== undefined) {
      const text = formatConflicts(conflicts, goQuote);
      if (text !== v.expectedErrorText) error = `got ${JSON.stringify(text)}`;
    }
    if (v.expectedToSet) {
      const set = FieldSet.of(...conflicts.map((c) => c.path));
      if (!set.equals(FieldSet.fromFieldsV1(v.expectedToSet.fieldsV1))) error = `set ${set.toString()}`;
    }
    results.push({ group: 'conflict formatting', id: v.id, error });
    expect(error).toBeUndefined();
  });
});

afterAll(() => {
  const groups = [...new Set(results.map((r) => r.group))];
  for (const g of groups) {
    const rs = results.filter((r) => r.group === g);
    const failed = rs.filter((r) => r.error !== undefined);
    console.log(`SSA vectors, ${g}: ${rs.length - failed.length}/${rs.length} pass`);
    for (const f of failed) console.log(`  FAIL ${f.id}: ${f.error!.split('\n')[0]}`);
  }
});
