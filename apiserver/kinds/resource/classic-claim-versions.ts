// resource.k8s.io before structured parameters: v1alpha1 (1.26) and v1alpha2 (1.27–1.30) claims
// named a ResourceClass and a driver-specific parameters object, where v1alpha3 and v1beta1 list
// device requests. Kubernetes never converted between the two (it dropped the old API); k2 keeps
// serving it. The claim's consumers and deallocation flag are the same in both; everything else
// one side has no place for travels in an annotation (the classic request and allocation on the
// stored side, the device request and allocation on the classic side), so a round trip through
// either version loses nothing.
import { setAnnotation, takeAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

/** On the stored claim: the classic spec and status parts. */
export const classicClaimAnnotation = 'versionless.k2.io/resource-classic-claim';
/** On the classic view: the stored spec and status parts. */
export const deviceClaimAnnotation = 'versionless.k2.io/resource-device-claim';

function takeJson(object: KubeObject, key: string): Json | undefined {
  const text = takeAnnotation(object, key);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a status into the part both shapes share and the rest. */
function splitStatus(status: Json | undefined): { shared: Json; rest: Json } {
  const { reservedFor, deallocationRequested, ...rest } = status ?? {};
  const shared: Json = {};
  if (reservedFor !== undefined) shared.reservedFor = reservedFor;
  if (deallocationRequested !== undefined) shared.deallocationRequested = deallocationRequested;
  return { shared, rest };
}

function nonEmpty(value: Json): Json | undefined {
  return Object.keys(value).length ? value : undefined;
}

/** Moves one shape's spec and status extras into `annotation` and puts the other shape's in their place. */
function swapShapes(object: KubeObject, path: (object: Json) => Json, annotation: string, restoredFrom: string, emptySpec: Json): void {
  const holder = path(object);
  const restored = takeJson(object, restoredFrom);
  const { shared, rest } = splitStatus(holder.status);
  const kept = { spec: holder.spec ?? {}, ...(nonEmpty(rest) ? { status: rest } : {}) };
  setAnnotation(object, annotation, JSON.stringify(kept));
  holder.spec = restored?.spec ?? emptySpec;
  const status = { ...restored?.status, ...shared };
  if (holder.status !== undefined || nonEmpty(status)) holder.status = status;
}

const claimPath = (claim: Json) => claim;
/** A template's claim: its spec.spec (templates have no status). */
const templatePath = (template: Json) => ((template.spec ??= {}) as Json);

function classicVersion(version: string, path: (object: Json) => Json): VersionDescription {
  return {
    version,
    defaults(object) {
      ((path(object).spec ??= {}) as Json).allocationMode ||= 'WaitForFirstConsumer';
    },
    toStored(object) {
      swapShapes(object, path, classicClaimAnnotation, deviceClaimAnnotation, { devices: {} });
      return object;
    },
    fromStored(stored) {
      const object = cloneObject(stored);
      swapShapes(object, path, deviceClaimAnnotation, classicClaimAnnotation, {});
      return object;
    },
  };
}

export const classicClaimVersions: VersionDescription[] = ['v1alpha2', 'v1alpha1'].map((version) => classicVersion(version, claimPath));
export const classicClaimTemplateVersions: VersionDescription[] = ['v1alpha2', 'v1alpha1'].map((version) => classicVersion(version, templatePath));
