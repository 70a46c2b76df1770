// Turns a kind's OpenAPI schema into the apply type model, as kube-openapi's schemaconv does for
// kube-apiserver: list semantics come from x-kubernetes-list-type/-list-map-keys (or, failing those,
// from the patch strategy and merge key), map semantics from x-kubernetes-map-type, `int-or-string`
// and other formatted strings are untyped scalars, untyped schemas take any shape, and objects without
// properties (or under x-kubernetes-preserve-unknown-fields) accept unknown fields as deduced values.

import type { OpenApiSchema, SchemaDefinitions } from '../openapi/schema.ts';
import { referenceName, referenceOf, type KindSchema } from '../patch/kind-schema.ts';
import { deducedType, TypeRef, untypedAtomicType, withElementRelationship, type Atom, type ElementRelationship, type ListAtom, type MapAtom, type StructField } from './type-model.ts';

const quantityDefinition = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const rawExtensionDefinition = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
const objectMetaDefinition = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

interface Converter {
  definitions: SchemaDefinitions | undefined;
  named: Map<string, TypeRef>;
}

const convertersByDefinitions = new WeakMap<SchemaDefinitions, Converter>();
const typesBySchema = new WeakMap<OpenApiSchema, { definitions: SchemaDefinitions | undefined; type: TypeRef }>();

/**
 * The apply type of a kind. Undefined schema gives the deduced type. Results are cached per schema
 * object, so calling this on every request is cheap.
 */
export function typeOfKind(kind: KindSchema | undefined): TypeRef {
  if (!kind) return deducedType;
  const cached = typesBySchema.get(kind.schema);
  if (cached && cached.definitions === kind.definitions) return cached.type;
  const converter = converterFor(kind.definitions);
  const ref = referenceOf(kind.schema);
  const type = ref ? namedType(converter, referenceName(ref)) : new TypeRef(() => convertSchema(converter, kind.schema, false));
  typesBySchema.set(kind.schema, { definitions: kind.definitions, type });
  return type;
}

/**
 * A custom resource's schema with the standard object fields kube-apiserver adds before building its
 * apply type: apiVersion and kind as strings, metadata as ObjectMeta (so labels, finalizers and owner
 * references merge as they do on built-in kinds). `definitions` must resolve ObjectMeta.
 */
export function customResourceSchema(versionSchema: OpenApiSchema): OpenApiSchema {
  return {
    ...versionSchema,
    type: 'object',
    properties: {
      ...versionSchema.properties,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: `#/definitions/${objectMetaDefinition}` },
    },
  };
}

function converterFor(definitions: SchemaDefinitions | undefined): Converter {
  if (!definitions) return { definitions, named: new Map() };
  let converter = convertersByDefinitions.get(definitions);
  if (!converter) {
    converter = { definitions, named: new Map() };
    convertersByDefinitions.set(definitions, converter);
  }
  return converter;
}

function namedType(converter: Converter, name: string): TypeRef {
  let type = converter.named.get(name);
  if (!type) {
    type = new TypeRef(() => {
      if (name === quantityDefinition) return { scalar: 'untyped' };
      if (name === rawExtensionDefinition) return untypedAtomicType.atom;
      const definition = converter.definitions?.definition(name);
      if (!definition || definition.$ref) return undefined;
      return convertSchema(converter, definition, false);
    }, name);
    converter.named.set(name, type);
  }
  return type;
}

function convertSchema(converter: Converter, schema: OpenApiSchema, preserveUnknownFields: boolean): Atom {
  const preserve = preserveUnknownFields || schema['x-kubernetes-preserve-unknown-fields'] === true;
  switch (schema.type ?? '') {
    case '':
      return { scalar: 'untyped', list: listAtom(converter, schema, preserve), map: mapAtom(converter, schema, preserve) };
    case 'object':
      return { map: mapAtom(converter, schema, preserve) };
    case 'array':
      return { list: listAtom(converter, schema, preserve) };
    case 'integer':
    case 'number':
      return { scalar: 'numeric' };
    case 'boolean':
      return { scalar: 'boolean' };
    case 'string':
      return { scalar: !schema.format || schema.format === 'byte' ? 'string' : 'untyped' };
    default:
      return { scalar: 'untyped' };
  }
}

function typeRefOf(converter: Converter, schema: OpenApiSchema, preserve: boolean): TypeRef {
  const ref = referenceOf(schema);
  if (ref) {
    const named = namedType(converter, referenceName(ref));
    const relationship = mapRelationship(schema);
    if (!relationship) return named;
    return new TypeRef(() => {
      const atom = named.atom;
      return atom && withElementRelationship(atom, relationship);
    });
  }
  return new TypeRef(() => convertSchema(converter, schema, preserve));
}

function mapRelationship(schema: OpenApiSchema): ElementRelationship | '' {
  switch (schema['x-kubernetes-map-type']) {
    case 'atomic':
      return 'atomic';
    case 'granular':
      return 'separable';
    default:
      return '';
  }
}

function mapAtom(converter: Converter, schema: OpenApiSchema, preserve: boolean): MapAtom {
  const fields = new Map<string, StructField>();
  for (const [name, member] of Object.entries(schema.properties ?? {})) {
    fields.set(name, member.default === undefined ? { type: typeRefOf(converter, member, preserve) } : { type: typeRefOf(converter, member, preserve), default: member.default as StructField['default'] });
  }
  let elementType: TypeRef | undefined;
  const additional = schema.additionalProperties;
  if (additional === undefined) elementType = preserve || fields.size === 0 ? deducedType : undefined;
  else if (additional === true) elementType = deducedType;
  else if (additional !== false) elementType = typeRefOf(converter, additional, preserve);
  return { fields, elementType, elementRelationship: mapRelationship(schema) };
}

function listAtom(converter: Converter, schema: OpenApiSchema, preserve: boolean): ListAtom {
  const { relationship, keys } = listRelationship(schema);
  const elementType = schema.items ? typeRefOf(converter, schema.items, preserve) : untypedAtomicType;
  return { elementType, elementRelationship: relationship, keys };
}

function listRelationship(schema: OpenApiSchema): { relationship: ElementRelationship; keys: string[] } {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (listType === 'set') return { relationship: 'associative', keys: [] };
    if (listType === 'map') return { relationship: 'associative', keys: (schema['x-kubernetes-list-map-keys'] ?? []).filter((k) => typeof k === 'string') };
    return { relationship: 'atomic', keys: [] };
  }
  const strategy = schema['x-kubernetes-patch-strategy'];
  if (strategy === 'merge' || strategy === 'merge,retainKeys') {
    const mergeKey = schema['x-kubernetes-patch-merge-key'];
    return { relationship: 'associative', keys: typeof mergeKey === 'string' ? [mergeKey] : [] };
  }
  return { relationship: 'atomic', keys: [] };
}
