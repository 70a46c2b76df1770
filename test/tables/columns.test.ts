// Every built-in resource in ../shared/facts/table-columns.json (kube-apiserver 1.33): the same columns
// (name, type, format, priority, in order) and cells of the JSON type Kubernetes emits.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinTableConvertor, statusTableConvertor, type TableConvertor } from '../../apiserver/tables/index.ts';
import { now, samples, sharedFile } from './fixtures.ts';

interface FactColumn {
  name: string;
  type: string;
  format: string;
  priority: number;
  cell: string;
}

const facts: { resources: Record<string, { kind: string; source: string; columns: FactColumn[] }> } = JSON.parse(
  readFileSync(sharedFile('facts/table-columns.json'), 'utf8'),
);

const builtinResources = Object.entries(facts.resources).filter(([key]) => key !== '<group>/<customresource>');

function convertorFor(key: string): TableConvertor | undefined {
  if (key === 'meta/Status') return statusTableConvertor;
  if (key === '*/scale') return builtinTableConvertor('apps', 'deployments/scale');
  const slash = key.indexOf('/');
  return builtinTableConvertor(key.slice(0, slash), key.slice(slash + 1));
}

function jsonType(cell: unknown): string {
  if (Number.isInteger(cell)) return 'integer';
  if (cell === null) return 'null';
  return typeof cell;
}

describe('built-in table columns match kube-apiserver 1.33', () => {
  it('covers every resource the facts list', () => {
    expect(builtinResources.length).toBeGreaterThan(60);
    const missing = builtinResources.filter(([key]) => !convertorFor(key)).map(([key]) => key);
    expect(missing).toEqual([]);
  });

  it.each(builtinResources)('%s has the same column definitions', (key, fact) => {
    const convertor = convertorFor(key)!;
    const columns = convertor.columnDefinitions.map(({ name, type, format, priority }) => ({ name, type, format, priority }));
    expect(columns).toEqual(fact.columns.map(({ name, type, format, priority }) => ({ name, type, format, priority })));
    for (const column of convertor.columnDefinitions) {
      expect(Object.keys(column).sort()).toEqual(['description', 'format', 'name', 'priority', 'type']);
      expect(column.description.length).toBeGreaterThan(5);
    }
  });

  it.each(builtinResources)('%s emits one cell per column, of the JSON type Kubernetes sends', (key, fact) => {
    const sample = samples[key];
    expect(sample, `fixture for ${key}`).toBeDefined();
    const cells = convertorFor(key)!.cells(sample, now);
    // IPAddress rows carry a third cell (the age) without a column, as Kubernetes 1.33 sends them.
    expect(cells).toHaveLength(key === 'networking.k8s.io/ipaddresses' ? 3 : fact.columns.length);
    fact.columns.forEach((column, i) => {
      expect(column.cell.split('|'), `${column.name} = ${JSON.stringify(cells[i])}`).toContain(jsonType(cells[i]));
    });
  });

  it.each(builtinResources)('%s prints an object with no fields without failing', (key) => {
    const convertor = convertorFor(key)!;
    for (const object of [{}, { metadata: {} }, { metadata: { name: 'bare' }, spec: {}, status: {} }]) {
      const cells = convertor.cells(object, now);
      expect(cells.length).toBeGreaterThanOrEqual(convertor.columnDefinitions.length);
    }
  });

  it('returns nothing for resources Kubernetes has no printer for, and the scale table only for scalable kinds', () => {
    expect(builtinTableConvertor('', 'bindings')).toBeUndefined();
    expect(builtinTableConvertor('example.com', 'widgets')).toBeUndefined();
    expect(builtinTableConvertor('', 'pods/scale')).toBeUndefined();
    expect(builtinTableConvertor('apps', 'statefulsets/scale')).toBe(builtinTableConvertor('', 'replicationcontrollers/scale'));
  });

  it('prints kinds served under the removed extensions group like their current form', () => {
    expect(builtinTableConvertor('extensions', 'deployments')).toBe(builtinTableConvertor('apps', 'deployments'));
    expect(builtinTableConvertor('extensions', 'ingresses')).toBe(builtinTableConvertor('networking.k8s.io', 'ingresses'));
  });
});
