// A CustomResourceDefinition as a kind the registry serves: names, scope and versions from the CRD,
// the storage version as the stored form (conversion strategy None: only apiVersion changes),
// status and scale subresources, printer columns, schema defaults, pruning and validation.
import type { OpenApiSchema } from '../openapi/schema.ts';
import { fieldError } from '../registry/field-errors.ts';
import type { KubeObject, ResourceDescription, ScaleDescription, VersionDescription } from '../registry/types.ts';
import type { StatusCause } from '../status.ts';
import { customResourceTableConvertor, defaultTableConvertor } from '../tables/index.ts';
import type { CustomResourceColumnDefinition } from '../tables/types.ts';
import { applySchemaDefaults, validateAgainstSchema } from './schema-validation.ts';

type Json = Record<string, any>;

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: OpenApiSchema };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: { jsonPath: string }[];
}

export interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
  preserveUnknownFields?: boolean;
}

/** `.spec.size` → ['spec', 'size'] */
function jsonPathSegments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter(Boolean);
}

function valueAt(object: unknown, segments: string[]): unknown {
  let value = object;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Json)[segment];
  }
  return value;
}

/** The parts of a custom resource its schema governs (not apiVersion, kind or metadata). */
function schemaBody(schema: OpenApiSchema): OpenApiSchema {
  const properties = { ...(schema.properties ?? {}) };
  delete properties.apiVersion;
  delete properties.kind;
  delete properties.metadata;
  return { ...schema, properties };
}

function validateCustomResource(object: KubeObject, old: KubeObject | undefined, schema: OpenApiSchema | undefined): StatusCause[] {
  if (!schema) return [];
  const body: Json = { ...object };
  delete body.apiVersion;
  delete body.kind;
  delete body.metadata;
  const oldBody: Json | undefined = old ? { ...old } : undefined;
  return validateAgainstSchema(body, schemaBody(schema), '', {}, oldBody);
}

export function customResourceDescription(spec: CrdSpec): ResourceDescription | undefined {
  const served = spec.versions.filter((v) => v.served);
  const storage = spec.versions.find((v) => v.storage);
  if (!storage || served.length === 0) return undefined;
  // The storage version comes first (it is the stored form); then the others by declaration order.
  const ordered = [storage, ...served.filter((v) => v !== storage)];
  const versions: VersionDescription[] = ordered.map((version) => {
    const schema = version.schema?.openAPIV3Schema;
    return {
      version: version.name,
      served: version.served,
      // A version without a schema (CRDs written through apiextensions.k8s.io/v1beta1) keeps whatever it is given.
      schema: schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      preserveUnknownFields: spec.preserveUnknownFields === true,
      defaults: schema ? (object) => applySchemaDefaults(object, schemaBody(schema)) : undefined,
      toStored: (object) => object,
      fromStored: (object) => ({ ...object }),
    };
  });
  const scaleSpec = storage.subresources?.scale;
  const scale: ScaleDescription | undefined = scaleSpec
    ? {
        specReplicasPath: jsonPathSegments(scaleSpec.specReplicasPath),
        statusReplicasPath: jsonPathSegments(scaleSpec.statusReplicasPath),
        labelSelectorPath: scaleSpec.labelSelectorPath ? jsonPathSegments(scaleSpec.labelSelectorPath) : undefined,
      }
    : undefined;
  const storageSchema = storage.schema?.openAPIV3Schema;
  const fieldSelectors: ResourceDescription['fieldSelectors'] = {};
  for (const field of storage.selectableFields ?? []) {
    const segments = jsonPathSegments(field.jsonPath);
    fieldSelectors[segments.join('.')] = (object) => {
      const value = valueAt(object, segments);
      return value === undefined ? undefined : String(value);
    };
  }
  let table = defaultTableConvertor;
  try {
    table = customResourceTableConvertor(storage.additionalPrinterColumns ?? []);
  } catch (error) {
    table = (error as { partialConvertor?: typeof table }).partialConvertor ?? defaultTableConvertor;
  }
  return {
    group: spec.group,
    kind: spec.names.kind,
    plural: spec.names.plural,
    singular: spec.names.singular || spec.names.kind.toLowerCase(),
    listKind: spec.names.listKind || `${spec.names.kind}List`,
    shortNames: spec.names.shortNames,
    categories: spec.names.categories,
    namespaced: spec.scope !== 'Cluster',
    versions,
    status: Boolean(storage.subresources?.status),
    scale,
    generation: true,
    table,
    fieldSelectors,
    validate: (object, old) => {
      const causes = validateCustomResource(object, old, storageSchema);
      if (scale) {
        const replicas = valueAt(object, scale.specReplicasPath);
        if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
          causes.push(fieldError.invalid(scale.specReplicasPath.join('.'), replicas, 'should be a non-negative integer'));
        }
      }
      return causes;
    },
  };
}
