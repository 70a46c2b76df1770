// Builds k2's schema facts: every OpenAPI definition reachable from the built-in kinds of the
// newest document in ../shared/openapi (1.31) and from the removed apiVersions k2 serves forever,
// structure only (no description sentences). Definitions of removed versions come from the newest
// document that describes them; the Go API types then supply the fields those versions gained
// later (Kubernetes keeps adding fields of the stable version to the old Go types) and whole types
// no document describes (networking.k8s.io/v1beta1 Ingress).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { goTypeNameFromSchema } from '../go-type-names.ts';
import { definitionNameOfRef, referencedDefinitions } from '../schema-refs.ts';
import type { GroupVersionKind, OpenApiSchema } from '../schema.ts';
import { goTypeDisplay, type GoField, type GoType, type GoTypeFacts } from './go-types.ts';
import { readSharedJson, sharedDir } from './shared-material.ts';

type Definitions = Map<string, OpenApiSchema>;

interface SourceDocument {
  label: string;
  definitions: Definitions;
}

/** Removed (or beta) apiVersions whose kinds k2 keeps serving; current ones come from 1.31. */
export const removedGroupVersions = [
  'extensions/v1beta1',
  'apps/v1beta1',
  'apps/v1beta2',
  'batch/v1beta1',
  'batch/v2alpha1',
  'networking.k8s.io/v1beta1',
  'policy/v1beta1',
  'autoscaling/v2beta1',
  'autoscaling/v2beta2',
  'rbac.authorization.k8s.io/v1alpha1',
  'rbac.authorization.k8s.io/v1beta1',
  'apiextensions.k8s.io/v1beta1',
  'admissionregistration.k8s.io/v1beta1',
  'storage.k8s.io/v1beta1',
  'scheduling.k8s.io/v1alpha1',
  'scheduling.k8s.io/v1beta1',
  'coordination.k8s.io/v1beta1',
  'certificates.k8s.io/v1beta1',
  'events.k8s.io/v1beta1',
  'discovery.k8s.io/v1beta1',
  'node.k8s.io/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1beta1',
  'flowcontrol.apiserver.k8s.io/v1beta2',
  'flowcontrol.apiserver.k8s.io/v1beta3',
  'apiregistration.k8s.io/v1beta1',
  'authentication.k8s.io/v1beta1',
  'authorization.k8s.io/v1beta1',
];

/** Kinds Kubernetes 1.33 serves as GA (enabled by default) that no document here describes. */
export const newerStableKinds: Record<string, string[]> = { 'networking.k8s.io/v1': ['IPAddress', 'ServiceCIDR'] };

/** Where the kinds of a group moved when the group itself was retired. */
const successorGroups: Record<string, string[]> = { extensions: ['apps', 'networking.k8s.io', 'policy'] };

const typeMetaModel = 'io.k8s.apimachinery.pkg.apis.meta.v1.TypeMeta';

export interface SchemaFacts {
  definitions: Record<string, OpenApiSchema>;
  /** Go type names that differ from what the schema implies, by definition and property. */
  goTypes: Record<string, Record<string, string>>;
  /** Definitions whose OpenAPI v3 form differs from the v2 one (`oneOf` types: IntOrString, Quantity). */
  v3Variants: Record<string, OpenApiSchema>;
  report: SchemaFactsReport;
}

export interface SchemaFactsReport {
  /** Definition name → the document it came from (or `go` for types no document describes). */
  origins: Record<string, string>;
  /** `Definition.field` added to removed versions from the Go types. */
  backfilled: string[];
  /** Fields the Go types (newer than 1.31) have that the 1.31 definitions lack. */
  newerThanDocuments: string[];
  /** Kinds in the Go types of current groups that no document describes. */
  kindsNewerThanDocuments: string[];
  /** Where the 1.31 document's patch/list extensions differ from the Go markers (kept as documented). */
  markerDifferences: string[];
  /** Removed apiVersion/kinds (../shared/facts/removed-versions.json) the facts do not describe. */
  removedKindsNotDescribed: string[];
}

// ---------------------------------------------------------------------------------------------
// Loading and normalising the documents

/** Drops descriptions, turns v3 `#/components/schemas/` refs into v2 `#/definitions/` refs and
 * `allOf: [{$ref}]` wrappers into plain `$ref`s, keeping every other keyword and extension. */
