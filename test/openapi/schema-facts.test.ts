// The committed schema facts against the documents in ../shared/openapi: nothing of the 1.31
// structure lost, no description text, removed versions present with their later fields.
import { describe, expect, it } from 'vitest';
import { builtinSchemas, definitionNameFor, schemaForGvk } from '../../apiserver/openapi/builtin-schemas.ts';
import { schemaFactsJson } from '../../apiserver/openapi/generated/schema-facts.ts';
import { removedGroupVersions } from '../../apiserver/openapi/generator/schema-facts.ts';
import { readSharedJson } from '../../apiserver/openapi/generator/shared-material.ts';
import type { OpenApiSchema } from '../../apiserver/openapi/schema.ts';
import { referencedDefinitions } from '../../apiserver/openapi/schema-refs.ts';

const swagger131 = readSharedJson<{ definitions: Record<string, Record<string, unknown>> }>('openapi', 'v2', 'swagger-v1.31.json');
const facts = builtinSchemas();

/** A schema without one keyword anywhere (property names are left alone). */
function withoutKeyword(value: unknown, keyword: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutKeyword(item, keyword));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== keyword)
      .map(([key, v]) => [
        key,
        key === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([n, p]) => [n, withoutKeyword(p, keyword)])) : withoutKeyword(v, keyword),
      ]),
  );
}

function property(definition: string, path: string): OpenApiSchema | undefined {
  let schema = facts.definition(definition);
  for (const part of path.split('.')) {
    if (!schema) return undefined;
    if (schema.$ref) schema = facts.definition(schema.$ref);
    schema = schema?.properties?.[part];
  }
  return schema;
}

