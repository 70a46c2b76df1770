// Where the API finds each served kind's schema: the built-in schema facts by definition name
// (CustomResourceDefinitions add their own), for OpenAPI, strict field validation and patch metadata.
import { customResourceSchema } from './apply/openapi-types.ts';
import { builtinSchemas } from './openapi/builtin-schemas.ts';
import type { OpenApiSchema } from './openapi/schema.ts';
import type { ApiResourceInfo } from './openapi/operations.ts';
import type { KindSchema } from './patch/kind-schema.ts';
import { servedSubresources, servedVerbs, type Registry, type ServedVersion } from './registry/registry.ts';

const customSchemas = new WeakMap<OpenApiSchema, KindSchema>();

/** The schema patch and apply read for a kind in a served version: a CRD's own, or the built-in facts. */
export function kindSchemaOf(served: ServedVersion): KindSchema | undefined {
  const inline = served.versionDescription.schema;
  if (!inline) return builtinKindSchema(served);
  let schema = customSchemas.get(inline);
  if (!schema) customSchemas.set(inline, (schema = { schema: customResourceSchema(inline), definitions: builtinSchemas() })); // resolves the ObjectMeta reference
  return schema;
}

/** The schema strategic merge and apply read for a built-in kind in a served version. */
export function builtinKindSchema(served: ServedVersion): KindSchema | undefined {
  const name = served.versionDescription.definitionName;
  const schema = name ? builtinSchemas().definition(name) : undefined;
  return schema ? { schema, definitions: builtinSchemas() } : undefined;
}

/** Every served resource in the shape the OpenAPI publisher takes. */
export function apiResourceInfos(registry: Registry): ApiResourceInfo[] {
  return registry.servedVersions().map((served) => {
    const description = served.description;
    const definitionName = served.versionDescription.definitionName;
    return {
      group: served.group,
      version: served.version,
      kind: served.kind,
      plural: served.plural,
      namespaced: description.namespaced,
      verbs: servedVerbs(served),
      subresources: servedSubresources(served).map((s) => ({ name: s.subresource, kind: s.responseKind.kind, group: s.responseKind.group, version: s.responseKind.version, verbs: s.verbs })),
      definitionName: definitionName && builtinSchemas().definition(definitionName) ? definitionName : undefined,
      schema: served.versionDescription.schema,
    };
  });
}
