// Validation of custom resources against their OpenAPI v3 (structural) schema, with the field paths
// and messages kube-apiserver's validator produces, e.g.
// `spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1`.
import { fieldError } from '../registry/field-errors.ts';
import type { OpenApiSchema } from '../openapi/schema.ts';
import type { StatusCause } from '../status.ts';

type Json = unknown;

function jsonType(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: Json, type: string | undefined, schema: OpenApiSchema): boolean {
  if (!type) return true;
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
  const actual = jsonType(value);
  if (type === 'number') return actual === 'number' || actual === 'integer';
  return actual === type;
}

const formats: Record<string, (value: string) => boolean> = {
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  ipv4: (v) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v),
  uuid: (v) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v),
  byte: (v) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0,
  hostname: (v) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(v) && v.length <= 253,
};

/** Kubernetes paths: `spec.items[0].name`, `metadata.labels[app]` style for map keys of non-identifiers. */
function child(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export interface SchemaValidationOptions {
  /** Called for `x-kubernetes-validations` rules (CEL); returns error causes. */
  rules?: (schema: OpenApiSchema, value: Json, old: Json | undefined, path: string) => StatusCause[];
}

export function validateAgainstSchema(value: Json, schema: OpenApiSchema, path = '', options: SchemaValidationOptions = {}, old?: Json): StatusCause[] {
  const causes: StatusCause[] = [];
  walk(value, schema, path, causes, options, old);
  return causes;
}

function walk(value: Json, schema: OpenApiSchema, path: string, causes: StatusCause[], options: SchemaValidationOptions, old: Json | undefined): void {
  if (value === null) {
    if (!schema.nullable && schema.type && !schema['x-kubernetes-preserve-unknown-fields']) {
      causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"` });
    }
    return;
  }
  if (!matchesType(value, schema.type, schema)) {
    const shown = typeof value === 'string' ? value : jsonType(value);
    causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${shown}": ${path} in body must be of type ${schema.type}: "${shown}"` });
    return;
  }
  if (schema.enum && !schema.enum.some((candidate) => JSON.stringify(candidate) === JSON.stringify(value))) {
    causes.push(fieldError.notSupported(path, value, schema.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  const s = schema as OpenApiSchema & Record<string, any>;
  if (typeof value === 'number') {
    if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
      causes.push(fieldError.invalid(path, value, `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
    }
    if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
      causes.push(fieldError.invalid(path, value, `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
    }
    if (s.multipleOf !== undefined && value % s.multipleOf !== 0) causes.push(fieldError.invalid(path, value, `${path} in body should be a multiple of ${s.multipleOf}`));
    if (schema.format === 'int32' && (value > 2147483647 || value < -2147483648)) causes.push(fieldError.invalid(path, value, `${path} in body should be a int32`));
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (s.maxLength !== undefined && length > s.maxLength) causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${s.maxLength} bytes` });
    if (s.minLength !== undefined && length < s.minLength) causes.push(fieldError.invalid(path, value, `${path} in body should be at least ${s.minLength} chars long`));
    if (s.pattern !== undefined) {
      let pattern: RegExp | undefined;
      try {
        pattern = new RegExp(s.pattern, 'u');
      } catch {
        pattern = undefined;
      }
      if (pattern && !pattern.test(value)) causes.push(fieldError.invalid(path, value, `${path} in body should match '${s.pattern}'`));
    }
    const check = schema.format ? formats[schema.format] : undefined;
    if (check && !check(value)) causes.push(fieldError.invalid(path, value, `${path} in body must be of type ${schema.format}: ${JSON.stringify(value)}`));
  }
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) causes.push(fieldError.tooMany(path, value.length, s.maxItems));
    if (s.minItems !== undefined && value.length < s.minItems) causes.push(fieldError.invalid(path, value.length, `${path} in body should have at least ${s.minItems} items`));
    const listType = schema['x-kubernetes-list-type'];
    if (s.uniqueItems || listType === 'set') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) causes.push(fieldError.duplicate(`${path}[${i}]`, item));
        seen.add(key);
      });
    }
    if (listType === 'map') {
      const keys = schema['x-kubernetes-list-map-keys'] ?? [];
      const seen = new Set<string>();
      value.forEach((item, i) => {
        if (typeof item !== 'object' || item === null) return;
        const id = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
        if (seen.has(id)) causes.push(fieldError.duplicate(`${path}[${i}]`, Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)[k]]))));
        seen.add(id);
      });
    }
    if (schema.items) value.forEach((item, i) => walk(item, schema.items!, `${path}[${i}]`, causes, options, undefined));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, Json>;
    for (const required of schema.required ?? []) {
      if (object[required] === undefined) causes.push(fieldError.required(child(path, required), ''));
    }
    const count = Object.keys(object).length;
    if (s.maxProperties !== undefined && count > s.maxProperties) causes.push(fieldError.tooMany(path, count, s.maxProperties));
    if (s.minProperties !== undefined && count < s.minProperties) causes.push(fieldError.invalid(path, count, `${path} in body should have at least ${s.minProperties} properties`));
    const oldObject = typeof old === 'object' && old !== null ? (old as Record<string, Json>) : undefined;
    for (const [key, item] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property) walk(item, property, child(path, key), causes, options, oldObject?.[key]);
      else if (typeof schema.additionalProperties === 'object') walk(item, schema.additionalProperties, child(path, key), causes, options, oldObject?.[key]);
    }
  }
  for (const sub of schema.allOf ?? []) walk(value, sub, path, causes, options, old);
  const anyOf = (s.anyOf ?? []) as OpenApiSchema[];
  if (anyOf.length && !anyOf.some((sub) => validateAgainstSchema(value, sub, path).length === 0)) {
    causes.push(fieldError.invalid(path, value, `${path} in body must match at least one schema in anyOf`));
  }
  const oneOf = (s.oneOf ?? []) as OpenApiSchema[];
  if (oneOf.length && oneOf.filter((sub) => validateAgainstSchema(value, sub, path).length === 0).length !== 1) {
    causes.push(fieldError.invalid(path, value, `${path} in body must match exactly one schema in oneOf`));
  }
  if (s.not && validateAgainstSchema(value, s.not as OpenApiSchema, path).length === 0) causes.push(fieldError.invalid(path, value, `${path} in body should not match the schema in not`));
  if (options.rules && schema['x-kubernetes-validations']) causes.push(...options.rules(schema, value, old, path));
}

/** Applies `default`s of a structural schema (as apiextensions defaulting: only missing fields). */
export function applySchemaDefaults(value: Json, schema: OpenApiSchema): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  const object = value as Record<string, Json>;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (object[key] === undefined && property.default !== undefined) object[key] = structuredClone(property.default);
    if (object[key] !== undefined) applySchemaDefaults(object[key], property);
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const key of Object.keys(object)) if (!schema.properties?.[key]) applySchemaDefaults(object[key], schema.additionalProperties);
  }
}
