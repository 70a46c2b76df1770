// Field paths and sets in the FieldsV1 wire format of metadata.managedFields.

import { describe, expect, it } from 'vitest';
import { FieldSet, FieldsV1Error } from '../../apiserver/apply/field-set.ts';
import { fieldElement, indexElement, keyElement, pathString, valueElement } from '../../apiserver/apply/path.ts';

describe('FieldsV1', () => {
  const wire = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {} } },
      'f:finalizers': { 'v:"a"': {} },
      'f:list': { 'i:0': {} },
      'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} },
    },
  };

  it('reads and writes back identically, keys in upstream order', () => {
    const set = FieldSet.fromFieldsV1(wire);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(wire));
  });

  it('prints paths as upstream does', () => {
    expect(FieldSet.fromFieldsV1(wire).paths().map(pathString)).toEqual([
      '.metadata.labels',
      '.metadata.labels.app',
      '.spec.containers[name="nginx"]',
      '.spec.containers[name="nginx"].image',
      '.spec.finalizers[="a"]',
      '.spec.list[0]',
      '.spec.ports[containerPort=80,protocol="TCP"]',
    ]);
  });

  it('writes key fields sorted and Go-escaped, whatever order they come in', () => {
    const pe = keyElement([{ name: 'protocol', value: 'TCP' }, { name: 'containerPort', value: 80 }]);
    expect(pe.id).toBe('k:{"containerPort":80,"protocol":"TCP"}');
    expect(valueElement('<a&b>').id).toBe('v:"\\u003ca\\u0026b\\u003e"');
  });

  it('reads key objects in any order as the same element', () => {
    const a = FieldSet.fromFieldsV1({ 'f:ports': { 'k:{"protocol":"TCP","containerPort":80}': {} } });
    const b = FieldSet.fromFieldsV1({ 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': {} } });
    expect(a.equals(b)).toBe(true);
  });

  it('skips element types it does not know, as upstream does', () => {
    expect(FieldSet.fromFieldsV1({ 'f:a': {}, 'x:future': {} }).paths().map(pathString)).toEqual(['.a']);
  });

  it('rejects malformed keys', () => {
    expect(() => FieldSet.fromFieldsV1({ f: {} })).toThrow(FieldsV1Error);
    expect(() => FieldSet.fromFieldsV1({ 'fx': {} })).toThrow('missing colon');
    expect(() => FieldSet.fromFieldsV1({ 'k:{"a":': {} })).toThrow(FieldsV1Error);
  });
});

describe('set operations', () => {
  const spec = fieldElement('spec');
  const a = FieldSet.of([spec, fieldElement('replicas')], [spec, fieldElement('paused')]);
  const b = FieldSet.of([spec, fieldElement('replicas')], [fieldElement('status')]);

  it('union, intersection and difference', () => {
    expect(a.union(b).paths().map(pathString)).toEqual(['.status', '.spec.paused', '.spec.replicas']);
    expect(a.intersection(b).paths().map(pathString)).toEqual(['.spec.replicas']);
    expect(a.difference(b).paths().map(pathString)).toEqual(['.spec.paused']);
  });

  it('recursive difference removes everything below a member', () => {
    expect(a.recursiveDifference(FieldSet.of([spec])).empty()).toBe(true);
    expect(a.difference(FieldSet.of([spec])).equals(a)).toBe(true);
  });

  it('leaves drop members that have children', () => {
    const s = FieldSet.of([spec], [spec, fieldElement('replicas')], [fieldElement('list'), indexElement(2)]);
    expect(s.leaves().paths().map(pathString)).toEqual(['.list[2]', '.spec.replicas']);
  });
});

describe('shared FieldsV1 forms', () => {
  const wire = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:data': { '.': {}, 'f:key': {} } };

  it('are frozen, equal for equal sets, and the same object again once read back', () => {
    const a = FieldSet.fromFieldsV1(structuredClone(wire)).toFieldsV1();
    const b = FieldSet.fromFieldsV1(structuredClone(wire)).toFieldsV1();
    expect(a).toEqual(wire);
    expect(Object.isFrozen(a) && Object.isFrozen(a['f:metadata'])).toBe(true);
    expect(b).toBe(a);
    expect(FieldSet.fromFieldsV1(a).toFieldsV1()).toBe(a);
  });

  it('are made afresh for a set that differs', () => {
    const other = FieldSet.fromFieldsV1({ ...wire, 'f:binaryData': {} }).toFieldsV1();
    expect(other).toHaveProperty('f:binaryData');
    expect(other).not.toBe(FieldSet.fromFieldsV1(structuredClone(wire)).toFieldsV1());
  });
});
