import { describe, expect, it } from 'vitest';
import { objectJson, objectJsonPieces, settleAsJson, writtenJson } from '../../apiserver/registry/object-json.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';

function written(object: KubeObject, rv: string): { stored: string; served: string } {
  const json = writtenJson(object);
  object.metadata.resourceVersion = rv;
  json.serve(object, rv);
  return { stored: json.stored, served: objectJson(object) };
}

describe('the stored and served JSON of a write', () => {
  const cases: [string, () => KubeObject][] = [
    ['without a resourceVersion', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'd' }, data: { k: 'v' } })],
    ['with one first in metadata', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '7', name: 'a' }, data: {} })],
    ['with one in the middle', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7', uid: 'u' } })],
    ['with one last', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7' } })],
    ['with only a resourceVersion', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '7' } })],
    ['with empty metadata', () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })],
  ];
  it.each(cases)('%s: stored leaves the resourceVersion out, served is the object as JSON', (_, make) => {
    const object = make();
    const { resourceVersion: _rv, ...metaWithout } = object.metadata;
    const expectedStored = JSON.stringify({ ...object, metadata: metaWithout });
    const { stored, served } = written(object, '12345');
    expect(stored).toBe(expectedStored);
    expect(served).toBe(JSON.stringify(object));
    expect(JSON.parse(served).metadata.resourceVersion).toBe('12345');
    // Writers that copy the served JSON into a buffer take it in pieces: the same text.
    expect(objectJsonPieces(object).join('')).toBe(served);
  });

  it('gives an object never written as one piece, its JSON', () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '3' } };
    expect(objectJsonPieces(object)).toEqual([JSON.stringify(object)]);
  });

  it('serves a write once, from its revision on, even when the object was served before it was written', () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '3' } };
    expect(JSON.parse(objectJson(object)).metadata.resourceVersion).toBe('3');
    const json = writtenJson(object);
    object.metadata.resourceVersion = '9';
    // The watch cache serves it as the event is applied; the writer's own serve afterwards changes nothing.
    json.serve(object, '9');
    const served = objectJson(object);
    json.serve(object, '9');
    expect(objectJson(object)).toBe(served);
    expect(JSON.parse(served).metadata.resourceVersion).toBe('9');
  });

  it('keeps the object as it was and text that looks like the placeholder is data', () => {
    const object: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', annotations: { x: '"resourceVersion":"\u0000k2-"' } } };
    const json = writtenJson(object);
    expect(Object.hasOwn(object.metadata, 'resourceVersion')).toBe(false);
    expect(JSON.parse(json.stored)).toEqual(object);
  });
});

describe('settling an object as its JSON', () => {
  it('drops undefined properties and nulls undefined items, and refuses what JSON would change', () => {
    const object = { a: undefined, b: [1, undefined], c: { d: undefined, e: 'x' } };
    expect(settleAsJson(object)).toBe(true);
    expect(object).toEqual({ b: [1, null], c: { e: 'x' } });
    expect(Object.keys(object)).toEqual(['b', 'c']);
    expect(settleAsJson({ a: Number.NaN })).toBe(false);
    expect(settleAsJson({ a: new Date(0) })).toBe(false);
  });

  it('settles what a write changed and leaves what it shares with the stored object', () => {
    const stored = { spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } };
    const written = { ...stored, status: { phase: 'Running', podIP: undefined, conditions: [{ type: 'Ready', reason: undefined }] } };
    expect(settleAsJson(written, stored)).toBe(true);
    expect(written).toEqual({ spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready' }] } });
    expect(written.spec).toBe(stored.spec);
    expect(Object.hasOwn(written.status, 'podIP')).toBe(false);
  });
});
