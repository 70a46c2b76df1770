// References between schema definitions: `$ref` forms, and the definitions a schema points to.

/** `#/definitions/io.k8s.api.core.v1.Container` or `#/components/schemas/…` → the bare name. */
export function definitionNameOfRef(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/**
 * The definition names a schema's `$ref`s point to, in order of appearance. Property names are
 * not keywords (JSONSchemaProps has properties called `$ref`, `default` and `enum`); values of
 * `default`, `enum`, `example` and extensions are data.
 */
export function referencedDefinitions(schema: unknown, into: string[] = []): string[] {
  if (Array.isArray(schema)) {
    for (const item of schema) referencedDefinitions(item, into);
  } else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') into.push(definitionNameOfRef(value));
      else if (key === 'properties' && value && typeof value === 'object') Object.values(value).forEach((property) => referencedDefinitions(property, into));
      else if (key !== 'default' && key !== 'enum' && key !== 'example' && !key.startsWith('x-')) referencedDefinitions(value, into);
    }
  }
  return into;
}
