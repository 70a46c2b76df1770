// What the cluster holds of an ApplySet: its parent and the objects that carry its part-of label, listed per
// group-kind and namespace the parent records (old and new), as the ApplySet spec tells tools to prune.
import { applySetGroupKindsAnnotation, applySetNamespacesAnnotation, applySetPartOfLabel, applySetToolingAnnotation, artifactApiVersion, artifactCrdName, artifactPlural, parseGroupKind, splitList } from './applyset.ts';
import { collectionPath, type ResourceMapper, type ResourceMapping } from './discovery.ts';
import { isNotFound, type KubeClient, type KubeObject } from './kube-client.ts';
import { memberKey, type ObjectRef } from './object-set.ts';

export interface LiveMember {
  ref: ObjectRef;
  mapping: ResourceMapping;
  object: KubeObject;
}

export interface ParentState {
  /** The live parent, undefined before the first deploy. */
  object?: KubeObject;
  groupKinds: string[];
  namespaces: string[];
}

export function artifactPath(name: string): string {
  return `/apis/${artifactApiVersion}/${artifactPlural}/${encodeURIComponent(name)}`;
}

/** The live parent and what it records; refuses a parent another tool manages. */
export async function readParent(client: KubeClient, name: string): Promise<ParentState> {
  const crd = await client.find(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${artifactCrdName}`);
  const object = crd ? await client.find(artifactPath(name)) : undefined;
  if (!object) return { groupKinds: [], namespaces: [] };
  const annotations = object.metadata?.annotations ?? {};
  const tooling = String(annotations[applySetToolingAnnotation] ?? '');
  const tool = tooling.includes('/') ? tooling.slice(0, tooling.lastIndexOf('/')) : tooling;
  if (tool !== 'k2') throw new Error(`artifact ${name} exists but is managed by ${tooling ? `tooling "${tool}"` : 'no tooling'}, not k2: refusing to change it`);
  return { object, groupKinds: splitList(annotations[applySetGroupKindsAnnotation]), namespaces: splitList(annotations[applySetNamespacesAnnotation]) };
}

/**
 * Every live member of the set in the given group-kinds and namespaces, by member key. Group-kinds the
 * cluster no longer serves (a removed CRD) are skipped: nothing of them is left to prune.
 */
export async function listLiveMembers(client: KubeClient, mapper: ResourceMapper, applySetId: string, groupKinds: Iterable<string>, namespaces: Iterable<string>): Promise<Map<string, LiveMember>> {
  const members = new Map<string, LiveMember>();
  const namespaceList = [...new Set(namespaces)];
  for (const groupKind of new Set(groupKinds)) {
    const { group, kind } = parseGroupKind(groupKind);
    const mapping = await mapper.findGroupKind(group, kind);
    if (!mapping) continue;
    const scopes = mapping.namespaced ? namespaceList : [undefined];
    for (const namespace of scopes) {
      let list: KubeObject;
      try {
        list = await client.get(collectionPath(mapping, namespace), { labelSelector: `${applySetPartOfLabel}=${applySetId}` });
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
      for (const item of list?.items ?? []) {
        const name = item?.metadata?.name;
        if (typeof name !== 'string') continue;
        const itemNamespace = mapping.namespaced ? item.metadata.namespace : undefined;
        const apiVersion = mapping.group ? `${mapping.group}/${mapping.version}` : mapping.version;
        const object = { apiVersion, kind: mapping.kind, ...item };
        members.set(memberKey(group, kind, itemNamespace, name), { ref: { apiVersion, kind, name, ...(itemNamespace ? { namespace: itemNamespace } : {}) }, mapping, object });
      }
    }
  }
  return members;
}

/** An object without the fields every write changes (for "did anything change" and for diffs). */
export function comparable(object: KubeObject | undefined): KubeObject | undefined {
  if (!object) return undefined;
  const copy = structuredClone(object);
  if (copy.metadata) {
    delete copy.metadata.managedFields;
    delete copy.metadata.resourceVersion;
    delete copy.metadata.generation;
  }
  return copy;
}
