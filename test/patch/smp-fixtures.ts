// Adapts the upstream strategic merge patch vectors (/work/shared/vectors/strategicpatch.json) to
// k2: their schema descriptions become OpenAPI definitions (the shape apiserver/openapi/schema.ts
// describes), and upstream's test-only sortMergeListsByName is re-implemented for the sort vectors.

import { readFileSync } from 'node:fs';
import { compareGoStrings, goValueString, isJsonObject, type JsonObject, type JsonValue } from '../../apiserver/apply/go-format.ts';
import type { OpenApiSchema, SchemaDefinitions } from '../../apiserver/openapi/schema.ts';
import type { KindSchema } from '../../apiserver/patch/kind-schema.ts';
import { PatchSchema } from '../../apiserver/patch/patch-meta.ts';
import { deduplicateScalars, goInsertionSort, retainKeysAndStrategy, retainKeysDirective, deleteFromPrimitiveListPrefix, setElementOrderPrefix, directiveMarker, mergeDirective } from '../../apiserver/patch/strategic-merge.ts';

export const smpVectorsPath = '/work/shared/vectors/strategicpatch.json';

interface FieldSpec {
  type: string;
  items?: { $ref?: string; type?: string };
  $ref?: string;
  additionalProperties?: { type: string };
  patchStrategy?: string;
  patchMergeKey?: string;
}

export interface SmpVectorFile {
  schemas: Record<string, { fields: Record<string, FieldSpec> }>;
  vectors: SmpVector[];
  sortMergeListsVectors: { id: string; schema: string; original: JsonObject; expectedSorted: JsonObject }[];
}

export interface SmpVector {
  id: string;
  schema: string;
  format: 'yaml-table' | 'raw' | 'json-text';
  exercises: string[];
  input: Record<string, JsonValue>;
  expected: Record<string, JsonValue>;
  normalized?: Record<string, JsonValue>;
}

export function loadSmpVectors(): SmpVectorFile {
  return JSON.parse(readFileSync(smpVectorsPath, 'utf8')) as SmpVectorFile;
}

function fieldSchema(spec: FieldSpec): OpenApiSchema {
  const s: OpenApiSchema = {};
  switch (spec.type) {
    case 'array':
      s.type = 'array';
      s.items = spec.items?.$ref ? { $ref: `#/definitions/${spec.items.$ref}` } : { type: spec.items?.type ?? 'string' };
      break;
    case 'object':
      if (spec.$ref) s.allOf = [{ $ref: `#/definitions/${spec.$ref}` }];
      else {
        s.type = 'object';
        if (spec.additionalProperties) s.additionalProperties = { type: spec.additionalProperties.type };
      }
      break;
    case 'rawExtension':
      s.allOf = [{ $ref: '#/definitions/io.k8s.apimachinery.pkg.runtime.RawExtension' }];
      break;
    case 'unknown':
      break;
    default:
      s.type = spec.type;
  }
  if (spec.patchStrategy) s['x-kubernetes-patch-strategy'] = spec.patchStrategy;
  if (spec.patchMergeKey) s['x-kubernetes-patch-merge-key'] = spec.patchMergeKey;
  return s;
}

/** The vectors' schemas as OpenAPI definitions. */
export function vectorDefinitions(file: SmpVectorFile): SchemaDefinitions {
  const defs = new Map<string, OpenApiSchema>();
  for (const [name, schema] of Object.entries(file.schemas)) {
    defs.set(name, { type: 'object', properties: Object.fromEntries(Object.entries(schema.fields).map(([f, spec]) => [f, fieldSchema(spec)])) });
  }
  defs.set('io.k8s.apimachinery.pkg.runtime.RawExtension', { type: 'object' });
  return { definition: (nameOrRef) => defs.get(nameOrRef.slice(nameOrRef.lastIndexOf('/') + 1)) };
}

export function vectorKindSchema(schema: string, definitions: SchemaDefinitions): KindSchema {
  return { schema: { $ref: `#/definitions/${schema}` }, definitions };
}

/** Upstream's test-only normaliser: merging lists sorted by merge key, scalar merge lists deduplicated and sorted. */
export function sortMergeListsByName(m: JsonObject, schema: PatchSchema): JsonObject {
  const out: JsonObject = {};
  for (const [k, v0] of Object.entries(m)) {
    let v = v0;
    if (k === retainKeysDirective || k.startsWith(deleteFromPrimitiveListPrefix)) {
      v = sortByText([...(v as JsonValue[])]);
    } else if (!k.startsWith(setElementOrderPrefix) && k !== directiveMarker) {
      if (isJsonObject(v)) v = sortMergeListsByName(v, schema.lookupField(k).schema);
      else if (Array.isArray(v)) {
        const { schema: sub, meta } = schema.lookupList(k);
        if (retainKeysAndStrategy(meta.strategies).strategy === mergeDirective) v = sortArray(v, sub, meta.mergeKey);
      }
    }
    out[k] = v;
  }
  return out;
}

function sortByText(s: JsonValue[]): JsonValue[] {
  return goInsertionSort(s, (a, b) => compareGoStrings(goValueString(a), goValueString(b)) <= 0);
}

function sortArray(s: JsonValue[], schema: PatchSchema, mergeKey: string): JsonValue[] {
  if (s.length === 0) return s;
  if (!isJsonObject(s[0])) return sortByText(deduplicateScalars([...s]));
  const sorted = s.map((e) => sortMergeListsByName(e as JsonObject, schema));
  return goInsertionSort(sorted, (a, b) => compareGoStrings(goValueString((a as JsonObject)[mergeKey]), goValueString((b as JsonObject)[mergeKey])) <= 0);
}