export function structureOnly(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structureOnly);
  if (schema === null || typeof schema !== 'object') return schema;
  const source = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'description') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = `#/definitions/${definitionNameOfRef(value)}`;
      continue;
    }
    // `properties` and `default`/`enum`/`example` values are data, not schemas: keep their keys.
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, structureOnly(property)]));
      continue;
    }
    if (key === 'default' || key === 'enum' || key === 'example' || key.startsWith('x-')) {
      out[key] = value;
      continue;
    }
    out[key] = structureOnly(value);
  }
  const allOf = out.allOf as OpenApiSchema[] | undefined;
  if (allOf?.length === 1 && allOf[0]!.$ref && Object.keys(allOf[0]!).length === 1) {
    delete out.allOf;
    out.$ref = allOf[0]!.$ref;
  }
  return out;
}

function loadDefinitions(entries: Record<string, unknown>): Definitions {
  const definitions: Definitions = new Map();
  for (const [name, schema] of Object.entries(entries)) {
    // The 1.14 document also lists its types under deprecated `io.k8s.kubernetes.pkg` aliases.
    if (name.startsWith('io.k8s.kubernetes.pkg.')) continue;
    definitions.set(name, structureOnly(schema) as OpenApiSchema);
  }
  return definitions;
}

function loadSwagger(file: string): SourceDocument {
  const document = readSharedJson<{ definitions: Record<string, unknown> }>('openapi', 'v2', file);
  return { label: file.replace(/\.json$/, ''), definitions: loadDefinitions(document.definitions) };
}

function loadV3(dir: string): SourceDocument {
  const merged: Record<string, unknown> = {};
  for (const file of readdirSync(join(sharedDir(), 'openapi', dir)).sort()) {
    const document = readSharedJson<{ components?: { schemas?: Record<string, unknown> } }>('openapi', dir, file);
    Object.assign(merged, document.components?.schemas ?? {});
  }
  return { label: dir, definitions: loadDefinitions(merged) };
}

