// Custom resource tables from additionalPrinterColumns: JSONPath as apiextensions evaluates it, cells typed by column.

import { describe, expect, it } from 'vitest';
import {
  customResourceScaleTableConvertor,
  customResourceTableConvertor,
  InvalidPrinterColumnError,
  parseJsonPathTemplate,
  renderTable,
  type CustomResourceColumnDefinition,
} from '../../apiserver/tables/index.ts';
import { jsonPathText } from '../../apiserver/tables/jsonpath.ts';
import { ago, meta, now } from './fixtures.ts';

const certificate = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: meta('web-tls', { namespace: 'default' }),
  spec: { secretName: 'web-tls', dnsNames: ['web.example.com', 'www.example.com'], duration: '2160h', renewBefore: 720, ratio: 0.75, isCA: false },
  status: {
    conditions: [
      { type: 'Issuing', status: 'False', lastTransitionTime: ago(4000) },
      { type: 'Ready', status: 'True', reason: 'Ready', message: 'Certificate is up to date and has not expired', lastTransitionTime: ago(3700) },
    ],
    notAfter: '2025-07-30T12:00:00Z',
    revision: 3,
  },
};

// cert-manager's own printer columns for Certificates.
const certificateColumns: CustomResourceColumnDefinition[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Secret', type: 'string', jsonPath: '.spec.secretName' },
  { name: 'Issuer', type: 'string', jsonPath: '.spec.issuerRef.name', priority: 1 },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' },
];

function cells(columns: CustomResourceColumnDefinition[], object: any): unknown[] {
  return customResourceTableConvertor(columns).cells(object, now);
}

function cell(jsonPath: string, type: string, object: any = certificate): unknown {
  return cells([{ name: 'C', type, jsonPath }], object)[1];
}

