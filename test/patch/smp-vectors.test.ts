// Runs upstream's strategic merge patch vectors (read from /work/shared/vectors/strategicpatch.json):
// patch application ("apply" vectors, what the server does) and, since kubectl computes them the same
// way, two-way and three-way patch creation. Prints pass counts and failures by name.

import { afterAll, describe, expect, it } from 'vitest';
import { goJsonMarshal, type JsonObject, type JsonValue } from '../../apiserver/apply/go-format.ts';
import { MergeConflictError, MergePatchError } from '../../apiserver/patch/merge-errors.ts';
import { PatchMetaError, PatchSchema } from '../../apiserver/patch/patch-meta.ts';
import { createThreeWayMergePatch, createTwoWayMergePatch } from '../../apiserver/patch/strategic-diff.ts';
import { strategicMergeMapPatch } from '../../apiserver/patch/strategic-merge.ts';
import { loadSmpVectors, sortMergeListsByName, vectorDefinitions, vectorKindSchema, type SmpVector } from './smp-fixtures.ts';

const file = loadSmpVectors();
const definitions = vectorDefinitions(file);
const schemaFor = (name: string) => PatchSchema.of(vectorKindSchema(name, definitions));

const clone = <T extends JsonValue>(v: T): T => structuredClone(v);
const doc = (v: JsonValue | undefined): JsonObject => (v === null || v === undefined ? {} : clone(v as JsonObject));
const text = (v: JsonValue) => goJsonMarshal(v);

function apply(original: JsonValue | undefined, patch: JsonValue, schema: PatchSchema): JsonObject {
  return strategicMergeMapPatch(doc(original), doc(patch), schema);
}

function isExpectedError(e: unknown): e is Error {
  return e instanceof MergePatchError || e instanceof PatchMetaError;
}

interface Outcome {
  patch?: string;
  result?: string;
  error?: string;
}

function twoWay(original: JsonValue | undefined, modified: JsonValue | undefined, schema: PatchSchema): Outcome {
  try {
    const patch = createTwoWayMergePatch(doc(original), doc(modified), schema);
    const patchText = text(patch);
    return { patch: patchText, result: text(apply(original, patch, schema)) };
  } catch (e) {
    if (isExpectedError(e)) return { error: e.message };
    throw e;
  }
}

function threeWay(original: JsonValue | undefined, modified: JsonValue | undefined, current: JsonValue | undefined, schema: PatchSchema, overwrite: boolean): Outcome & { conflict?: boolean } {
  try {
    const patch = createThreeWayMergePatch(doc(original), doc(modified), doc(current), schema, overwrite);
    return { patch: text(patch), result: text(apply(current, patch, schema)) };
  } catch (e) {
    if (e instanceof MergeConflictError) return { conflict: true, error: e.message };
    if (isExpectedError(e)) return { error: e.message };
    throw e;
  }
}

