// Registry credentials from a pod's imagePullSecrets (`kubernetes.io/dockerconfigjson` or the older
// `kubernetes.io/dockercfg`), matched to an image's registry as the kubelet's credential keyring does.
import type { AuthConfig, Input } from '../cri/client.ts';

interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** The registry host of an image reference (`docker.io` for Docker Hub short names). */
export function registryOf(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** Registry keys of a docker config as hosts: "https://index.docker.io/v1/" → "docker.io", "r.example:5000/path" → "r.example:5000". */
function keyHost(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0]!;
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** Parses the secret payloads (keys `.dockerconfigjson` or `.dockercfg`) into host → credentials. */
export function parseDockerConfig(data: Record<string, Buffer>): Map<string, DockerAuthEntry> {
  const entries = new Map<string, DockerAuthEntry>();
  const json = data['.dockerconfigjson'] ?? data['.dockercfg'];
  if (!json) return entries;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch {
    return entries;
  }
  const auths = (data['.dockerconfigjson'] ? parsed['auths'] : parsed) as Record<string, DockerAuthEntry> | undefined;
  for (const [key, entry] of Object.entries(auths ?? {})) entries.set(keyHost(key), entry);
  return entries;
}

/** The CRI AuthConfig for an image from the first secret that has credentials for its registry. */
export function authFor(image: string, secrets: Record<string, Buffer>[]): Input<AuthConfig> | undefined {
  const registry = registryOf(image);
  for (const data of secrets) {
    const entry = parseDockerConfig(data).get(registry);
    if (!entry) continue;
    let { username, password } = entry;
    if ((!username || !password) && entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    return { username: username ?? '', password: password ?? '', auth: entry.auth ?? '', serverAddress: registry, identityToken: entry.identitytoken ?? '', registryToken: entry.registrytoken ?? '' };
  }
  return undefined;
}
