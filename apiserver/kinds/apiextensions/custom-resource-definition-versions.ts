// apiextensions.k8s.io/v1beta1 CustomResourceDefinitions (1.7–1.21). They could say once, at the
// top, what v1 says per version (validation → schema, subresources, additionalPrinterColumns),
// named the version in spec.version, spelled printer columns' JSONPath in capitals, kept the
// conversion webhook's settings flat, and preserved unknown fields by default. Going to v1 the
// top-level values are copied into every version; coming back a value every version shares is
// hoisted to the top again, as Kubernetes converts.
import { cloneObject, deepEqual } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

/** v1beta1 top-level field → the v1 per-version field it becomes. */
const perVersionFields: [string, string][] = [
  ['validation', 'schema'],
  ['subresources', 'subresources'],
  ['additionalPrinterColumns', 'additionalPrinterColumns'],
];

function renameKey(object: Json, from: string, to: string): Json {
  if (!(from in object)) return object;
  const { [from]: value, ...rest } = object;
  return { ...rest, [to]: value };
}

function columnsTo(columns: Json[] | undefined, from: string, to: string): Json[] | undefined {
  return columns?.map((column) => renameKey(column, from, to));
}

function toV1(crd: KubeObject): KubeObject {
  const spec = (crd.spec ?? {}) as Json;
  const versions: Json[] = spec.versions?.length ? spec.versions : spec.version ? [{ name: spec.version, served: true, storage: true }] : [];
  spec.versions = versions.map((version) => {
    const converted: Json = { ...version };
    if (converted.additionalPrinterColumns) converted.additionalPrinterColumns = columnsTo(converted.additionalPrinterColumns, 'JSONPath', 'jsonPath');
    for (const [top, field] of perVersionFields) {
      if (spec[top] === undefined || converted[field] !== undefined) continue;
      converted[field] = top === 'additionalPrinterColumns' ? columnsTo(spec[top], 'JSONPath', 'jsonPath') : cloneObject(spec[top]);
    }
    return converted;
  });
  for (const [top] of perVersionFields) delete spec[top];
  delete spec.version;
  const conversion = spec.conversion as Json | undefined;
  if (conversion) {
    const { webhookClientConfig, conversionReviewVersions, ...rest } = conversion;
    spec.conversion = rest;
    if (webhookClientConfig !== undefined || conversionReviewVersions !== undefined) {
      spec.conversion.webhook = { ...(webhookClientConfig !== undefined ? { clientConfig: webhookClientConfig } : {}), ...(conversionReviewVersions !== undefined ? { conversionReviewVersions } : {}) };
    }
  }
  return crd;
}

function fromV1(stored: KubeObject): KubeObject {
  const crd = cloneObject(stored);
  const spec = (crd.spec ?? {}) as Json;
  const versions: Json[] = spec.versions ?? [];
  if (versions.length) spec.version = versions[0]!.name;
  for (const [top, field] of perVersionFields) {
    const first = versions[0]?.[field];
    if (first === undefined || !versions.every((version) => deepEqual(version[field], first))) continue;
    spec[top] = field === 'additionalPrinterColumns' ? columnsTo(first, 'jsonPath', 'JSONPath') : first;
    for (const version of versions) delete version[field];
  }
  for (const version of versions) if (version.additionalPrinterColumns) version.additionalPrinterColumns = columnsTo(version.additionalPrinterColumns, 'jsonPath', 'JSONPath');
  const conversion = spec.conversion as Json | undefined;
  if (conversion?.webhook) {
    const { webhook, ...rest } = conversion;
    spec.conversion = { ...rest, ...(webhook.clientConfig !== undefined ? { webhookClientConfig: webhook.clientConfig } : {}), ...(webhook.conversionReviewVersions !== undefined ? { conversionReviewVersions: webhook.conversionReviewVersions } : {}) };
  }
  return crd;
}

function v1beta1Defaults(crd: KubeObject): void {
  const spec: Json = ((crd.spec as Json | undefined) ??= {});
  spec.scope ||= 'Namespaced';
  if (!spec.versions?.length && spec.version) spec.versions = [{ name: spec.version, served: true, storage: true }];
  if (!spec.version && spec.versions?.length) spec.version = spec.versions[0].name;
  spec.conversion ??= { strategy: 'None' };
  if (spec.conversion.strategy === 'Webhook' && !spec.conversion.conversionReviewVersions?.length) spec.conversion.conversionReviewVersions = ['v1beta1'];
  const service = spec.conversion.webhookClientConfig?.service as Json | undefined;
  if (service) service.port ??= 443;
  spec.preserveUnknownFields ??= true;
}

export const customResourceDefinitionVersions: VersionDescription[] = [{ version: 'v1beta1', defaults: v1beta1Defaults, toStored: toV1, fromStored: fromV1 }];
