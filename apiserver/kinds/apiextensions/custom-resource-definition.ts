import { dns1123LabelErrors, dns1123SubdomainErrors, fieldError } from '../../registry/field-errors.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind } from '../define.ts';
import { customResourceDefinitionVersions } from './custom-resource-definition-versions.ts';

type Json = Record<string, any>;

/** Removed from a CRD only after all its objects are gone (apiextensions-apiserver's finalizer). */
export const crdCleanupFinalizer = 'customresourcecleanup.apiextensions.k8s.io';

function validateCrd(crd: Json, old: Json | undefined): StatusCause[] {
  const spec: Json = crd.spec ?? {};
  const names: Json = spec.names ?? {};
  const causes: StatusCause[] = [];
  if (!spec.group) causes.push(fieldError.required('spec.group', ''));
  else {
    for (const message of dns1123SubdomainErrors(spec.group)) causes.push(fieldError.invalid('spec.group', spec.group, message));
    if (!spec.group.includes('.')) causes.push(fieldError.invalid('spec.group', spec.group, "should be a domain with at least one dot"));
  }
  if (!names.plural) causes.push(fieldError.required('spec.names.plural', ''));
  else for (const message of dns1123LabelErrors(names.plural)) causes.push(fieldError.invalid('spec.names.plural', names.plural, message));
  if (names.singular) for (const message of dns1123LabelErrors(names.singular)) causes.push(fieldError.invalid('spec.names.singular', names.singular, message));
  if (!names.kind) causes.push(fieldError.required('spec.names.kind', ''));
  if (names.plural && spec.group && crd.metadata?.name !== `${names.plural}.${spec.group}`) {
    causes.push(fieldError.invalid('metadata.name', crd.metadata?.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  }
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) causes.push(fieldError.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const versions: Json[] = spec.versions ?? [];
  if (!versions.length) causes.push(fieldError.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage).length !== 1) causes.push(fieldError.invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  versions.forEach((version, i) => {
    const at = `spec.versions[${i}]`;
    if (!version.name) causes.push(fieldError.required(`${at}.name`, ''));
    else {
      if (!/^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version.name) && dns1123LabelErrors(version.name).length) {
        causes.push(fieldError.invalid(`${at}.name`, version.name, dns1123LabelErrors(version.name)[0]!));
      }
      if (seen.has(version.name)) causes.push(fieldError.invalid('spec.versions', version.name, 'must contain unique version names'));
      seen.add(version.name);
    }
    const schema = version.schema?.openAPIV3Schema;
    // CRDs written through v1beta1 may have no schema: they preserve unknown fields instead.
    if (!schema && spec.preserveUnknownFields !== true) causes.push(fieldError.required(`${at}.schema.openAPIV3Schema`, 'schemas are required'));
    else if (schema && schema.type !== 'object') causes.push(fieldError.invalid(`${at}.schema.openAPIV3Schema.type`, schema.type ?? '', 'must be object at the root'));
  });
  if (old) {
    const oldSpec: Json = old.spec ?? {};
    if (oldSpec.group !== spec.group) causes.push(fieldError.immutable('spec.group', spec.group));
    if (oldSpec.names?.plural !== names.plural) causes.push(fieldError.immutable('spec.names.plural', names.plural));
    if (oldSpec.scope !== spec.scope) causes.push(fieldError.immutable('spec.scope', spec.scope));
  }
  return causes;
}

export const customResourceDefinitions = defineKind({
  group: 'apiextensions.k8s.io',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  versions: ['v1', ...customResourceDefinitionVersions],
  status: true,
  generation: true,
  defaults(crd) {
    const spec: Json = ((crd.spec as Json | undefined) ??= {});
    spec.names ??= {};
    if (spec.names.kind) {
      spec.names.singular ||= String(spec.names.kind).toLowerCase();
      spec.names.listKind ||= `${spec.names.kind}List`;
    }
    spec.conversion ??= { strategy: 'None' };
    const service = spec.conversion.webhook?.clientConfig?.service as Json | undefined;
    if (service) service.port ??= 443;
  },
  prepareForCreate(crd) {
    const storage = ((crd.spec as Json | undefined)?.versions ?? []).find((v: Json) => v.storage);
    crd.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: storage ? [storage.name] : [] };
    crd.metadata.finalizers = [...new Set([...(crd.metadata.finalizers ?? []), crdCleanupFinalizer])];
  },
  validate: (crd, old) => validateCrd(crd as Json, old as Json | undefined),
});
