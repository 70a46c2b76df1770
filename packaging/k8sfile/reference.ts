// Artifact references, as docker reads image references: [registry/]repository[:tag][@sha256:…].
// The first path segment is a registry when it has a '.' or a ':' or is `localhost`; otherwise the
// reference names the local store only.

export interface ArtifactReference {
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const repositoryPattern = new RegExp(`^${component}(?:/${component})*$`);
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseReference(text: string): ArtifactReference {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`invalid reference "${text}": the digest must be sha256:<64 hex digits>`);
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  if (slash > 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      registry = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw new Error(`invalid reference "${text}": bad tag "${tag}"`);
  }
  if (!repositoryPattern.test(rest)) throw new Error(`invalid reference "${text}": the repository must be lowercase letters, digits and separators (name:tag or host/path:tag)`);
  return { registry, repository: rest, tag, digest };
}

/** The canonical text of a reference; a reference with neither tag nor digest gets `latest`. */
export function formatReference(ref: ArtifactReference): string {
  const name = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
  if (ref.digest) return ref.tag ? `${name}:${ref.tag}@${ref.digest}` : `${name}@${ref.digest}`;
  return `${name}:${ref.tag ?? 'latest'}`;
}

/** The name the local store tags it under (no digest): `[registry/]repository:tag`. */
export function storeName(ref: ArtifactReference): string {
  return formatReference({ registry: ref.registry, repository: ref.repository, tag: ref.tag });
}