describe('custom resource columns', () => {
  it('starts with Name and copies each column\'s name, type, format and priority', () => {
    const convertor = customResourceTableConvertor([...certificateColumns, { name: 'Revision', type: 'integer', format: 'int32', jsonPath: '.status.revision', priority: 2 }]);
    expect(convertor.columnDefinitions.map(({ name, type, format, priority }) => ({ name, type, format, priority }))).toEqual([
      { name: 'Name', type: 'string', format: 'name', priority: 0 },
      { name: 'Ready', type: 'string', format: '', priority: 0 },
      { name: 'Secret', type: 'string', format: '', priority: 0 },
      { name: 'Issuer', type: 'string', format: '', priority: 1 },
      { name: 'Status', type: 'string', format: '', priority: 1 },
      { name: 'Age', type: 'date', format: '', priority: 0 },
      { name: 'Revision', type: 'integer', format: 'int32', priority: 2 },
    ]);
    expect(convertor.columnDefinitions[5]!.description).toBe(certificateColumns[4]!.description);
    expect(convertor.columnDefinitions[1]!.description).toContain('.status.conditions[?(@.type=="Ready")].status');
  });

  it('gives a version without columns a single Age column, and adds no Age to declared columns', () => {
    const bare = customResourceTableConvertor([]);
    expect(bare.columnDefinitions.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Age', 'date'],
    ]);
    expect(bare.cells(certificate, now)).toEqual(['web-tls', '5m']);
    expect(customResourceTableConvertor([{ name: 'Secret', type: 'string', jsonPath: '.spec.secretName' }]).columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Secret']);
  });

  it('renders cert-manager\'s columns', () => {
    expect(cells(certificateColumns, certificate)).toEqual(['web-tls', 'True', 'web-tls', null, 'Certificate is up to date and has not expired', '5m']);
  });

  it('keeps the columns before a JSONPath that does not parse, as apiextensions does, and says which path failed', () => {
    const columns = [certificateColumns[1]!, { name: 'Broken', type: 'string', jsonPath: '.spec[' }, certificateColumns[0]!];
    let error: unknown;
    try {
      customResourceTableConvertor(columns);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidPrinterColumnError);
    expect((error as Error).message).toBe('unrecognized column definition ".spec["');
    expect((error as InvalidPrinterColumnError).partialConvertor.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Secret']);
  });
});

describe('custom resource cells by declared type', () => {
  it.each([
    ['string of a string', '.spec.secretName', 'string', 'web-tls'],
    ['string of an integer', '.status.revision', 'string', '3'],
    ['string of a float', '.spec.ratio', 'string', '0.75'],
    ['string of a boolean', '.spec.isCA', 'string', 'false'],
    ['string of a list, as compact JSON', '.spec.dnsNames', 'string', '["web.example.com","www.example.com"]'],
    ['string of a map, as compact JSON with sorted keys', '.status.conditions[0]', 'string', `{"lastTransitionTime":"${ago(4000)}","status":"False","type":"Issuing"}`],
    ['integer of an integer', '.status.revision', 'integer', 3],
    ['integer of a float, truncated', '.spec.ratio', 'integer', 0],
    ['integer of a string', '.spec.duration', 'integer', null],
    ['number of an integer', '.spec.renewBefore', 'number', 720],
    ['number of a float', '.spec.ratio', 'number', 0.75],
    ['number of a string', '.spec.secretName', 'number', null],
    ['boolean of a boolean', '.spec.isCA', 'boolean', false],
    ['boolean of a string', '.status.conditions[0].status', 'boolean', null],
    ['date as an age', '.status.conditions[1].lastTransitionTime', 'date', '61m'],
    ['date in the future', '.status.notAfter', 'date', '<invalid>'],
    ['date that does not parse', '.spec.duration', 'date', '<invalid>'],
    ['date of a number', '.status.revision', 'date', null],
    ['missing field', '.status.nothing.here', 'string', null],
    ['index out of range', '.spec.dnsNames[5]', 'string', null],
    ['unknown column type', '.spec.secretName', 'object', null],
  ])('%s', (_case, jsonPath, type, expected) => {
    expect(cell(jsonPath, type)).toEqual(expected);
  });

  it('prints the age of an RFC 3339 date with an offset or fractional seconds', () => {
    expect(cell('.t', 'date', { metadata: meta('x'), t: '2025-05-01T13:30:00+02:00' })).toBe('30m');
    expect(cell('.t', 'date', { metadata: meta('x'), t: '2025-05-01T11:59:00.123456Z' })).toBe('59s');
    expect(cell('.t', 'date', { metadata: meta('x'), t: '2025-05-01 11:59:00Z' })).toBe('<invalid>');
    expect(cell('.t', 'date', { metadata: meta('x'), t: '2025-02-30T00:00:00Z' })).toBe('<invalid>');
    expect(cell('.t', 'date', { metadata: meta('x'), t: '' })).toBe('<unknown>');
  });

  it('prints <no value> for a JSON null in a string column and null elsewhere', () => {
    expect(cell('.spec.x', 'string', { metadata: meta('x'), spec: { x: null } })).toBe('<no value>');
    expect(cell('.spec.x', 'integer', { metadata: meta('x'), spec: { x: null } })).toBeNull();
  });

  it('escapes HTML characters in JSON as Go does and prints large floats in exponent form', () => {
    expect(cell('.spec', 'string', { metadata: meta('x'), spec: { b: '<a & b>', a: [1.5, 2] } })).toBe('{"a":[1.5,2],"b":"\\u003ca \\u0026 b\\u003e"}');
    expect(cell('.spec.f', 'string', { metadata: meta('x'), spec: { f: 1234567.5 } })).toBe('1.2345675e+06');
    expect(cell('.spec.f', 'string', { metadata: meta('x'), spec: { f: 0.00001 } })).toBe('1e-05');
  });

  it('shows priority columns in the row like any other (the server always sends every cell)', () => {
    const table = renderTable(customResourceTableConvertor(certificateColumns), [certificate], { now });
    expect(table.rows![0]!.cells).toHaveLength(certificateColumns.length + 1);
  });
});

describe('custom resource scale tables', () => {
  it('has Desired and Available only when the CRD maps them', () => {
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: meta('w'), spec: { replicas: 4 }, status: { replicas: 3, selector: 'app=w' } };
    const both = customResourceScaleTableConvertor({ specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' });
    expect(both.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Desired', 'Available', 'Age']);
    expect(both.cells(scale, now)).toEqual(['w', 4, 3, '5m']);
    const desiredOnly = customResourceScaleTableConvertor({ specReplicasPath: '.spec.size' });
    expect(desiredOnly.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Desired', 'Age']);
  });
});

describe('JSONPath (client-go dialect)', () => {
  const data = {
    kind: 'List',
    items: [
      { metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'shop' } }, spec: { replicas: 1, nodes: ['n1', 'n2', 'n3'] }, status: { ready: true } },
      { metadata: { name: 'b' }, spec: { replicas: 3, nodes: [] }, status: { ready: false } },
      { metadata: { name: 'c' }, spec: { replicas: 2, ratio: 2.5 } },
    ],
  };
  const find = (path: string) => parseJsonPathTemplate(`{${path}}`).findResults(data)[0];

  it.each([
    ['.kind', ['List']],
    ['.items[0].metadata.name', ['a']],
    ['.items[-1].metadata.name', ['c']],
    ['.items[*].metadata.name', ['a', 'b', 'c']],
    ['.items[0:2].metadata.name', ['a', 'b']],
    ['.items[::2].metadata.name', ['a', 'c']],
    ['.items[0,2].metadata.name', ['a', 'c']],
    ['.items[?(@.spec.replicas>1)].metadata.name', ['b', 'c']],
    ['.items[?(@.spec.replicas==3)].metadata.name', ['b']],
    ['.items[?(@.metadata.name!="a")].metadata.name', ['b', 'c']],
    ['.items[?(@.status.ready==true)].metadata.name', ['a']],
    ['.items[?(@.status)].metadata.name', ['a', 'b']],
    ['.items[0].metadata.labels.app\\.kubernetes\\.io/name', ['shop']],
    ["['items'][1]['metadata']['name']", ['b']],
    ['.items[0].spec.nodes[1:]', ['n2', 'n3']],
    ['..name', ['a', 'b', 'c']],
    ['.items[0].spec.*', [1, ['n1', 'n2', 'n3']]],
    ['.items[2].spec.*', [2, 2.5]],
    ['.missing', []],
    ['.items[1].spec.nodes[0:0]', []],
  ])('%s', (path, expected) => {
    expect(find(path)).toEqual(expected);
  });

  // Go refuses to compare an integer with a float or a string, and so does k2.
  it.each(['.items[5]', '.kind[0]', '.items[?(@.spec.replicas>"x")]', '.items[?(@.spec.replicas==1.0)]', '.items[?(@.spec.ratio>1)]', '.items[::0]'])('fails on %s', (path) => {
    expect(() => find(path)).toThrow();
  });

  it.each(['.items[', '.items[?(@.a', '"abc', '{.a}', '.items[x]', '..{', '....a'])('does not parse %s', (path) => {
    expect(() => parseJsonPathTemplate(`{${path}}`)).toThrow();
  });

  it('keeps text outside the actions', () => {
    expect(parseJsonPathTemplate('name={.items[0].metadata.name} kind={.kind}').findResults(data)).toEqual([['name='], ['a'], [' kind='], ['List']]);
  });

  it('prints results as Go does', () => {
    expect(find('.items[2].spec.ratio').map(jsonPathText)).toEqual(['2.5']);
    expect(find('.items[?(@.spec.ratio>2.0)].metadata.name')).toEqual(['c']);
    expect(find('.items[1].spec').map(jsonPathText)).toEqual(['{"nodes":[],"replicas":3}']);
  });
});