describe('schema facts', () => {
  it('keep every 1.31 definition exactly, apart from descriptions', () => {
    const names = Object.keys(swagger131.definitions);
    expect(names.length).toBeGreaterThan(600);
    for (const name of names) {
      // Facts may add `default`s (from the v3 documents); everything else must be the document's.
      expect(withoutKeyword(facts.definition(name), 'default'), name).toEqual(withoutKeyword(swagger131.definitions[name], 'description'));
    }
  });

  it('carry no description text', () => {
    // `description` only occurs as a property name (JSONSchemaProps has one), never with text.
    expect(/"description":"/.test(schemaFactsJson)).toBe(false);
    // Sentences from upstream descriptions would show up as long runs of words.
    expect(/"[A-Za-z]+( [a-z]+){6,}/.test(schemaFactsJson)).toBe(false);
  });

  it('resolve every $ref', () => {
    const missing: string[] = [];
    for (const name of facts.names()) {
      for (const ref of referencedDefinitions(facts.definition(name))) if (!facts.definition(ref)) missing.push(`${name} → ${ref}`);
    }
    expect(missing).toEqual([]);
  });

  it('find the definition of every kind by group, version and kind', () => {
    expect(definitionNameFor({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe('io.k8s.api.apps.v1.Deployment');
    expect(definitionNameFor({ group: '', version: 'v1', kind: 'Pod' })).toBe('io.k8s.api.core.v1.Pod');
    expect(definitionNameFor({ group: 'apps', version: 'v1', kind: 'DeleteOptions' })).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    // Meta kinds exist in every group version, also ones the document does not list.
    expect(definitionNameFor({ group: 'batch', version: 'v2alpha1', kind: 'Status' })).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.Status');
    expect(definitionNameFor({ group: 'apps', version: 'v1', kind: 'NoSuchKind' })).toBeUndefined();
    expect(schemaForGvk({ group: 'apps', version: 'v1', kind: 'Deployment' })?.properties?.spec?.$ref).toBe('#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    expect(facts.definition('#/components/schemas/io.k8s.api.core.v1.PodSpec')).toBe(facts.definition('io.k8s.api.core.v1.PodSpec'));
    for (const [name, schema] of Object.entries(swagger131.definitions)) {
      for (const gvk of (schema['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[]) {
        if (!name.startsWith('io.k8s.apimachinery.')) expect(definitionNameFor(gvk), `${gvk.group}/${gvk.version} ${gvk.kind}`).toBe(name);
      }
    }
  });

  it('describe the kinds of every removed apiVersion', () => {
    const removed = readSharedJson<{ apiVersion: string; kind: string }[]>('facts', 'removed-versions.json');
    const kindsByVersion = new Map<string, string[]>();
    for (const entry of removed) kindsByVersion.set(entry.apiVersion, [...(kindsByVersion.get(entry.apiVersion) ?? []), entry.kind]);
    const found: string[] = [];
    for (const groupVersion of removedGroupVersions) {
      const [group, version] = groupVersion.split('/') as [string, string];
      for (const kind of kindsByVersion.get(groupVersion) ?? []) {
        if (definitionNameFor({ group, version, kind })) found.push(`${groupVersion} ${kind}`);
      }
    }
    for (const expected of [
      'extensions/v1beta1 Deployment',
      'extensions/v1beta1 Ingress',
      'extensions/v1beta1 PodSecurityPolicy',
      'apps/v1beta1 StatefulSet',
      'apps/v1beta2 DaemonSet',
      'batch/v1beta1 CronJob',
      'batch/v2alpha1 CronJob',
      'networking.k8s.io/v1beta1 Ingress',
      'networking.k8s.io/v1beta1 IngressClass',
      'policy/v1beta1 PodDisruptionBudget',
      'autoscaling/v2beta1 HorizontalPodAutoscaler',
      'autoscaling/v2beta2 HorizontalPodAutoscaler',
      'rbac.authorization.k8s.io/v1beta1 ClusterRole',
      'apiextensions.k8s.io/v1beta1 CustomResourceDefinition',
      'admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration',
      'storage.k8s.io/v1beta1 CSIDriver',
      'scheduling.k8s.io/v1alpha1 PriorityClass',
      'coordination.k8s.io/v1beta1 Lease',
      'certificates.k8s.io/v1beta1 CertificateSigningRequest',
      'events.k8s.io/v1beta1 Event',
      'discovery.k8s.io/v1beta1 EndpointSlice',
      'node.k8s.io/v1beta1 RuntimeClass',
      'flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema',
      'flowcontrol.apiserver.k8s.io/v1beta2 PriorityLevelConfiguration',
      'apiregistration.k8s.io/v1beta1 APIService',
    ]) {
      expect(found).toContain(expected);
    }
  });

  it('describe the GA kinds of 1.33 that the 1.31 document lacks, from their beta siblings', () => {
    expect(definitionNameFor({ group: 'networking.k8s.io', version: 'v1', kind: 'ServiceCIDR' })).toBe('io.k8s.api.networking.v1.ServiceCIDR');
    expect(definitionNameFor({ group: 'networking.k8s.io', version: 'v1', kind: 'IPAddressList' })).toBe('io.k8s.api.networking.v1.IPAddressList');
    expect(property('io.k8s.api.networking.v1.ServiceCIDR', 'spec.cidrs')).toEqual(property('io.k8s.api.networking.v1beta1.ServiceCIDR', 'spec.cidrs'));
    expect(facts.definition('io.k8s.api.networking.v1.IPAddressSpec')!.required).toEqual(['parentRef']);
  });

  it('give removed versions the fields they gained after the document that describes them', () => {
    // networking.k8s.io/v1beta1 is in no document: built from the Go types and extensions/v1beta1.
    expect(property('io.k8s.api.networking.v1beta1.IngressSpec', 'ingressClassName')?.type).toBe('string');
    expect(property('io.k8s.api.networking.v1beta1.IngressSpec', 'backend.serviceName')?.type).toBe('string');
    expect(property('io.k8s.api.networking.v1beta1.IngressBackend', 'servicePort')?.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    // The 1.14 document predates these fields.
    expect(property('io.k8s.api.extensions.v1beta1.HTTPIngressPath', 'pathType')?.type).toBe('string');
    expect(property('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.CustomResourceDefinitionSpec', 'preserveUnknownFields')?.type).toBe('boolean');
    expect(property('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSONSchemaProps', 'x-kubernetes-preserve-unknown-fields')?.type).toBe('boolean');
    // Fields only the old versions had are kept.
    expect(property('io.k8s.api.apps.v1beta1.DeploymentSpec', 'rollbackTo')?.$ref).toBe('#/definitions/io.k8s.api.apps.v1beta1.RollbackConfig');
    // A field the 1.31 successor itself lacks stays out (it is newer than 1.31).
    expect(property('io.k8s.api.apps.v1beta2.DeploymentStatus', 'terminatingReplicas')).toBeUndefined();
    expect(property('io.k8s.api.apps.v1.DeploymentStatus', 'terminatingReplicas')).toBeUndefined();
  });

  it('keep patch and list metadata, also on removed versions', () => {
    const containers = property('io.k8s.api.core.v1.PodSpec', 'containers')!;
    expect(containers['x-kubernetes-patch-merge-key']).toBe('name');
    expect(containers['x-kubernetes-patch-strategy']).toBe('merge');
    expect(property('io.k8s.api.apps.v1beta2.DeploymentStatus', 'conditions')!['x-kubernetes-patch-merge-key']).toBe('type');
    expect(property('io.k8s.api.storage.v1beta1.CSINodeSpec', 'drivers')).toMatchObject({
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(property('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')!['x-kubernetes-patch-strategy']).toBe('retainKeys');
    expect(facts.definition('io.k8s.api.networking.v1beta1.Ingress')!['x-kubernetes-group-version-kind']).toEqual([{ group: 'networking.k8s.io', version: 'v1beta1', kind: 'Ingress' }]);
  });

  it('carry defaults the v3 documents give', () => {
    expect(property('io.k8s.api.core.v1.ServicePort', 'protocol')!.default).toBe('TCP');
    expect(property('io.k8s.api.batch.v1beta1.CronJobSpec', 'schedule')!.default).toBe('');
    expect(facts.v3Variant('io.k8s.apimachinery.pkg.util.intstr.IntOrString')).toMatchObject({ format: 'int-or-string' });
  });

  it('name the Go types typed decoding prints where the schema does not imply them', () => {
    expect(facts.goTypeOf('io.k8s.api.core.v1.ContainerPort', 'protocol')).toBe('v1.Protocol');
    expect(facts.goTypeOf('io.k8s.api.core.v1.ResourceRequirements', 'limits')).toBe('v1.ResourceList');
    expect(facts.goTypeOf('io.k8s.api.apps.v1.DeploymentSpec', 'replicas')).toBeUndefined();
  });
});
