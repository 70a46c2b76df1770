// Kubeconfig files for users and components: one cluster, one user, one context, certificates inline.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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

/** The current context's server and credentials of a kubeconfig (inline data or files it names). */
export async function readKubeconfig(path: string): Promise<KubeconfigSpec> {
  const config = YAML.parse(await readFile(path, 'utf8')) as Record<string, any>;
  const named = (list: unknown, name: string | undefined) => (Array.isArray(list) ? list.find((entry) => entry?.name === name) ?? list[0] : undefined);
  const context = named(config?.contexts, config?.['current-context'])?.context ?? {};
  const cluster = named(config?.clusters, context.cluster)?.cluster;
  const user = named(config?.users, context.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`${path}: no cluster server in the current context`);
  const load = async (data: string | undefined, file: string | undefined) =>
    data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFile(resolve(dirname(path), file), 'utf8') : undefined;
  return {
    server: cluster.server,
    caPem: (await load(cluster['certificate-authority-data'], cluster['certificate-authority'])) ?? '',
    certPem: await load(user['client-certificate-data'], user['client-certificate']),
    keyPem: await load(user['client-key-data'], user['client-key']),
    token: user.token,
  };
}
