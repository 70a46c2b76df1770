// The set of served resources: who answers /apis/<group>/<version>/<plural>, and in which stored form.
import type { ResourceDescription, SubresourceDescription, VersionDescription } from './types.ts';

export interface ServedVersion {
  group: string;
  version: string;
  /** The kind and resource names in this version (usually the description's). */
  kind: string;
  plural: string;
  singular: string;
  description: ResourceDescription;
  versionDescription: VersionDescription;
  /** The stored form is served as is in this version. */
  isStorageVersion: boolean;
}

/** The `index`th version of a description as served (index 0: the stored form). */
export function servedVersionOf(description: ResourceDescription, index = 0): ServedVersion {
  const versionDescription = description.versions[index]!;
  const kind = versionDescription.kind ?? description.kind;
  return {
    group: versionDescription.group ?? description.group,
    version: versionDescription.version,
    kind,
    plural: versionDescription.plural ?? description.plural,
    singular: versionDescription.kind ? kind.toLowerCase() : description.singular,
    description,
    versionDescription,
    isStorageVersion: index === 0,
  };
}

/** A version's own list, else the description's when served in the description's own group. */
function ownGroupList(served: ServedVersion, own: string[] | undefined, inherited: string[] | undefined): string[] {
  if (own) return own;
  return served.group === served.description.group ? (inherited ?? []) : [];
}

/** Short names of a served version (kubectl 1.30+ warns when a short name matches resources of two groups). */
export function servedShortNames(served: ServedVersion): string[] {
  return ownGroupList(served, served.versionDescription.shortNames, served.description.shortNames);
}

/** Categories of a served version (`kubectl get all` then lists each object once). */
export function servedCategories(served: ServedVersion): string[] {
  return ownGroupList(served, served.versionDescription.categories, served.description.categories);
}

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The datastore key segment of a resource: `pods`, `deployments.apps`. */
export function storageResource(description: Pick<ResourceDescription, 'plural' | 'group'>): string {
  return description.group ? `${description.plural}.${description.group}` : description.plural;
}

export class Registry {
  private readonly byPath = new Map<string, ServedVersion>();
  private readonly byKind = new Map<string, ServedVersion>();
  private readonly descriptions = new Map<string, ResourceDescription>();
  private listeners: (() => void)[] = [];
  /** Bumped whenever the served set changes (discovery and OpenAPI caches key on it). */
  generation = 0;

  add(description: ResourceDescription): void {
    const id = storageResource(description);
    if (this.descriptions.has(id)) this.remove(description);
    this.descriptions.set(id, description);
    description.versions.forEach((versionDescription, index) => {
      if (versionDescription.served === false) return;
      const served = servedVersionOf(description, index);
      this.byPath.set(`${served.group}/${served.version}/${served.plural}`, served);
      this.byKind.set(`${served.group}/${served.version}/${served.kind}`, served);
    });
    this.changed();
  }

  remove(description: Pick<ResourceDescription, 'plural' | 'group'>): void {
    const id = storageResource(description);
    const existing = this.descriptions.get(id);
    if (!existing) return;
    this.descriptions.delete(id);
    for (const [key, served] of this.byPath) if (served.description === existing) this.byPath.delete(key);
    for (const [key, served] of this.byKind) if (served.description === existing) this.byKind.delete(key);
    this.changed();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }

  lookup(group: string, version: string, plural: string): ServedVersion | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  lookupKind(group: string, version: string, kind: string): ServedVersion | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** The description stored under a key segment (`deployments.apps`). */
  byStorageResource(segment: string): ResourceDescription | undefined {
    return this.descriptions.get(segment);
  }

  all(): ResourceDescription[] {
    return [...this.descriptions.values()];
  }

  servedVersions(): ServedVersion[] {
    return [...this.byPath.values()];
  }
}

const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The verbs a served resource answers, sorted as discovery lists them. */
export function servedVerbs(served: ServedVersion): string[] {
  return [...(served.versionDescription.verbs ?? served.description.verbs ?? standardVerbs)].sort();
}

export interface ServedSubresource {
  subresource: string;
  responseKind: { group: string; version: string; kind: string };
  verbs: string[];
}

/** The writesPart hook of a subresource that writes one part of its object (pods/ephemeralcontainers). */
export function partSubresource(served: ServedVersion, subresource: string): SubresourceDescription['writesPart'] {
  return (served.versionDescription.subresources?.[subresource] ?? served.description.subresources?.[subresource])?.writesPart;
}

/** A resource's subresources (status, scale and custom ones), sorted by name. */
export function servedSubresources(served: ServedVersion): ServedSubresource[] {
  const d = served.description;
  const list: ServedSubresource[] = [];
  if (d.status) list.push({ subresource: 'status', responseKind: { group: served.group, version: served.version, kind: served.kind }, verbs: ['get', 'patch', 'update'] });
  if (d.scale) list.push({ subresource: 'scale', responseKind: { ...(served.versionDescription.scale ?? { group: 'autoscaling', version: 'v1' }), kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
  for (const [name, sub] of Object.entries({ ...d.subresources, ...served.versionDescription.subresources })) {
    list.push({ subresource: name, responseKind: { group: sub.group ?? served.group, version: sub.version ?? served.version, kind: sub.kind }, verbs: sub.verbs });
  }
  return list.sort((a, b) => (a.subresource < b.subresource ? -1 : 1));
}
