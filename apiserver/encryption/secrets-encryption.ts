// Encryption at rest: every write of a configured resource (Secrets by default) is sealed with
// AES-256-GCM before it reaches the datastore, bound to its key (so a value cannot be moved to
// another object), and opened on every read — the watch cache, lists at old revisions, deletes.
// Values look as Kubernetes' do: `k8s:enc:aesgcm:v1:<key name>:` then the sealed bytes (base64,
// since k2's datastores keep text). Rotation, re-encryption and status run on the live server.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Datastore } from '../../datastore/types.ts';
import { ConflictError, KeyNotFoundError } from '../../datastore/types.ts';
import type { WriteHooks } from '../registry/store.ts';
import { resourceSegment } from '../registry/watch-cache.ts';
import {
  newConfiguration,
  readConfiguration,
  withEncryption,
  withNewKey,
  withoutUnusedKeys,
  writeConfiguration,
  type EncryptionConfiguration,
  type ResourceEncryption,
} from './encryption-config.ts';

export const sealedPrefix = 'k8s:enc:';
const aesgcmPrefix = 'k8s:enc:aesgcm:v1:';
const nonceBytes = 12;
const tagBytes = 16;

interface WritePlan {
  /** undefined: store as plain JSON (identity). */
  key?: { name: string; bytes: Buffer };
}

