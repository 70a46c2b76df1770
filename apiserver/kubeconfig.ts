// Kubeconfig files for users and components: one cluster, one user, one context, certificates inline.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import YAML from 'yaml';

export interface KubeconfigSpec {
  server: string;
  caPem: string;
  /** Client certificate authentication (admin, components)... */
  certPem?: string;
  keyPem?: string;
  /** ...or a bearer token (service accounts, static tokens). */
  token?: string;
  name?: string;
}

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const name = spec.name ?? 'default';
  const user: Record<string, string> = {};
  if (spec.certPem && spec.keyPem) {
    user['client-certificate-data'] = b64(spec.certPem);
    user['client-key-data'] = b64(spec.keyPem);
  }
  if (spec.token) user.token = spec.token;
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caPem) } }],
    users: [{ name, user }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes a kubeconfig with the given file mode (it holds a private key: 0600 unless told otherwise). */
export async function writeKubeconfig(path: string, spec: KubeconfigSpec, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderKubeconfig(spec), { mode });
  await chmod(path, mode); // writeFile's mode applies only when the file is new
}
