// Adapters that let the upstream structured-merge-diff vectors run against k2's apply library: the
// vectors' schema format (typed.NewParser YAML, parsed) becomes k2's type model, and the test
// converters of upstream's merge tests are re-implemented from their descriptions.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FieldSet } from '../../apiserver/apply/field-set.ts';
import { isJsonObject, type JsonValue } from '../../apiserver/apply/go-format.ts';
import { deducedType, TypeRef, withElementRelationship, type Atom, type ElementRelationship, type StructField } from '../../apiserver/apply/type-model.ts';
import { validate, TypedValueError, type TypedValue } from '../../apiserver/apply/typed.ts';
import type { VersionConverter } from '../../apiserver/apply/updater.ts';

export const ssaVectorsPath = '/work/shared/vectors/ssa.json';

interface SmdTypeRef {
  namedType?: string;
  scalar?: string;
  list?: SmdList;
  map?: SmdMap;
  elementRelationship?: ElementRelationship;
}
interface SmdList {
  elementType?: SmdTypeRef;
  elementRelationship?: ElementRelationship;
  keys?: string[];
}
interface SmdMap {
  fields?: { name: string; type?: SmdTypeRef; default?: JsonValue }[];
  elementType?: SmdTypeRef;
  elementRelationship?: ElementRelationship;
}
interface SmdTypeDef extends SmdTypeRef {
  name: string;
}

/** A parser: the type of each version. */
export interface VectorParser {
  type(version: string): TypeRef;
}

/** Builds the named types of an upstream schema (`schemas[*].parsed`). */
export class SmdSchema {
  private readonly defs = new Map<string, SmdTypeDef>();
  private readonly named = new Map<string, TypeRef>();

  constructor(parsed: { types: SmdTypeDef[] }) {
    for (const t of parsed.types) this.defs.set(t.name, t);
  }

  type(name: string): TypeRef {
    let ref = this.named.get(name);
    if (!ref) {
      ref = new TypeRef(() => {
        const def = this.defs.get(name);
        return def ? this.atom(def) : undefined;
      }, name);
      this.named.set(name, ref);
    }
    return ref;
  }

  private atom(spec: SmdTypeRef): Atom {
    const atom: { scalar?: Atom['scalar']; list?: Atom['list']; map?: Atom['map'] } = {};
    if (spec.scalar) atom.scalar = spec.scalar as Atom['scalar'];
    if (spec.list) {
      atom.list = {
        elementType: spec.list.elementType ? this.ref(spec.list.elementType) : TypeRef.inline({}),
        elementRelationship: spec.list.elementRelationship ?? '',
        keys: spec.list.keys ?? [],
      };
    }
    if (spec.map) {
      const fields = new Map<string, StructField>();
      for (const f of spec.map.fields ?? []) {
        const type = f.type ? this.ref(f.type) : TypeRef.inline({});
        fields.set(f.name, f.default === undefined ? { type } : { type, default: f.default });
      }
      atom.map = { fields, elementType: spec.map.elementType ? this.ref(spec.map.elementType) : undefined, elementRelationship: spec.map.elementRelationship ?? '' };
    }
    return atom;
  }

  /** A reference; its elementRelationship, when given, overrides that of the (named or inline) type. */
  private ref(spec: SmdTypeRef): TypeRef {
    const base = spec.namedType !== undefined ? this.type(spec.namedType) : new TypeRef(() => this.atom(spec));
    const relationship = spec.elementRelationship;
    if (!relationship) return base;
    return new TypeRef(() => {
      const atom = base.atom;
      return atom && withElementRelationship(atom, relationship);
    });
  }
}

export interface ParserSpec {
  kind: 'deduced' | 'sameVersion' | 'versionAsTypeName';
  schema?: string;
  typeName?: string;
}

export type SsaVectors = {
  schemas: Record<string, { parsed: { types: SmdTypeDef[] } }>;
  [key: string]: unknown;
};

let vectorsCache: SsaVectors | undefined;
export function loadSsaVectors(): SsaVectors {
  vectorsCache ??= JSON.parse(readFileSync(ssaVectorsPath, 'utf8')) as SsaVectors;
  return vectorsCache;
}

const schemaCache = new Map<string, SmdSchema>();
export function smdSchema(name: string): SmdSchema {
  let s = schemaCache.get(name);
  if (!s) {
    const def = loadSsaVectors().schemas[name];
    if (!def) throw new Error(`unknown schema ${name}`);
    s = new SmdSchema(def.parsed);
    schemaCache.set(name, s);
  }
  return s;
}

