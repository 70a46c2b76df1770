// The objects of an artifact as the engine applies them: checked, each with its REST mapping and target
// namespace, labelled as members of the set, in apply order (CRDs, then Namespaces, then the given order).
import { applySetPartOfLabel } from './applyset.ts';
import { groupKindOf, splitApiVersion, type ResourceMapper, type ResourceMapping } from './discovery.ts';
import type { KubeObject } from './kube-client.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface SetMember {
  ref: ObjectRef;
  group: string;
  namespaced: boolean;
  /** The object to apply: a private copy with the part-of label and its namespace filled in. */
  object: KubeObject;
  /** Undefined while the cluster does not serve the kind yet (a CRD of this set defines it). */
  mapping?: ResourceMapping;
}

const crdGroupKind = 'apiextensions.k8s.io/CustomResourceDefinition';

export function memberKey(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ''}/${name}`;
}

export function keyOfMember(member: SetMember): string {
  return memberKey(member.group, member.ref.kind, member.ref.namespace, member.ref.name);
}

/** `deployment.apps/web -n team`, the way kubectl names objects. */
export function describeRef(ref: ObjectRef): string {
  const { group } = splitApiVersion(ref.apiVersion);
  const kind = ref.kind.toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${ref.name}${ref.namespace ? ` -n ${ref.namespace}` : ''}`;
}

export function isCrd(member: SetMember): boolean {
  return `${member.group}/${member.ref.kind}` === crdGroupKind;
}

export function isNamespace(member: SetMember): boolean {
  return member.group === '' && member.ref.kind === 'Namespace';
}

/** The scope a CRD of the set declares for its kinds, by `group/kind`. */
function scopesDeclaredBy(objects: KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition' || splitApiVersion(object.apiVersion ?? '').group !== 'apiextensions.k8s.io') continue;
    const group = object.spec?.group;
    const kind = object.spec?.names?.kind;
    if (typeof group === 'string' && typeof kind === 'string') scopes.set(`${group}/${kind}`, object.spec?.scope !== 'Cluster');
  }
  return scopes;
}

function checkObject(object: unknown, index: number): asserts object is KubeObject {
  const where = `object ${index + 1}`;
  if (!object || typeof object !== 'object' || Array.isArray(object)) throw new Error(`${where} is not an object`);
  const { apiVersion, kind, metadata } = object as KubeObject;
  if (typeof apiVersion !== 'string' || !apiVersion) throw new Error(`${where} has no apiVersion`);
  if (typeof kind !== 'string' || !kind) throw new Error(`${where} (${apiVersion}) has no kind`);
  if (typeof metadata?.name !== 'string' || !metadata.name) throw new Error(`${where} (${kind}) has no metadata.name${metadata?.generateName ? ' (generateName cannot be tracked across deploys)' : ''}`);
}

/**
 * Checks and prepares the artifact's objects. Namespaced objects without a namespace go to `defaultNamespace`;
 * a kind the cluster does not serve must be defined by a CRD of the set. Nothing is sent to the cluster but
 * discovery requests.
 */
export async function prepareMembers(objects: unknown[], applySetId: string, defaultNamespace: string, mapper: ResourceMapper): Promise<SetMember[]> {
  if (!Array.isArray(objects)) throw new Error('objects must be an array');
  objects.forEach((object, index) => checkObject(object, index));
  const declared = scopesDeclaredBy(objects as KubeObject[]);
  const members: SetMember[] = [];
  const seen = new Map<string, number>();
  for (const [index, original] of (objects as KubeObject[]).entries()) {
    const object = structuredClone(original);
    const { group } = splitApiVersion(object.apiVersion);
    const mapping = await mapper.find(object.apiVersion, object.kind);
    const namespaced = mapping ? mapping.namespaced : declared.get(`${group}/${object.kind}`);
    if (namespaced === undefined) {
      throw new Error(`object ${index + 1} (${object.kind} ${object.metadata.name}): the cluster does not serve ${object.kind} in ${object.apiVersion}, and no CustomResourceDefinition in the artifact defines it`);
    }
    const metadata = object.metadata;
    if (namespaced) metadata.namespace ||= defaultNamespace;
    else delete metadata.namespace;
    // kubectl-generated YAML carries `creationTimestamp: null`; it means "unset" and must not count as a change.
    if (metadata.creationTimestamp === null) delete metadata.creationTimestamp;
    const existing = metadata.labels?.[applySetPartOfLabel];
    if (existing !== undefined && existing !== applySetId) {
      throw new Error(`object ${index + 1} (${object.kind} ${metadata.name}) already carries ${applySetPartOfLabel}=${existing}: it belongs to another ApplySet`);
    }
    metadata.labels = { ...(metadata.labels ?? {}), [applySetPartOfLabel]: applySetId };
    const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: metadata.name, ...(namespaced ? { namespace: metadata.namespace } : {}) };
    const member: SetMember = { ref, group, namespaced, object, mapping };
    const key = keyOfMember(member);
    const first = seen.get(key);
    if (first !== undefined) throw new Error(`objects ${first + 1} and ${index + 1} are the same object: ${describeRef(ref)}`);
    seen.set(key, index);
    members.push(member);
  }
  // CRDs first (their kinds must be served before their objects), then Namespaces, then the given order.
  return [...members.filter(isCrd), ...members.filter(isNamespace), ...members.filter((m) => !isCrd(m) && !isNamespace(m))];
}

export function groupKindsOf(members: SetMember[]): string[] {
  return members.map((m) => groupKindOf(m.group, m.ref.kind));
}

export function namespacesOf(members: SetMember[]): string[] {
  return members.flatMap((m) => (m.ref.namespace ? [m.ref.namespace] : []));
}
