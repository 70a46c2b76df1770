// What patch and apply need to know about a kind: its OpenAPI schema (the shared shape of
// apiserver/openapi/schema.ts) and the definitions its $refs point into. Built-in kinds pass their
// definition and the definitions it refers to; custom resources pass their inline schema. No schema at
// all means "deduced": maps are granular, lists atomic, and strategic merge is refused.

import type { OpenApiSchema, SchemaDefinitions } from '../openapi/schema.ts';

export interface KindSchema {
  schema: OpenApiSchema;
  definitions?: SchemaDefinitions;
}

/** The $ref a schema stands for: its own, or that of a single-entry allOf (OpenAPI v3's way to annotate a reference). */
export function referenceOf(schema: OpenApiSchema): string | undefined {
  if (schema.$ref) return schema.$ref;
  if (schema.allOf?.length === 1 && schema.allOf[0]!.$ref) return schema.allOf[0]!.$ref;
  return undefined;
}

/** The definition name at the end of a reference (`#/definitions/x` and `#/components/schemas/x` both give `x`). */
export function referenceName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

export class UnresolvedReferenceError extends Error {}

/** Follows allOf[0] and $ref to the schema that holds the properties. */
export function dereference(schema: OpenApiSchema, definitions: SchemaDefinitions | undefined): OpenApiSchema {
  let s = schema;
  if (s.allOf && s.allOf.length > 0) s = s.allOf[0]!;
  if (s.$ref) {
    const target = definitions?.definition(s.$ref);
    if (!target) throw new UnresolvedReferenceError(`unable to resolve ${s.$ref} in OpenAPI V3`);
    return target;
  }
  return s;
}
