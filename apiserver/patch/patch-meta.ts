// Strategic merge patch metadata (apimachinery's LookupPatchMeta) read from a kind's OpenAPI schema:
// for a field, its `x-kubernetes-patch-strategy` (split on commas) and `x-kubernetes-patch-merge-key`,
// and the schema of its value (or of its items, for lists). Map-valued fields (additionalProperties)
// have no metadata; a missing schema means "nothing known" (lists are then replaced).

import type { OpenApiSchema, SchemaDefinitions } from '../openapi/schema.ts';
import { dereference, referenceName, referenceOf, UnresolvedReferenceError, type KindSchema } from './kind-schema.ts';

export interface PatchMeta {
  readonly strategies: readonly string[];
  readonly mergeKey: string;
}

const noMeta: PatchMeta = { strategies: [], mergeKey: '' };

/** A lookup failed: an unknown field, or a reference that does not resolve. */
export class PatchMetaError extends Error {}

export class PatchSchema {
  private constructor(
    private readonly schema: OpenApiSchema | undefined,
    private readonly definitions: SchemaDefinitions | undefined,
    /** The Go type name upstream prints in errors (last segment of the definition name). */
    private readonly typeName: string,
  ) {}

  /** Knows nothing: every field has no metadata. */
  static readonly unknown = new PatchSchema(undefined, undefined, '');

  static of(kind: KindSchema | undefined): PatchSchema {
    return kind ? PatchSchema.resolved(kind.schema, kind.definitions) : PatchSchema.unknown;
  }

  private static resolved(schema: OpenApiSchema, definitions: SchemaDefinitions | undefined): PatchSchema {
    const ref = referenceOf(schema) ?? (schema.allOf?.[0]?.$ref);
    let target: OpenApiSchema;
    try {
      target = dereference(schema, definitions);
    } catch (e) {
      if (e instanceof UnresolvedReferenceError) throw new PatchMetaError(e.message);
      throw e;
    }
    const name = ref ? referenceName(ref) : '';
    return new PatchSchema(target, definitions, name.slice(name.lastIndexOf('.') + 1));
  }

  /** Whether anything is known about this value. */
  get known(): boolean {
    return this.schema !== undefined;
  }

  /** How upstream names the type in "cannot merge lists without merge key for %s". */
  name(): string {
    const type = this.schema?.type;
    return !type || type === 'object' ? 'struct' : type;
  }

  /** The metadata of field `key` and the schema of its value (LookupPatchMetadataForStruct). */
  lookupField(key: string): { schema: PatchSchema; meta: PatchMeta } {
    const field = this.field(key);
    if (!field) return { schema: PatchSchema.unknown, meta: noMeta };
    if (field.isMapEntry) return { schema: PatchSchema.resolved(field.schema, this.definitions), meta: noMeta };
    return { schema: PatchSchema.resolved(field.schema, this.definitions), meta: metaOf(field.schema) };
  }

  /** The metadata of list field `key` and the schema of its items (LookupPatchMetadataForSlice). */
  lookupList(key: string): { schema: PatchSchema; meta: PatchMeta } {
    const field = this.field(key);
    if (!field) return { schema: PatchSchema.unknown, meta: noMeta };
    const meta = field.isMapEntry ? noMeta : metaOf(field.schema);
    const items = field.schema.items ?? field.schema;
    return { schema: PatchSchema.resolved(items, this.definitions), meta };
  }

  private field(key: string): { schema: OpenApiSchema; isMapEntry: boolean } | undefined {
    const s = this.schema;
    if (!s) return undefined;
    const property = s.properties?.[key];
    if (property) return { schema: property, isMapEntry: false };
    if (!s.properties || Object.keys(s.properties).length === 0) {
      if (s.additionalProperties && typeof s.additionalProperties === 'object') return { schema: s.additionalProperties, isMapEntry: true };
      if (s.additionalProperties === true || s['x-kubernetes-preserve-unknown-fields'] === true) return undefined;
    }
    if (s.type && s.type !== 'object') throw new PatchMetaError(`merging an object in json but data type is not map or struct, instead is: ${s.type}`);
    throw new PatchMetaError(`unable to find api field in struct ${this.typeName} for the json field ${JSON.stringify(key)}`);
  }
}

function metaOf(schema: OpenApiSchema): PatchMeta {
  const strategy = schema['x-kubernetes-patch-strategy'];
  const mergeKey = schema['x-kubernetes-patch-merge-key'];
  return { strategies: typeof strategy === 'string' ? strategy.split(',') : [], mergeKey: typeof mergeKey === 'string' ? mergeKey : '' };
}