/** Checks one vector; returns what differs, or undefined. */
function check(v: SmpVector): string | undefined {
  const schema = schemaFor(v.schema);
  const n = v.format === 'yaml-table' ? v.normalized! : undefined;
  const input = (k: string): JsonValue | undefined => (v.format === 'json-text' ? (JSON.parse(v.input[`${k}Text`] as string) as JsonValue) : n ? n[k] : v.input[k]);
  const expectedText = (section: Record<string, JsonValue>, k: 'patch' | 'result', nk: string): string | undefined => {
    if (v.format === 'json-text') return section[`${k}Text`] as string | undefined;
    if (n && nk in n) return text(n[nk]!);
    return k in section ? text(section[k]!) : undefined;
  };

  if (v.exercises.includes('apply')) {
    const expected = v.expected;
    try {
      const got = text(apply(input('original'), input('patch') ?? null, schema));
      if (expected.errorContains) return `expected error containing ${JSON.stringify(expected.errorContains)}, got result ${got}`;
      const want = n ? text(n.result!) : text(expected.result!);
      return got === want ? undefined : `result ${got}, want ${want}`;
    } catch (e) {
      if (!isExpectedError(e)) throw e;
      if (expected.errorContains && e.message.includes(expected.errorContains as string)) return undefined;
      return `error ${e.message}`;
    }
  }

  const problems: string[] = [];
  const two = v.expected.twoWay as Record<string, JsonValue> | undefined;
  if (two) {
    const got = twoWay(input('original'), input('modified'), schema);
    const errorOk = two.errorContains !== undefined && got.error?.includes(two.errorContains as string);
    if (errorOk) {
      // accepted (errorOrResult vectors accept either the error or the listed result)
    } else if (got.error !== undefined) problems.push(`two-way: error ${got.error}`);
    else {
      const wantPatch = expectedText(two, 'patch', 'twoWayPatch');
      const wantResult = expectedText(two, 'result', 'twoWayResult');
      if (two.errorContains !== undefined && !two.errorOrResult) problems.push(`two-way: expected error ${JSON.stringify(two.errorContains)}`);
      if (wantPatch !== undefined && got.patch !== wantPatch) problems.push(`two-way patch ${got.patch}, want ${wantPatch}`);
      if (wantResult !== undefined && got.result !== wantResult) problems.push(`two-way result ${got.result}, want ${wantResult}`);
    }
  }
  const three = v.expected.threeWay as Record<string, JsonValue> | undefined;
  if (three) {
    let got = threeWay(input('original'), input('modified'), input('current'), schema, false);
    const wantPatch = expectedText(three, 'patch', 'threeWayPatch');
    const wantResult = expectedText(three, 'result', 'threeWayResult');
    const errorOk = three.errorContains !== undefined && got.error?.includes(three.errorContains as string);
    if (!errorOk) {
      if (got.conflict) {
        if (!three.conflictWithoutOverwrite) problems.push(`three-way: unexpected conflict`);
        else if (wantResult !== undefined) got = threeWay(input('original'), input('modified'), input('current'), schema, true);
        else got = {};
      } else if (three.conflictWithoutOverwrite) problems.push('three-way: expected a conflict');
      if (got.error !== undefined && !got.conflict) problems.push(`three-way: error ${got.error}`);
      else if (!got.conflict) {
        if (three.errorContains !== undefined && !three.errorOrResult) problems.push(`three-way: expected error ${JSON.stringify(three.errorContains)}`);
        if (wantPatch !== undefined && got.patch !== undefined && got.patch !== wantPatch) problems.push(`three-way patch ${got.patch}, want ${wantPatch}`);
        if (wantResult !== undefined && got.result !== undefined && got.result !== wantResult) problems.push(`three-way result ${got.result}, want ${wantResult}`);
      }
    }
  }
  return problems.length ? problems.join('\n') : undefined;
}

const results: { group: string; id: string; error?: string }[] = [];
const groupOf = (v: SmpVector) => (v.exercises.includes('apply') ? 'apply' : 'create + apply (two-way, three-way)');

for (const group of ['apply', 'create + apply (two-way, three-way)']) {
  describe(`SMP vectors: ${group}`, () => {
    const vectors = file.vectors.filter((v) => groupOf(v) === group);
    it.each(vectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
      let error: string | undefined;
      try {
        error = check(v);
      } catch (e) {
        error = `threw ${(e as Error).stack}`;
      }
      results.push({ group, id: v.id, error });
      // JavaScript numbers cannot hold int64's maximum: that vector is the documented exception.
      if (v.id === 'smp/TestNumberConversion/int64-max') expect(error).toMatch(/9223372036854776000/);
      else expect(error).toBeUndefined();
    });
  });
}

describe('SMP vectors: sortMergeListsByName (test normaliser)', () => {
  it.each(file.sortMergeListsVectors.map((v) => [v.id, v] as const))('%s', (_id, v) => {
    const got = text(sortMergeListsByName(clone(v.original), schemaFor(v.schema)));
    const error = got === text(v.expectedSorted) ? undefined : `got ${got}`;
    results.push({ group: 'sort helper', id: v.id, error });
    expect(error).toBeUndefined();
  });
});

afterAll(() => {
  for (const g of [...new Set(results.map((r) => r.group))]) {
    const rs = results.filter((r) => r.group === g);
    const failed = rs.filter((r) => r.error !== undefined);
    console.log(`SMP vectors, ${g}: ${rs.length - failed.length}/${rs.length} pass`);
    for (const f of failed) console.log(`  FAIL ${f.id}: ${f.error!.split('\n')[0]}`);
  }
});
