// Maps apiVersion + kind to the REST resource that serves it, from the cluster's discovery documents
// (/api/v1, /apis/GROUP/VERSION), fetched lazily per group-version and forgotten when CRDs change.
import type { KubeClient, KubeObject } from './kube-client.ts';
import { isNotFound } from './kube-client.ts';

export interface ResourceMapping {
  group: string;
  version: string;
  kind: string;
  /** The resource name in URLs, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
}

/** `Kind.group` (`Kind` for the core group): the form ApplySet annotations use. */
export function groupKindOf(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/** The URL of a collection (namespace undefined: cluster-wide or cluster-scoped). */
export function collectionPath(mapping: ResourceMapping, namespace?: string): string {
  const base = groupVersionPath(mapping.group, mapping.version);
  return mapping.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${mapping.plural}` : `${base}/${mapping.plural}`;
}

export function objectPath(mapping: ResourceMapping, namespace: string | undefined, name: string): string {
  return `${collectionPath(mapping, namespace)}/${encodeURIComponent(name)}`;
}

export class ResourceMapper {
  /** Per group-version: kind → mapping, or undefined when the server does not serve the group-version. */
  private readonly groupVersions = new Map<string, Promise<Map<string, ResourceMapping> | undefined>>();
  /** Per group: its preferred version, from /apis (for group-kinds recorded without a version). */
  private preferredVersions: Promise<Map<string, string>> | undefined;

  constructor(private readonly client: KubeClient) {}

  /** The mapping, or undefined when the server does not serve this kind (yet). */
  async find(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    const { group, version } = splitApiVersion(apiVersion);
    return (await this.resourcesOf(group, version))?.get(kind);
  }

  async mappingFor(object: KubeObject): Promise<ResourceMapping> {
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== 'string' || !apiVersion || typeof kind !== 'string' || !kind) {
      throw new Error(`object ${object?.metadata?.name ?? '(unnamed)'} has no apiVersion or kind`);
    }
    const mapping = await this.find(apiVersion, kind);
    if (!mapping) throw new Error(`the cluster does not serve ${kind} in ${apiVersion}`);
    return mapping;
  }

  /** The mapping of a group-kind in the group's preferred version (for kinds an earlier deploy recorded). */
  async findGroupKind(group: string, kind: string): Promise<ResourceMapping | undefined> {
    this.preferredVersions ??= this.loadPreferredVersions();
    const version = group ? (await this.preferredVersions).get(group) : 'v1';
    if (!version) return undefined;
    return (await this.resourcesOf(group, version))?.get(kind);
  }

  /** Forgets what was learned about a group (after its CRDs were applied or removed). */
  forgetGroup(group: string): void {
    for (const key of [...this.groupVersions.keys()]) if (key.startsWith(`${group}/`)) this.groupVersions.delete(key);
    this.preferredVersions = undefined;
  }

  private resourcesOf(group: string, version: string): Promise<Map<string, ResourceMapping> | undefined> {
    const key = `${group}/${version}`;
    let loaded = this.groupVersions.get(key);
    if (!loaded) {
      loaded = this.loadGroupVersion(group, version);
      this.groupVersions.set(key, loaded);
      // A failed load is not remembered: the next call asks again.
      loaded.catch(() => this.groupVersions.delete(key));
    }
    return loaded;
  }

  private async loadGroupVersion(group: string, version: string): Promise<Map<string, ResourceMapping> | undefined> {
    let list: KubeObject;
    try {
      list = await this.client.get(groupVersionPath(group, version));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    const kinds = new Map<string, ResourceMapping>();
    for (const resource of list?.resources ?? []) {
      if (typeof resource?.name !== 'string' || resource.name.includes('/')) continue; // subresources
      kinds.set(resource.kind, { group, version, kind: resource.kind, plural: resource.name, namespaced: resource.namespaced === true });
    }
    return kinds;
  }

  private async loadPreferredVersions(): Promise<Map<string, string>> {
    const groups = await this.client.get('/apis');
    const preferred = new Map<string, string>();
    for (const group of groups?.groups ?? []) {
      const version = group?.preferredVersion?.version ?? group?.versions?.[0]?.version;
      if (typeof group?.name === 'string' && typeof version === 'string') preferred.set(group.name, version);
    }
    return preferred;
  }
}