export function vectorParser(spec: ParserSpec): VectorParser {
  if (spec.kind === 'deduced') return { type: () => deducedType };
  const schema = smdSchema(spec.schema!);
  if (spec.kind === 'sameVersion') return { type: () => schema.type(spec.typeName!) };
  return { type: (version) => schema.type(version) };
}

/** Parses an object as a type (FromUnstructured / FromYAML with validation). */
export function typedValue(parser: VectorParser, version: string, object: JsonValue, allowDuplicates = false): TypedValue {
  const type = parser.type(version);
  const errors = validate(object, type, { allowDuplicates });
  if (errors.length) throw new TypedValueError(errors);
  return { value: object, type };
}

class MissingVersionError extends Error {
  constructor() {
    super('cannot convert to invalid version');
  }
}

/** fixture.dummyConverter. */
export const dummyConverter: VersionConverter = {
  convert(value, version) {
    if (version === '') throw new Error(`cannot convert to invalid version: ""`);
    return value;
  },
  isMissingVersionError: () => false,
};

function renameFields(v: JsonValue, oldSuffix: string, newSuffix: string): JsonValue {
  if (isJsonObject(v)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(v)) {
      out[key.endsWith(oldSuffix) ? key.slice(0, key.length - oldSuffix.length) + newSuffix : key] = renameFields(value, oldSuffix, newSuffix);
    }
    return out;
  }
  if (Array.isArray(v)) {
    // A Go nil slice stays nil: an empty list converts to null.
    return v.length === 0 ? null : v.map((item) => renameFields(item, oldSuffix, newSuffix));
  }
  return v;
}

/** merge_test.renamingConverter: `name_v1` ↔ `name_v2`; the type name is the version. */
export function renamingConverter(parser: VectorParser): VersionConverter {
  return {
    convert(value, version) {
      return typedValue(parser, version, renameFields(value.value, value.type.name!, version));
    },
    isMissingVersionError: (e) => e instanceof MissingVersionError,
  };
}

/** go-yaml v2's Marshal of nested maps (keys sorted, two-space indents), the only shape the repeating converter sees. */
function marshalYaml(value: JsonValue, indent: string): string {
  if (value === null) return 'null\n';
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}\n';
    return keys
      .map((k) => {
        const v = value[k]!;
        if (isJsonObject(v) && Object.keys(v).length > 0) return `${indent}${k}:\n${marshalYaml(v, indent + '  ')}`;
        return `${indent}${k}: ${marshalYaml(v, indent).trimEnd()}\n`;
      })
      .join('');
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `${String(value)}\n`;
  throw new Error('repeatingConverter: lists are not supported by this port');
}

/** merge_test.repeatingConverter: key letters repeated N times for version vN, values dropped (go-yaml v2 lets a repeated key win). */
export function repeatingConverter(parser: VectorParser): VersionConverter {
  return {
    convert(value, version) {
      if (version.length < 2 || version[0] !== 'v' || !/^\d+$/.test(version.slice(1))) throw new MissingVersionError();
      const n = Number(version.slice(1));
      const lines = marshalYaml(value.value, '').split('\n');
      let out = '';
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (i === 0) {
          out = line;
          continue;
        }
        const spaces = line.length - line.trimStart().length;
        if (spaces === 0 || line.trim() === '') break;
        out += `\n${' '.repeat(spaces)}${line[spaces]!.repeat(n)}:`;
      }
      return typedValue(parser, version, (parseYaml(out, { uniqueKeys: false }) ?? null) as JsonValue);
    },
    isMissingVersionError: (e) => e instanceof MissingVersionError,
  };
}

/** merge_test.reliantFieldsConverter: v2 → v1 needs `required_field_bar`. */
export function reliantFieldsConverter(parser: VectorParser): VersionConverter {
  return {
    convert(value, version) {
      if (value.type.name === version) return value;
      const text = JSON.stringify(value.value);
      let out: string;
      if (version === 'v1') {
        if (!text.includes('required_field_bar')) throw new Error('missing requried field bar');
        out = text.replaceAll('required_field_bar', 'field_foo_rely_on_bar');
      } else if (version === 'v2') out = text.replaceAll('field_foo_rely_on_bar', 'required_field_bar');
      else throw new MissingVersionError();
      return typedValue(parser, version, JSON.parse(out) as JsonValue);
    },
    isMissingVersionError: (e) => e instanceof MissingVersionError,
  };
}

export function fieldSetOfVector(spec: { fieldsV1: JsonValue }): FieldSet {
  return FieldSet.fromFieldsV1(spec.fieldsV1);
}
