// The encryption-at-rest configuration: Kubernetes' EncryptionConfiguration
// (apiserver.config.k8s.io/v1) kept in `<data-dir>/cred/encryption-config.json`. Each resource
// entry lists providers; the first encrypts new writes, all of them decrypt. k2 supports `aesgcm`
// (AES-256-GCM keys) and `identity` (plain text).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import YAML from 'yaml';

export interface AesGcmKey {
  name: string;
  /** base64 of 32 random bytes. */
  secret: string;
}

export type Provider = { aesgcm: { keys: AesGcmKey[] } } | { identity: Record<string, never> };

export interface ResourceEncryption {
  /** Storage resource names: `secrets`, `configmaps`, `deployments.apps`, `*.apps`, `*.*`. */
  resources: string[];
  providers: Provider[];
}

export interface EncryptionConfiguration {
  kind: 'EncryptionConfiguration';
  apiVersion: 'apiserver.config.k8s.io/v1';
  resources: ResourceEncryption[];
}

export const encryptionConfigFile = 'encryption-config.json';

export function newKey(): AesGcmKey {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return { name: `aesgcm-key-${stamp}-${randomBytes(3).toString('hex')}`, secret: randomBytes(32).toString('base64') };
}

export function newConfiguration(): EncryptionConfiguration {
  return {
    kind: 'EncryptionConfiguration',
    apiVersion: 'apiserver.config.k8s.io/v1',
    resources: [{ resources: ['secrets'], providers: [{ aesgcm: { keys: [newKey()] } }, { identity: {} }] }],
  };
}

function fail(path: string, message: string): never {
  throw new Error(`encryption configuration ${path}: ${message}`);
}

/** Parses and checks a configuration (JSON or YAML); unsupported providers are a clear error. */
export function parseConfiguration(text: string, path: string): EncryptionConfiguration {
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (error) {
    fail(path, (error as Error).message);
  }
  const config = parsed as Partial<EncryptionConfiguration> | null;
  if (!config || typeof config !== 'object' || config.kind !== 'EncryptionConfiguration') fail(path, 'want kind EncryptionConfiguration');
  if (!Array.isArray(config.resources) || !config.resources.length) fail(path, 'resources must list at least one entry');
  const names = new Set<string>();
  config.resources.forEach((entry, i) => {
    if (!Array.isArray(entry?.resources) || !entry.resources.length || !entry.resources.every((r) => typeof r === 'string')) fail(path, `resources[${i}].resources must list resource names`);
    if (!Array.isArray(entry.providers) || !entry.providers.length) fail(path, `resources[${i}].providers must list at least one provider`);
    entry.providers.forEach((provider, j) => {
      const kinds = Object.keys(provider ?? {});
      if (kinds.length !== 1) fail(path, `resources[${i}].providers[${j}] must name exactly one provider`);
      if ('identity' in provider) return;
      if (!('aesgcm' in provider)) fail(path, `resources[${i}].providers[${j}]: provider "${kinds[0]}" is not supported by k2 (use aesgcm or identity)`);
      const keys = provider.aesgcm?.keys;
      if (!Array.isArray(keys) || !keys.length) fail(path, `resources[${i}].providers[${j}].aesgcm.keys must list at least one key`);
      for (const key of keys) {
        if (!key?.name || typeof key.name !== 'string' || key.name.includes(':')) fail(path, 'every key needs a name without ":"');
        if (names.has(key.name)) fail(path, `key name "${key.name}" is used twice`);
        names.add(key.name);
        const bytes = Buffer.from(String(key.secret ?? ''), 'base64');
        if (![16, 24, 32].includes(bytes.length)) fail(path, `key "${key.name}" must be 16, 24 or 32 bytes of base64`);
      }
    });
  });
  return config as EncryptionConfiguration;
}

export async function readConfiguration(path: string): Promise<EncryptionConfiguration | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseConfiguration(text, path);
}

/** Writes the file atomically, readable by its owner only. */
export async function writeConfiguration(path: string, config: EncryptionConfiguration): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, path);
}

function aesgcmOf(entry: ResourceEncryption): { keys: AesGcmKey[] } | undefined {
  for (const provider of entry.providers) if ('aesgcm' in provider) return provider.aesgcm;
  return undefined;
}

/** A fresh key becomes the one that encrypts; older keys stay to decrypt until pruned. */
export function withNewKey(config: EncryptionConfiguration): EncryptionConfiguration {
  const next = structuredClone(config);
  for (const entry of next.resources) {
    const aesgcm = aesgcmOf(entry);
    if (aesgcm) aesgcm.keys.unshift(newKey());
    else entry.providers.push({ aesgcm: { keys: [newKey()] } });
  }
  return next;
}

/** Encryption on (aesgcm first) or off (identity first); nothing is forgotten either way. */
export function withEncryption(config: EncryptionConfiguration, enabled: boolean): EncryptionConfiguration {
  const next = structuredClone(config);
  for (const entry of next.resources) {
    if (!aesgcmOf(entry)) entry.providers.push({ aesgcm: { keys: [newKey()] } });
    if (!entry.providers.some((p) => 'identity' in p)) entry.providers.push({ identity: {} });
    const first = (p: Provider) => (enabled ? 'aesgcm' in p : 'identity' in p);
    entry.providers.sort((a, b) => Number(first(b)) - Number(first(a)));
  }
  return next;
}

/** Drops keys that no longer encrypt anything (except each entry's writing key). */
export function withoutUnusedKeys(config: EncryptionConfiguration, inUse: Set<string>): EncryptionConfiguration {
  const next = structuredClone(config);
  for (const entry of next.resources) {
    const aesgcm = aesgcmOf(entry);
    if (aesgcm) aesgcm.keys = aesgcm.keys.filter((key, i) => i === 0 || inUse.has(key.name));
  }
  return next;
}
