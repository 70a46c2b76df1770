// The Go type names kube-apiserver's typed JSON decoding prints in its errors
// (`… of type int32`, `… of type []v1.Container`). Most follow from the schema; the schema facts
// carry the exceptions (named types such as `v1.Protocol`) as overrides.
import { definitionNameOfRef } from './schema-refs.ts';
import type { OpenApiSchema } from './schema.ts';

/** `io.k8s.api.core.v1.Container` → `v1.Container` (the Go package name and the type name). */
export function goNameOfDefinition(definitionName: string): string {
  const parts = definitionName.split('.');
  return parts.length < 2 ? definitionName : `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
}

/** The Go type a value of this schema decodes into, as reflect prints it. */
export function goTypeNameFromSchema(schema: OpenApiSchema): string {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]!.$ref : undefined);
  if (ref) return goNameOfDefinition(definitionNameOfRef(ref));
  switch (schema.type) {
    case 'integer':
      return schema.format === 'int64' ? 'int64' : 'int32';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return schema.format === 'byte' ? '[]uint8' : 'string';
    case 'array':
      return `[]${schema.items ? goTypeNameFromSchema(schema.items) : 'interface {}'}`;
    case 'object':
      if (typeof schema.additionalProperties === 'object') return `map[string]${goTypeNameFromSchema(schema.additionalProperties)}`;
      return 'map[string]interface {}';
    default:
      return 'interface {}';
  }
}