function algorithmFor(bytes: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return bytes.length === 16 ? 'aes-128-gcm' : bytes.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

export function seal(keyName: string, key: Buffer, plaintext: string, storageKey: string): string {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv(algorithmFor(key), key, nonce);
  cipher.setAAD(Buffer.from(storageKey));
  const sealed = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${aesgcmPrefix}${keyName}:${sealed.toString('base64')}`;
}

/** The key name of a sealed value, or undefined for plain JSON. */
export function sealedKeyName(value: string): string | undefined {
  if (!value.startsWith(sealedPrefix)) return undefined;
  if (!value.startsWith(aesgcmPrefix)) return value.slice(sealedPrefix.length).split(':')[0];
  return value.slice(aesgcmPrefix.length, value.indexOf(':', aesgcmPrefix.length));
}

/** Whether a resource entry names a storage resource (`secrets`, `deployments.apps`, `*.apps`, `*.*`). */
/** Keys under /registry/ that hold no resource: kube-apiserver's master leases (the kubernetes Service's endpoints). */
const notResources = new Set(['masterleases']);

function entryMatches(entry: ResourceEncryption, segment: string): boolean {
  if (notResources.has(segment)) return false;
  const dot = segment.indexOf('.');
  const group = dot < 0 ? '' : segment.slice(dot + 1);
  return entry.resources.some((r) => r === segment || r === '*.*' || (group && r === `*.${group}`) || (!group && r === '*.'));
}

export interface EncryptionStatus {
  enabled: boolean;
  /** What new writes are sealed with. */
  provider: 'aesgcm' | 'identity';
  activeKey?: string;
  keys: string[];
  resources: string[];
  /** Stored values of the configured resources: by key name, and plain ones. */
  values: { total: number; byKey: Record<string, number>; plaintext: number };
  configFile: string;
}

export class SecretsEncryption {
  private config: EncryptionConfiguration | undefined;
  private keys = new Map<string, Buffer>();
  private plans = new Map<string, WritePlan>();

  constructor(
    readonly configPath: string,
    private readonly log: Logger,
  ) {}

  /** Loads the configuration file; with `create`, writes a new one (with a fresh key) if there is none. */
  async load(create: boolean): Promise<{ created: boolean }> {
    let config = await readConfiguration(this.configPath);
    let created = false;
    if (!config && create) {
      config = newConfiguration();
      await writeConfiguration(this.configPath, config);
      created = true;
    }
    this.use(config);
    return { created };
  }

  get configured(): boolean {
    return this.config !== undefined;
  }

  private use(config: EncryptionConfiguration | undefined): void {
    this.config = config;
    this.keys = new Map();
    this.plans = new Map();
    for (const entry of config?.resources ?? []) {
      for (const provider of entry.providers) {
        if ('aesgcm' in provider) for (const key of provider.aesgcm.keys) this.keys.set(key.name, Buffer.from(key.secret, 'base64'));
      }
    }
  }

  private plan(segment: string): WritePlan {
    let plan = this.plans.get(segment);
    if (!plan) {
      const entry = this.config?.resources.find((e) => entryMatches(e, segment));
      const first = entry?.providers[0];
      plan = first && 'aesgcm' in first ? { key: { name: first.aesgcm.keys[0]!.name, bytes: this.keys.get(first.aesgcm.keys[0]!.name)! } } : {};
      this.plans.set(segment, plan);
    }
    return plan;
  }

  encode(json: string, storageKey: string): string {
    const plan = this.plan(resourceSegment(storageKey));
    return plan.key ? seal(plan.key.name, plan.key.bytes, json, storageKey) : json;
  }

  decode(storageKey: string, value: string): string {
    if (!value.startsWith(sealedPrefix)) return value;
    if (!value.startsWith(aesgcmPrefix)) throw new Error(`value of ${storageKey} is sealed by a provider k2 does not know`);
    const name = sealedKeyName(value)!;
    const key = this.keys.get(name);
    if (!key) throw new Error(`value of ${storageKey} is sealed with key "${name}", which is not in ${this.configPath}`);
    const sealed = Buffer.from(value.slice(aesgcmPrefix.length + name.length + 1), 'base64');
    if (sealed.length < nonceBytes + tagBytes) throw new Error(`value of ${storageKey} is too short to be sealed`);
    const decipher = createDecipheriv(algorithmFor(key), key, sealed.subarray(0, nonceBytes));
    decipher.setAAD(Buffer.from(storageKey));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    return Buffer.concat([decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes)), decipher.final()]).toString('utf8');
  }

  /** The write hooks that seal and open stored values. */
  hooks(): Pick<WriteHooks, 'encode' | 'decode'> {
    return {
      encode: (_description, json, key) => this.encode(json, key),
      decode: (key, value) => this.decode(key, value),
    };
  }

  private resourcePrefixes(): string[] {
    const names = new Set<string>();
    for (const entry of this.config?.resources ?? []) for (const resource of entry.resources) names.add(resource);
    // Wildcards cover every resource: look at the whole registry then.
    if ([...names].some((n) => n.includes('*'))) return ['/registry/'];
    return [...names].map((name) => `/registry/${name}/`);
  }

  private async *storedValues(datastore: Datastore) {
    for (const prefix of this.resourcePrefixes()) {
      let startKey: string | undefined;
      for (;;) {
        const page = await datastore.list(prefix, { limit: 500, startKey });
        for (const kv of page.kvs) if (prefix !== '/registry/' || this.config?.resources.some((e) => entryMatches(e, resourceSegment(kv.key)))) yield kv;
        if (!page.more || !page.kvs.length) break;
        startKey = `${page.kvs[page.kvs.length - 1]!.key}\u0000`;
      }
    }
  }

  /** Rewrites every stored value not sealed the way new writes are (after enable, disable, rotate). */
  async reencrypt(datastore: Datastore): Promise<{ rewritten: number; failed: number }> {
    let rewritten = 0;
    let failed = 0;
    for await (const kv of this.storedValues(datastore)) {
      const wanted = this.plan(resourceSegment(kv.key)).key?.name;
      if (sealedKeyName(kv.value) === wanted) continue;
      try {
        // A key with a TTL (Events) keeps what is left of it.
        const ttlSeconds = kv.expiresAt ? Math.max(1, kv.expiresAt - Math.floor(Date.now() / 1000)) : undefined;
        await datastore.update(kv.key, this.encode(this.decode(kv.key, kv.value), kv.key), kv.modRevision, ttlSeconds ? { ttlSeconds } : undefined);
        rewritten++;
      } catch (error) {
        // Written meanwhile (with the current key) or deleted: nothing left to do for it.
        if (error instanceof ConflictError || error instanceof KeyNotFoundError) continue;
        failed++;
        this.log.error({ err: error, key: kv.key }, 'cannot re-encrypt a stored value');
      }
    }
    if (rewritten || failed) this.log.info({ rewritten, failed }, 'stored values re-encrypted');
    return { rewritten, failed };
  }

  async status(datastore: Datastore): Promise<EncryptionStatus> {
    const values = { total: 0, byKey: {} as Record<string, number>, plaintext: 0 };
    if (this.config) {
      for await (const kv of this.storedValues(datastore)) {
        values.total++;
        const name = sealedKeyName(kv.value);
        if (name === undefined) values.plaintext++;
        else values.byKey[name] = (values.byKey[name] ?? 0) + 1;
      }
    }
    const first = this.config?.resources[0]?.providers[0];
    const activeKey = first && 'aesgcm' in first ? first.aesgcm.keys[0]!.name : undefined;
    return {
      enabled: activeKey !== undefined,
      provider: activeKey ? 'aesgcm' : 'identity',
      activeKey,
      keys: [...this.keys.keys()],
      resources: [...new Set(this.config?.resources.flatMap((e) => e.resources) ?? [])],
      values,
      configFile: this.configPath,
    };
  }

  private async change(config: EncryptionConfiguration, datastore: Datastore): Promise<EncryptionStatus> {
    await writeConfiguration(this.configPath, config);
    this.use(config);
    await this.reencrypt(datastore);
    return this.status(datastore);
  }

  /** A new key encrypts from now on; every value is re-encrypted with it, then unused keys are dropped. */
  async rotate(datastore: Datastore): Promise<EncryptionStatus> {
    const status = await this.change(this.config ? withNewKey(this.config) : newConfiguration(), datastore);
    return this.prune(status, datastore);
  }

  async setEnabled(enabled: boolean, datastore: Datastore): Promise<EncryptionStatus> {
    return this.change(withEncryption(this.config ?? newConfiguration(), enabled), datastore);
  }

  private async prune(status: EncryptionStatus, datastore: Datastore): Promise<EncryptionStatus> {
    if (!this.config) return status;
    const pruned = withoutUnusedKeys(this.config, new Set(Object.keys(status.values.byKey)));
    if (JSON.stringify(pruned) === JSON.stringify(this.config)) return status;
    await writeConfiguration(this.configPath, pruned);
    this.use(pruned);
    return this.status(datastore);
  }
}
