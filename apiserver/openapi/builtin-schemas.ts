// The schema facts of Kubernetes' built-in kinds (generated/schema-facts.ts), loaded on first use:
// definitions by name, the definition of a group/version/kind, and the Go type names typed
// decoding prints where the schema does not imply them.
import { schemaFactsJson } from './generated/schema-facts.ts';
import { definitionNameOfRef } from './schema-refs.ts';
import { addRemovedVersionDefinitions } from './removed-version-definitions.ts';
import type { GroupVersionKind, OpenApiSchema, SchemaDefinitions } from './schema.ts';

interface SchemaFactsFile {
  definitions: Record<string, OpenApiSchema>;
  goTypes: Record<string, Record<string, string>>;
  v3Variants: Record<string, OpenApiSchema>;
}

const metaPackage = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export class BuiltinSchemas implements SchemaDefinitions {
  readonly #definitions: Map<string, OpenApiSchema>;
  readonly #goTypes: Record<string, Record<string, string>>;
  readonly #v3Variants: Record<string, OpenApiSchema>;
  readonly #byGvk = new Map<string, string>();

  constructor(facts: SchemaFactsFile) {
    this.#definitions = new Map(Object.entries(facts.definitions));
    addRemovedVersionDefinitions(this.#definitions);
    this.#goTypes = facts.goTypes;
    this.#v3Variants = facts.v3Variants;
    for (const [name, schema] of this.#definitions) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        const key = gvkKey(gvk);
        // A kind's own package wins over meta types listed for every group (DeleteOptions, WatchEvent).
        if (!this.#byGvk.has(key) || !name.startsWith(metaPackage)) this.#byGvk.set(key, name);
      }
    }
  }

  definition(nameOrRef: string): OpenApiSchema | undefined {
    return this.#definitions.get(nameOrRef.startsWith('#') ? definitionNameOfRef(nameOrRef) : nameOrRef);
  }

  /** Every definition name, sorted. */
  names(): string[] {
    return [...this.#definitions.keys()];
  }

  /** The definition named by `x-kubernetes-group-version-kind`; meta kinds (DeleteOptions, Status…) for any group. */
  definitionNameFor(gvk: GroupVersionKind): string | undefined {
    const name = this.#byGvk.get(gvkKey(gvk));
    if (name) return name;
    const meta = `${metaPackage}.${gvk.kind}`;
    return this.#definitions.get(meta)?.['x-kubernetes-group-version-kind'] ? meta : undefined;
  }

  schemaFor(gvk: GroupVersionKind): OpenApiSchema | undefined {
    const name = this.definitionNameFor(gvk);
    return name === undefined ? undefined : this.#definitions.get(name);
  }

  /** The OpenAPI v3 form of a definition where it differs from the v2 one (IntOrString, Quantity). */
  v3Variant(name: string): OpenApiSchema | undefined {
    return this.#v3Variants[name];
  }

  /** The Go type of a field where it is a named type (`v1.Protocol`), else undefined. */
  goTypeOf(definitionName: string, property: string): string | undefined {
    return this.#goTypes[definitionName]?.[property];
  }
}

function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

let loaded: BuiltinSchemas | undefined;

/** The built-in schema facts, parsed on first use (~5 ms) and shared afterwards. */
export function builtinSchemas(): BuiltinSchemas {
  loaded ??= new BuiltinSchemas(JSON.parse(schemaFactsJson) as SchemaFactsFile);
  return loaded;
}

export function definitionNameFor(gvk: GroupVersionKind): string | undefined {
  return builtinSchemas().definitionNameFor(gvk);
}

export function schemaForGvk(gvk: GroupVersionKind): OpenApiSchema | undefined {
  return builtinSchemas().schemaFor(gvk);
}
