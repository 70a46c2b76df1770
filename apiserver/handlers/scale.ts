// The scale subresource: an autoscaling/v1 Scale view of any kind with replicas (workloads, CRDs),
// or the extensions/v1beta1 and apps/v1beta1/v1beta2 Scale that those versions served.
import { groupVersion, type ServedVersion } from '../registry/registry.ts';
import { labelSelectorFromObject, type LabelSelector, type LabelSelectorObject } from '../registry/selectors.ts';
import type { ResourceStore, WriteOptions } from '../registry/store.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors } from '../status.ts';
import { decodeObjectBody } from './content.ts';

function at(object: unknown, path: string[]): unknown {
  let value = object;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function setAt(object: Record<string, unknown>, path: string[], value: unknown): void {
  let target = object;
  for (const key of path.slice(0, -1)) {
    if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  target[path[path.length - 1]!] = value;
}

export interface ScaleObject extends KubeObject {
  spec?: { replicas?: number };
  /** autoscaling/v1: selector is the string form; the old Scales had a map and the string as targetSelector. */
  status?: { replicas: number; selector?: string | Record<string, string>; targetSelector?: string };
}

/** The map form old Scales carried: only for selectors made of equality requirements. */
function selectorMap(text: string, parsed: LabelSelector | undefined): Record<string, string> | undefined {
  if (!parsed || parsed.requirements.some((r) => r.operator !== '=' && !(r.operator === 'in' && r.values.length === 1))) return undefined;
  if (!text) return undefined;
  return Object.fromEntries(parsed.requirements.map((r) => [r.key, r.values[0]!]));
}

export function getScale(served: ServedVersion, object: KubeObject): ScaleObject {
  const scale = served.description.scale!;
  const selector = scale.labelSelectorPath ? at(object, scale.labelSelectorPath) : undefined;
  const parsed = typeof selector === 'object' && selector ? labelSelectorFromObject(selector as LabelSelectorObject) : undefined;
  const selectorText = typeof selector === 'string' ? selector : parsed?.toString();
  const replicas = at(object, scale.specReplicasPath);
  const statusReplicas = Number(at(object, scale.statusReplicasPath) ?? 0);
  const old = served.versionDescription.scale;
  let status: ScaleObject['status'] = { replicas: statusReplicas, ...(selectorText ? { selector: selectorText } : {}) };
  if (old) {
    const map = selectorText ? selectorMap(selectorText, parsed) : undefined;
    status = { replicas: statusReplicas, ...(map ? { selector: map } : {}), ...(selectorText ? { targetSelector: selectorText } : {}) };
  }
  return {
    kind: 'Scale',
    apiVersion: old ? groupVersion(old.group, old.version) : 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
    status,
  };
}

export function scaleFromBody(contentType: string | undefined, body: Buffer | undefined): ScaleObject {
  const scale = decodeObjectBody(contentType, body) as ScaleObject;
  if (typeof scale !== 'object' || scale === null) throw errors.badRequest('Scale must be a JSON object');
  if (scale.kind !== undefined && scale.kind !== 'Scale') throw errors.badRequest(`expected kind Scale, got ${scale.kind}`);
  return scale;
}

/**
 * Changes the replicas of an object through its Scale: `change` gets the current Scale (to patch or
 * replace) and returns the wanted one; a resourceVersion in it is a precondition.
 */
export async function writeScale(
  store: ResourceStore,
  served: ServedVersion,
  namespace: string | undefined,
  name: string,
  change: (current: ScaleObject) => ScaleObject,
  options: WriteOptions,
): Promise<KubeObject> {
  const description = store.description;
  return store.guaranteedUpdate(
    namespace,
    name,
    (object) => {
      const wanted = change(getScale(served, object));
      const replicas = wanted.spec?.replicas;
      if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
        throw errors.invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
      }
      setAt(object, description.scale!.specReplicasPath, replicas ?? 0);
      if (wanted.metadata?.resourceVersion) object.metadata.resourceVersion = wanted.metadata.resourceVersion;
      else delete object.metadata.resourceVersion;
      return object;
    },
    { ...options, subresource: undefined },
  );
}
