// The descriptions `kubectl explain` prints for built-in types: each names a real type and field, reads as a
// sentence, and is k2's own wording — no run of words long enough to be a copied sentence is shared with
// Kubernetes' description of the same field (../shared/openapi, read here and never committed).
import { describe, expect, it } from 'vitest';
import { builtinSchemas } from '../../apiserver/openapi/builtin-schemas.ts';
import { builtinDescriptions, descriptionKey } from '../../apiserver/openapi/descriptions/index.ts';
import { readSharedJson } from '../../apiserver/openapi/generator/shared-material.ts';

type Swagger = { definitions: Record<string, { description?: string; properties?: Record<string, { description?: string }> }> };

const descriptions = builtinDescriptions();
const facts = builtinSchemas();

/** Field names of every version of each type key. */
const fieldsByKey = new Map<string, Set<string>>();
for (const name of facts.names()) {
  const key = descriptionKey(name);
  const fields = fieldsByKey.get(key) ?? new Set<string>();
  for (const field of Object.keys(facts.definition(name)?.properties ?? {})) fields.add(field);
  fieldsByKey.set(key, fields);
}

/** Kubernetes' own descriptions, by type key and field ('' for the type). */
const upstream = new Map<string, string[]>();
for (const file of ['swagger-v1.31.json', 'swagger-v1.28.json', 'swagger-v1.14-dev-2019-01-29.json']) {
  for (const [name, schema] of Object.entries(readSharedJson<Swagger>('openapi', 'v2', file).definitions)) {
    const key = descriptionKey(name);
    const add = (field: string, text: string | undefined) => text && upstream.set(`${key}#${field}`, [...(upstream.get(`${key}#${field}`) ?? []), text]);
    add('', schema.description);
    for (const [field, property] of Object.entries(schema.properties ?? {})) add(field, property.description);
  }
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** The longest run of consecutive words two texts share. */
function longestSharedRun(a: string[], b: string[]): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        current[j] = previous[j - 1]! + 1;
        if (current[j]! > best) best = current[j]!;
      }
    }
    previous = current;
  }
  return best;
}

const entries = [...descriptions].flatMap(([key, fields]) => Object.entries(fields).map(([field, text]) => ({ key, field, text })));

describe('built-in type descriptions', () => {
  it('describe types and fields that exist', () => {
    const unknown = entries.filter(({ key, field }) => !fieldsByKey.has(key) || (field !== '' && !fieldsByKey.get(key)!.has(field)));
    expect(unknown.map(({ key, field }) => `${key}#${field}`)).toEqual([]);
  });

  it('cover every type and field of the stable API versions', () => {
    const missing: string[] = [];
    for (const name of facts.names()) {
      if (/\.v\d+(alpha|beta)\d+\./.test(name)) continue;
      const texts = descriptions.get(descriptionKey(name));
      for (const field of ['', ...Object.keys(facts.definition(name)?.properties ?? {})]) if (!texts?.[field]) missing.push(`${name}#${field}`);
    }
    expect(missing).toEqual([]);
  });

  it('are sentences', () => {
    const bad = entries.filter(({ text }) => text.trim() !== text || text.length < 8 || !/[.)]$/.test(text) || /\s{2}/.test(text));
    expect(bad.map(({ key, field, text }) => `${key}#${field}: ${JSON.stringify(text)}`)).toEqual([]);
  });

  it("share no sentence with Kubernetes' descriptions of the same field", () => {
    const copied = entries.filter(({ key, field, text }) =>
      (upstream.get(`${key}#${field}`) ?? []).some((theirs) => longestSharedRun(words(text), words(theirs)) >= 10),
    );
    expect(copied.map(({ key, field }) => `${key}#${field}`)).toEqual([]);
  });
});
