// JSON patch (RFC 6902) and JSON merge patch (RFC 7386) as kube-apiserver applies them, including
// its status codes for bodies and patches that cannot be applied.

import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../apiserver/apply/go-format.ts';
import { applyPatch, patchTypeOf, PatchTypes } from '../../apiserver/patch/apply-patch.ts';
import { PatchError } from '../../apiserver/patch/patch-errors.ts';

const deployment: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } } },
};

function failure(f: () => unknown): { code: number; reason: string; message: string; detail?: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof PatchError) return { code: e.code, reason: e.reason, message: e.message, detail: e.detail };
    throw e;
  }
  throw new Error('expected a PatchError');
}

describe('JSON patch', () => {
  const ok: [string, JsonValue, (o: JsonObject) => unknown, JsonValue][] = [
    ['replace a scalar', [{ op: 'replace', path: '/spec/replicas', value: 3 }], (o) => (o.spec as JsonObject).replicas, 3],
    ['add a label', [{ op: 'add', path: '/metadata/labels/tier', value: 'front' }], (o) => (o.metadata as JsonObject).labels, { app: 'web', tier: 'front' }],
    ['add appends with -', [{ op: 'add', path: '/metadata/finalizers/-', value: 'c' }], (o) => (o.metadata as JsonObject).finalizers, ['a', 'b', 'c']],
    ['add inserts at an index', [{ op: 'add', path: '/metadata/finalizers/0', value: 'z' }], (o) => (o.metadata as JsonObject).finalizers, ['z', 'a', 'b']],
    ['remove an array item', [{ op: 'remove', path: '/metadata/finalizers/0' }], (o) => (o.metadata as JsonObject).finalizers, ['b']],
    ['negative indices count from the end (evanphx v4)', [{ op: 'remove', path: '/metadata/finalizers/-1' }], (o) => (o.metadata as JsonObject).finalizers, ['a']],
    ['replace of a missing key adds it (evanphx v4)', [{ op: 'replace', path: '/spec/paused', value: true }], (o) => (o.spec as JsonObject).paused, true],
    ['escaped path segments', [{ op: 'add', path: '/metadata/labels/example.com~1team', value: 'x' }], (o) => ((o.metadata as JsonObject).labels as JsonObject)['example.com/team'], 'x'],
    ['test then replace', [{ op: 'test', path: '/spec/replicas', value: 1 }, { op: 'replace', path: '/spec/replicas', value: 2 }], (o) => (o.spec as JsonObject).replicas, 2],
    ['test of a missing value against null passes', [{ op: 'test', path: '/spec/paused', value: null }], (o) => (o.spec as JsonObject).replicas, 1],
    ['move', [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/name' }], (o) => (o.metadata as JsonObject).labels, { name: 'web' }],
    ['copy', [{ op: 'copy', from: '/metadata/name', path: '/metadata/labels/copied' }], (o) => ((o.metadata as JsonObject).labels as JsonObject).copied, 'web'],
    ['an empty patch changes nothing', [], (o) => o, deployment],
  ];
  it.each(ok)('%s', (_name, patch, pick, want) => {
    const out = applyPatch(PatchTypes.json, deployment, JSON.stringify(patch), undefined);
    expect(pick(out)).toEqual(want);
    expect((deployment.spec as JsonObject).replicas).toBe(1);
  });

  const failing: [string, string, number, string, string | undefined][] = [
    ['a failed test is 422 with the generic message', '[{"op":"test","path":"/spec/replicas","value":5}]', 422, 'the server rejected our request due to an error in our request', 'testing value /spec/replicas failed: test failed'],
    ['a missing parent is 422', '[{"op":"add","path":"/spec/missing/x","value":1}]', 422, 'the server rejected our request due to an error in our request', 'add operation does not apply: doc is missing path: "/spec/missing/x": missing value'],
    ['removing a missing key is 422', '[{"op":"remove","path":"/spec/paused"}]', 422, 'the server rejected our request due to an error in our request', "error in remove for path: '/spec/paused': Unable to remove nonexistent key: paused: missing value"],
    ['an index past the end is 422', '[{"op":"add","path":"/metadata/finalizers/5","value":"x"}]', 422, 'the server rejected our request due to an error in our request', "error in add for path: '/metadata/finalizers/5': Unable to access invalid index: 5: invalid index referenced"],
    ['an unknown op is 422', '[{"op":"frobnicate","path":"/spec"}]', 422, 'the server rejected our request due to an error in our request', 'Unexpected kind: frobnicate'],
    ['a body that is not a list is 400', '{"op":"add"}', 400, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch', undefined],
    ['a body that is not JSON is 400', '[{"op":', 400, 'invalid JSON patch', undefined],
  ];
  it.each(failing)('%s', (_name, body, code, message, detail) => {
    const f = failure(() => applyPatch(PatchTypes.json, deployment, body, undefined));
    expect(f.code).toBe(code);
    expect(f.message).toBe(message);
    if (code === 422) expect(f.reason).toBe('Invalid');
    if (code === 400) expect(f.reason).toBe('BadRequest');
    expect(f.detail).toBe(detail);
  });

  it('refuses more than 10000 operations with 413', () => {
    const body = JSON.stringify(Array.from({ length: 10001 }, () => ({ op: 'test', path: '/kind', value: 'Deployment' })));
    const f = failure(() => applyPatch(PatchTypes.json, deployment, body, undefined));
    expect(f).toMatchObject({ code: 413, reason: 'RequestEntityTooLarge', message: 'The allowed maximum operations in a JSON patch is 10000, got 10001' });
  });

  it('a patch that leaves no object is 422 Invalid on field "patch"', () => {
    const f = failure(() => applyPatch(PatchTypes.json, deployment, '[{"op":"replace","path":"","value":[1]}]', undefined));
    expect(f.code).toBe(422);
    expect(f.message).toContain('patch: Invalid value: "[1]"');
  });
});

describe('JSON merge patch (RFC 7386 appendix A, as kube-apiserver applies it)', () => {
  const rfc: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(rfc.map((c, i) => [i + 1, ...c] as const))('example %i', (_i, target, patch, want) => {
    expect(applyPatch(PatchTypes.merge, target as JsonObject, patch, undefined)).toEqual(want);
  });

  it('labels merge and nulls delete, as `kubectl label` sends them', () => {
    const out = applyPatch(PatchTypes.merge, deployment, '{"metadata":{"labels":{"tier":"front","app":null}}}', undefined);
    expect((out.metadata as JsonObject).labels).toEqual({ tier: 'front' });
  });

  it('lists are replaced whole, never merged', () => {
    const out = applyPatch(PatchTypes.merge, deployment, { spec: { template: { spec: { containers: [{ name: 'sidecar' }] } } } }, undefined);
    expect(((out.spec as JsonObject).template as JsonObject).spec).toEqual({ containers: [{ name: 'sidecar' }] });
  });

  it('a null patch is 400 "Invalid JSON Patch"; so is a scalar', () => {
    expect(failure(() => applyPatch(PatchTypes.merge, deployment, 'null', undefined))).toMatchObject({ code: 400, message: 'Invalid JSON Patch' });
    expect(failure(() => applyPatch(PatchTypes.merge, deployment, '"x"', undefined))).toMatchObject({ code: 400, message: 'Invalid JSON Patch' });
  });
});

describe('which patch types a resource takes', () => {
  it('built-in kinds take all four, with or without a charset', () => {
    expect(patchTypeOf('application/strategic-merge-patch+json; charset=utf-8', false)).toBe(PatchTypes.strategic);
    expect(patchTypeOf('application/apply-patch+yaml', false)).toBe(PatchTypes.apply);
  });

  it('custom resources refuse strategic merge with 415 listing what they accept', () => {
    const f = failure(() => patchTypeOf('application/strategic-merge-patch+json', true));
    expect(f).toMatchObject({
      code: 415,
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
  });

  it('unknown types are 415 too', () => {
    expect(failure(() => patchTypeOf('text/plain', false)).code).toBe(415);
  });
});