export function loadDocuments(): { current: SourceDocument; older: SourceDocument[]; withDefaults: SourceDocument[] } {
  const current = loadSwagger('swagger-v1.31.json');
  const v325 = loadV3('v3-1.25');
  const v324 = loadV3('v3-1.24');
  return {
    current,
    // Newest first: a definition missing from 1.31 is taken from the newest document that has it.
    older: [loadSwagger('swagger-v1.28.json'), v325, v324, loadSwagger('swagger-v1.14-dev-2019-01-29.json')],
    // Only the v3 documents carry `default`s.
    withDefaults: [v325, v324],
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers over schemas

function shortName(definitionName: string): string {
  return definitionName.slice(definitionName.lastIndexOf('.') + 1);
}

function packageOf(definitionName: string): string {
  return definitionName.slice(0, definitionName.lastIndexOf('.'));
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first. */
function versionRank(version: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!m) return -1;
  const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  return stability * 1_000_000 + Number(m[1]) * 1000 + Number(m[3] ?? 0);
}

/** Copies `default`s the v3 documents give where the target lacks them (same shape only). */
function mergeDefaults(target: OpenApiSchema, source: OpenApiSchema): void {
  if (source.default !== undefined && target.default === undefined && source.type === target.type && source.$ref === target.$ref) {
    target.default = clone(source.default);
  }
  if (target.items && source.items) mergeDefaults(target.items, source.items);
  if (typeof target.additionalProperties === 'object' && typeof source.additionalProperties === 'object') {
    mergeDefaults(target.additionalProperties, source.additionalProperties);
  }
  for (const [name, property] of Object.entries(target.properties ?? {})) {
    const other = source.properties?.[name];
    if (other) mergeDefaults(property, other);
  }
}

// ---------------------------------------------------------------------------------------------
// The build

export function buildSchemaFacts(go: GoTypeFacts): SchemaFacts {
  const { current, older, withDefaults } = loadDocuments();
  const removedKinds = new Map<string, string[]>();
  for (const entry of readSharedJson<{ apiVersion: string; kind: string }[]>('facts', 'removed-versions.json')) {
    removedKinds.set(entry.apiVersion, [...(removedKinds.get(entry.apiVersion) ?? []), entry.kind]);
  }
  const definitions: Definitions = new Map();
  const origins = new Map<string, string>();
  const report: SchemaFactsReport = { origins: {}, backfilled: [], newerThanDocuments: [], kindsNewerThanDocuments: [], markerDifferences: [], removedKindsNotDescribed: [] };
  const groupOfPackage = (pkg: string): string | undefined => go.groups.get(pkg);
  const packageOfGroupVersion = (group: string, version: string): string | undefined => {
    const fromGo = [...go.groups].find(([pkg, g]) => g === group && pkg.endsWith(`.${version}`))?.[0];
    if (fromGo) return fromGo;
    // Versions Kubernetes also deleted from its Go module (batch/v2alpha1) live on in the documents.
    for (const document of older) {
      for (const [name, schema] of document.definitions) {
        const gvks = schema['x-kubernetes-group-version-kind'] ?? [];
        if (!name.startsWith('io.k8s.apimachinery.') && gvks.some((gvk) => gvk.group === group && gvk.version === version)) return packageOf(name);
      }
    }
    return undefined;
  };

  for (const [name, schema] of current.definitions) {
    definitions.set(name, clone(schema));
    origins.set(name, current.label);
  }

  /** Go fields of a struct with embedded structs flattened, as JSON sees them. */
  const jsonFields = (model: string): GoField[] | undefined => {
    const fields = go.structs.get(model);
    if (!fields) return undefined;
    return fields.flatMap((field) => {
      if (!field.inline) return [field];
      return field.type.kind === 'named' ? (jsonFields(field.type.model) ?? []) : [];
    });
  };

  const candidatesByShortName = new Map<string, { name: string; schema: OpenApiSchema }[]>();
  for (const document of [current, ...older]) {
    for (const [name, schema] of document.definitions) {
      const list = candidatesByShortName.get(shortName(name)) ?? [];
      if (!list.some((c) => c.name === name)) list.push({ name, schema });
      candidatesByShortName.set(shortName(name), list);
    }
  }

  /** The 1.31 definition a removed version's type became (same name, newest version of its group). */
  const successorOf = (name: string): string | undefined => {
    const group = groupOfPackage(packageOf(name));
    if (group === undefined) return undefined;
    const groups = [group, ...(successorGroups[group] ?? [])];
    const candidates = (candidatesByShortName.get(shortName(name)) ?? [])
      .filter((c) => c.name !== name && current.definitions.has(c.name))
      .map((c) => ({ name: c.name, group: groupOfPackage(packageOf(c.name)), version: packageOf(c.name).split('.').at(-1)! }))
      .filter((c) => c.group !== undefined && groups.includes(c.group));
    candidates.sort((a, b) => groups.indexOf(a.group!) - groups.indexOf(b.group!) || versionRank(b.version) - versionRank(a.version));
    return candidates[0]?.name;
  };

  const pending: string[] = [];
  const ensureDefinition = (name: string): void => {
    if (definitions.has(name)) return;
    for (const document of older) {
      const schema = document.definitions.get(name);
      if (!schema) continue;
      definitions.set(name, clone(schema));
      origins.set(name, document.label);
      pending.push(name);
      for (const ref of referencedDefinitions(schema)) ensureDefinition(ref);
      return;
    }
    const fields = jsonFields(name);
    if (!fields) throw new Error(`no document or Go type describes ${name}`);
    const schema: OpenApiSchema = { type: 'object', properties: {} };
    // openapi-gen's rule: `+required` wins, then `+optional`, then omitempty means optional.
    const required = fields.filter((f) => f.required || (!f.optional && !f.omitempty)).map((f) => f.json);
    if (required.length) schema.required = required;
    definitions.set(name, schema);
    origins.set(name, 'go');
    pending.push(name);
  };

  /** A property schema for a Go field: from a same-named type in another version, else from Go. */
  const propertyFor = (name: string, field: GoField): OpenApiSchema => {
    const successor = successorOf(name);
    const candidates = (candidatesByShortName.get(shortName(name)) ?? []).filter((c) => c.name !== name);
    candidates.sort((a, b) => Number(b.name === successor) - Number(a.name === successor));
    const sibling = candidates.find((c) => c.schema.properties?.[field.json]);
    if (sibling) {
      // Point references at this version's own types where the Go field uses them.
      const models = new Map(namedModels(field.type).map((model) => [shortName(model), model]));
      return remapRefs(clone(sibling.schema.properties![field.json]!), models);
    }
    return schemaFromGoType(field.type);
  };

  const schemaFromGoType = (type: GoType): OpenApiSchema => {
    switch (type.kind) {
      case 'builtin':
        return builtinSchema(type.name);
      case 'slice':
        if (type.elem.kind === 'builtin' && type.elem.name === 'uint8') return { type: 'string', format: 'byte' };
        return { type: 'array', items: schemaFromGoType(type.elem) };
      case 'map':
        return { type: 'object', additionalProperties: schemaFromGoType(type.value) };
      case 'named': {
        if (definitions.has(type.model) || go.structs.has(type.model) || older.some((d) => d.definitions.has(type.model))) {
          return { $ref: `#/definitions/${type.model}` };
        }
        const underlying = go.namedTypes.get(type.model);
        if (!underlying) throw new Error(`cannot describe Go type ${type.model}`);
        return schemaFromGoType(underlying);
      }
    }
  };

  const applyMarkers = (property: OpenApiSchema, field: GoField): void => {
    const set = (key: `x-kubernetes-${string}`, value: unknown) => {
      if (value !== undefined && property[key] === undefined) property[key] = value;
    };
    set('x-kubernetes-patch-strategy', field.patchStrategy);
    set('x-kubernetes-patch-merge-key', field.patchMergeKey);
    set('x-kubernetes-list-type', field.listType);
    set('x-kubernetes-list-map-keys', field.listMapKeys);
    set('x-kubernetes-map-type', field.mapType);
  };

  const compareMarkers = (name: string, property: OpenApiSchema, field: GoField): void => {
    const pairs: [string, unknown][] = [
      ['x-kubernetes-patch-strategy', field.patchStrategy],
      ['x-kubernetes-patch-merge-key', field.patchMergeKey],
      ['x-kubernetes-list-type', field.listType],
      ['x-kubernetes-list-map-keys', field.listMapKeys],
    ];
    for (const [key, expected] of pairs) {
      const documented = property[key as `x-${string}`];
      if (JSON.stringify(documented) !== JSON.stringify(expected)) {
        report.markerDifferences.push(`${name}.${field.json} ${key}: document ${JSON.stringify(documented)}, Go ${JSON.stringify(expected)}`);
      }
    }
  };

  /** Adds the fields a definition's Go type has and the definition lacks. */
  const backfill = (name: string): void => {
    const schema = definitions.get(name)!;
    const fields = jsonFields(name);
    if (!fields) return;
    const successor = successorOf(name);
    const successorSchema = successor ? definitions.get(successor) : undefined;
    const successorFields = successor ? new Set(jsonFields(successor)?.map((f) => f.json)) : undefined;
    schema.properties ??= {};
    for (const field of fields) {
      let property = schema.properties[field.json];
      if (!property) {
        // A field the 1.31 successor lacks but its Go type has arrived after 1.31: leave it out here too.
        if (successorSchema && !successorSchema.properties?.[field.json] && successorFields?.has(field.json)) continue;
        property = propertyFor(name, field);
        schema.properties[field.json] = property;
        if (origins.get(name) !== 'go') report.backfilled.push(`${name}.${field.json}`);
        for (const ref of referencedDefinitions(property)) ensureDefinition(ref);
      }
      applyMarkers(property, field);
    }
  };

  // Kinds of the removed versions, from the documents and from the Go types; and the GA kinds of
  // 1.33 no document here describes (from the Go types and their beta siblings).
  const goOnlyKinds = (groupVersion: string) => [...(removedKinds.get(groupVersion) ?? []), ...(newerStableKinds[groupVersion] ?? [])];
  for (const groupVersion of [...removedGroupVersions, ...Object.keys(newerStableKinds)]) {
    const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') as [string, string] : ['', groupVersion];
    const pkg = packageOfGroupVersion(group, version);
    if (!pkg) throw new Error(`no Go package for ${groupVersion}`);
    const kinds = new Set<string>();
    for (const document of [current, ...older]) {
      for (const [name, schema] of document.definitions) {
        if (packageOf(name) !== pkg) continue;
        const gvks = schema['x-kubernetes-group-version-kind'] ?? [];
        if (gvks.some((gvk) => gvk.group === group && gvk.version === version)) kinds.add(name);
      }
    }
    // Kinds no document describes (networking.k8s.io/v1beta1 Ingress): from the Go types, but
    // only those Kubernetes really served in this version (the Go packages of old versions also
    // gained kinds that never were, like admissionregistration/v1beta1 MutatingAdmissionPolicy).
    for (const kind of goOnlyKinds(groupVersion)) {
      const model = `${pkg}.${kind}`;
      if (go.structs.has(model) && !kinds.has(model)) {
        kinds.add(model);
        if (go.structs.has(`${model}List`)) kinds.add(`${model}List`);
      }
    }
    for (const name of [...kinds].sort()) {
      ensureDefinition(name);
      const schema = definitions.get(name)!;
      const gvk: GroupVersionKind = { group, version, kind: shortName(name) };
      if (!schema['x-kubernetes-group-version-kind']) schema['x-kubernetes-group-version-kind'] = [gvk];
    }
  }
  while (pending.length) backfill(pending.shift()!);

  // Defaults from the v3 documents; differences between the 1.31 extensions and the Go markers.
  for (const [name, schema] of definitions) {
    for (const document of withDefaults) {
      const other = document.definitions.get(name);
      if (other) mergeDefaults(schema, other);
    }
    if (origins.get(name) !== current.label) continue;
    const fields = jsonFields(name);
    for (const field of fields ?? []) {
      const property = schema.properties?.[field.json];
      if (property) compareMarkers(name, property, field);
      else report.newerThanDocuments.push(`${name}.${field.json}`);
    }
  }
  const documentedKinds = new Set([...definitions.keys()]);
  for (const [model, fields] of go.structs) {
    const group = groupOfPackage(packageOf(model));
    if (group === undefined || documentedKinds.has(model) || group === 'meta.k8s.io') continue;
    const isKind = fields.some((f) => f.inline && f.type.kind === 'named' && f.type.model === typeMetaModel);
    if (isKind && fields.some((f) => f.json === 'metadata') && !model.endsWith('List')) {
      report.kindsNewerThanDocuments.push(`${group || 'core'}/${packageOf(model).split('.').at(-1)} ${shortName(model)}`);
    }
  }

  // Go type names that differ from what the schema implies.
  const goTypes: Record<string, Record<string, string>> = {};
  for (const [name, schema] of definitions) {
    for (const field of jsonFields(name) ?? []) {
      const property = schema.properties?.[field.json];
      if (!property) continue;
      const goType = goTypeDisplay(field.type);
      if (goType !== goTypeNameFromSchema(property)) (goTypes[name] ??= {})[field.json] = goType;
    }
  }

  const describedKinds = new Set<string>();
  for (const schema of definitions.values()) {
    for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) describedKinds.add(`${gvk.group ? `${gvk.group}/` : ''}${gvk.version} ${gvk.kind}`);
  }
  for (const [apiVersion, kinds] of removedKinds) {
    for (const kind of kinds) if (!describedKinds.has(`${apiVersion} ${kind}`)) report.removedKindsNotDescribed.push(`${apiVersion} ${kind}`);
  }
  report.removedKindsNotDescribed.sort();

  const v3Variants: Record<string, OpenApiSchema> = {};
  for (const document of withDefaults) {
    for (const [name, schema] of document.definitions) {
      if (definitions.has(name) && (schema as { oneOf?: unknown }).oneOf && !v3Variants[name]) v3Variants[name] = schema;
    }
  }

  const sortedDefinitions: Record<string, OpenApiSchema> = {};
  for (const name of [...definitions.keys()].sort()) sortedDefinitions[name] = definitions.get(name)!;
  report.origins = Object.fromEntries([...origins].sort(([a], [b]) => a.localeCompare(b)));
  report.backfilled.sort();
  report.newerThanDocuments.sort();
  report.kindsNewerThanDocuments.sort();
  return { definitions: sortedDefinitions, goTypes, v3Variants, report };
}

function builtinSchema(goType: string): OpenApiSchema {
  switch (goType) {
    case 'string':
      return { type: 'string' };
    case 'bool':
      return { type: 'boolean' };
    case 'int32':
    case 'int':
      return { type: 'integer', format: 'int32' };
    case 'int64':
      return { type: 'integer', format: 'int64' };
    case 'float64':
    case 'float32':
      return { type: 'number', format: 'double' };
    default:
      throw new Error(`no schema for Go type ${goType}`);
  }
}

function namedModels(type: GoType): string[] {
  switch (type.kind) {
    case 'builtin':
      return [];
    case 'slice':
      return namedModels(type.elem);
    case 'map':
      return namedModels(type.value);
    case 'named':
      return [type.model];
  }
}

function remapRefs(schema: OpenApiSchema, models: Map<string, string>): OpenApiSchema {
  if (schema.$ref) {
    const target = models.get(shortName(definitionNameOfRef(schema.$ref)));
    if (target) schema.$ref = `#/definitions/${target}`;
  }
  if (schema.items) remapRefs(schema.items, models);
  if (typeof schema.additionalProperties === 'object') remapRefs(schema.additionalProperties, models);
  for (const property of Object.values(schema.properties ?? {})) remapRefs(property, models);
  return schema;
}
