// Secrets encrypted at rest: sealed values (AES-GCM bound to their key), the configuration file,
// undecodable values kept out of the cache; and on a real server: no plaintext in the SQLite file,
// its WAL or a snapshot, `k2 secrets-encrypt` status/rotate/disable/enable, restarts, and secrets
// written before encryption was turned on.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiCore } from '../../apiserver/api.ts';
import { newConfiguration, parseConfiguration, withEncryption, withNewKey, withoutUnusedKeys, writeConfiguration } from '../../apiserver/encryption/encryption-config.ts';
import { SecretsEncryption, seal, sealedKeyName } from '../../apiserver/encryption/secrets-encryption.ts';
import { readSqliteSnapshot } from '../../datastore/sqlite/sqlite-datastore.ts';
import { startServer, tempDir, testBundlePath, type TestServer } from '../e2e/harness.ts';
import { MemoryDatastore } from '../support/memory-datastore.ts';

const log = pino({ level: 'silent' });

function k2(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [testBundlePath, ...args], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('sealed values', () => {
  it('round-trip, are bound to their key and refuse tampering or unknown keys', async () => {
    const dir = tempDir('k2-seal-');
    const path = join(dir, 'cred', 'encryption-config.json');
    const encryption = new SecretsEncryption(path, log);
    expect(await encryption.load(true)).toEqual({ created: true });
    const json = '{"kind":"Secret","data":{"a":"c2VjcmV0"}}';
    const sealed = encryption.encode(json, '/registry/secrets/ns/a');
    expect(sealed).toMatch(/^k8s:enc:aesgcm:v1:aesgcm-key-[\dTZ]+-[0-9a-f]{6}:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('c2VjcmV0');
    expect(encryption.decode('/registry/secrets/ns/a', sealed)).toBe(json);
    expect(() => encryption.decode('/registry/secrets/ns/b', sealed)).toThrow();
    const tampered = sealed.slice(0, -6) + (sealed.endsWith('AAAA') ? 'BBBB==' : 'AAAA==');
    expect(() => encryption.decode('/registry/secrets/ns/a', tampered)).toThrow();
    expect(() => encryption.decode('/registry/secrets/ns/a', seal('gone', randomBytes(32), json, '/registry/secrets/ns/a'))).toThrow(`sealed with key "gone", which is not in ${path}`);
    // Only configured resources are sealed; plain values stay readable.
    expect(encryption.encode('{"kind":"ConfigMap"}', '/registry/configmaps/ns/a')).toBe('{"kind":"ConfigMap"}');
    expect(encryption.decode('/registry/secrets/ns/a', json)).toBe(json);
    expect(readFileSync(path, 'utf8')).toContain('"aesgcm"');
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses Kubernetes EncryptionConfiguration files and refuses what k2 cannot do', () => {
    const config = newConfiguration();
    expect(parseConfiguration(JSON.stringify(config), 'c.json')).toEqual(config);
    const yaml = `kind: EncryptionConfiguration\napiVersion: apiserver.config.k8s.io/v1\nresources:\n- resources: [secrets, configmaps]\n  providers:\n  - aesgcm:\n      keys:\n      - name: key1\n        secret: ${randomBytes(32).toString('base64')}\n  - identity: {}\n`;
    expect(parseConfiguration(yaml, 'c.yaml').resources[0]!.resources).toEqual(['secrets', 'configmaps']);
    expect(() => parseConfiguration(yaml.replace('aesgcm', 'kms'), 'c.yaml')).toThrow('encryption configuration c.yaml: resources[0].providers[0]: provider "kms" is not supported by k2 (use aesgcm or identity)');
    expect(() => parseConfiguration(yaml.replace(/secret: .*/, 'secret: c2hvcnQ='), 'c.yaml')).toThrow('key "key1" must be 16, 24 or 32 bytes of base64');
    const rotated = withNewKey(config);
    const keys = (rotated.resources[0]!.providers[0] as { aesgcm: { keys: { name: string }[] } }).aesgcm.keys;
    expect(keys).toHaveLength(2);
    expect(keys[1]!.name).toBe((config.resources[0]!.providers[0] as { aesgcm: { keys: { name: string }[] } }).aesgcm.keys[0]!.name);
    expect(Object.keys(withEncryption(rotated, false).resources[0]!.providers[0]!)).toEqual(['identity']);
    expect((withoutUnusedKeys(rotated, new Set()).resources[0]!.providers[0] as { aesgcm: { keys: unknown[] } }).aesgcm.keys).toHaveLength(1);
  });

  it('keeps values it cannot decode out of the watch cache, and reports them', async () => {
    const datastore = new MemoryDatastore();
    const dir = tempDir('k2-seal-');
    const encryption = new SecretsEncryption(join(dir, 'encryption-config.json'), log);
    await encryption.load(true);
    await datastore.create('/registry/secrets/default/lost', seal('lost-key', randomBytes(32), '{"metadata":{"name":"lost"}}', '/registry/secrets/default/lost'));
    await datastore.create('/registry/secrets/default/kept', encryption.encode('{"kind":"Secret","metadata":{"name":"kept","namespace":"default"}}', '/registry/secrets/default/kept'));
    const core = await startApiCore(datastore, log, { hooks: encryption.hooks() });
    expect(core.cache.get('/registry/secrets/default/kept')?.object.metadata.name).toBe('kept');
    expect(core.cache.get('/registry/secrets/default/lost')).toBeUndefined();
    expect([...core.cache.undecodable]).toEqual(['/registry/secrets/default/lost']);
    core.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('encryption at rest on a real server', () => {
  let server: TestServer;
  let dataDir: string;
  const canary = `k2-canary-${randomBytes(8).toString('hex')}`;
  const forms = [canary, Buffer.from(canary).toString('base64')];

  const status = async () => {
    const result = await k2(['secrets-encrypt', 'status', '--data-dir', dataDir, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };
  const plaintextIn = (file: string) => {
    if (!existsSync(file)) return false;
    const bytes = readFileSync(file);
    return forms.some((form) => bytes.includes(form));
  };
  const secretValue = async () => Buffer.from((await server.kubectl(['get', 'secret', 'vault', '-o', 'jsonpath={.data.password}'])).stdout, 'base64').toString();

  beforeAll(async () => {
    dataDir = tempDir();
    server = await startServer({ dataDir, args: ['--secrets-encryption'] });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never writes a secret in plain text: not to the SQLite file, its WAL, nor a snapshot', async () => {
    expect((await server.kubectl(['create', 'secret', 'generic', 'vault', `--from-literal=password=${canary}`])).code).toBe(0);
    expect((await server.kubectl(['create', 'secret', 'generic', 'applied', `--from-literal=token=${canary}`, '--dry-run=client', '-o', 'yaml'])).code).toBe(0);
    const manifest = (await server.kubectl(['create', 'secret', 'generic', 'applied', `--from-literal=token=${canary}`, '--dry-run=client', '-o', 'json'])).stdout;
    // kubectl apply keeps the whole object in an annotation: that copy is sealed too.
    expect((await server.kubectl(['apply', '-f', '-'], { input: manifest })).code).toBe(0);
    expect(await secretValue()).toBe(canary);
    const db = join(dataDir, 'db', 'state.db');
    expect(readFileSync(`${db}-wal`).includes('k8s:enc:aesgcm:v1:')).toBe(true);
    for (const file of [db, `${db}-wal`, `${db}-shm`]) expect(plaintextIn(file), file).toBe(false);
    const current = await status();
    expect(current).toMatchObject({ enabled: true, provider: 'aesgcm', resources: ['secrets'], values: { total: 2, plaintext: 0, byKey: { [current.activeKey]: 2 } } });

    await server.stop();
    for (const file of [db, `${db}-wal`]) expect(plaintextIn(file), file).toBe(false);
    const snapshot = await readSqliteSnapshot(db);
    let sealed = 0;
    for await (const batch of snapshot.batches) {
      for (const kv of batch) {
        expect(forms.some((form) => kv.value.includes(form)), kv.key).toBe(false);
        if (kv.key.startsWith('/registry/secrets/')) sealed += sealedKeyName(kv.value) ? 1 : 0;
      }
    }
    await snapshot.close();
    expect(sealed).toBe(2);
    // The key file governs later starts, with or without the flag.
    server = await startServer({ dataDir });
    expect(await secretValue()).toBe(canary);
  });

  it('rotates the key, re-encrypting everything and dropping the old key; disables and enables', async () => {
    const before = await status();
    const rotated = await k2(['secrets-encrypt', 'rotate', '--data-dir', dataDir]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/^Encryption Status: Enabled\nProvider: aesgcm\nActive Key: aesgcm-key-/);
    const after = await status();
    expect(after.activeKey).not.toBe(before.activeKey);
    expect(after.keys).toEqual([after.activeKey]);
    expect(after.values).toEqual({ total: 2, plaintext: 0, byKey: { [after.activeKey]: 2 } });
    expect(await secretValue()).toBe(canary);

    expect((await k2(['secrets-encrypt', 'disable', '--data-dir', dataDir])).code).toBe(0);
    expect(await status()).toMatchObject({ enabled: false, provider: 'identity', values: { total: 2, plaintext: 2 } });
    expect(await secretValue()).toBe(canary);
    expect((await k2(['secrets-encrypt', 'enable', '--data-dir', dataDir])).code).toBe(0);
    expect(await status()).toMatchObject({ enabled: true, values: { total: 2, plaintext: 0 } });
  });

  it('changes the key file when the server is down; the server re-encrypts at its next start', async () => {
    await server.stop();
    const offline = await k2(['secrets-encrypt', 'rotate', '--data-dir', dataDir]);
    expect(offline.stdout).toContain('the server re-encrypts every stored value at its next start');
    const down = await k2(['secrets-encrypt', 'status', '--data-dir', dataDir]);
    expect(down.stdout).toContain('Server: not running');
    server = await startServer({ dataDir });
    const active = (await status()).activeKey;
    await expect.poll(async () => (await status()).values.byKey[active], { timeout: 10_000 }).toBe(2);
    expect(await secretValue()).toBe(canary);
  });
});

describe('turning encryption on for existing secrets', () => {
  it('seals secrets written in plain text at the first start with --secrets-encryption', async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    try {
      expect((await server.kubectl(['create', 'secret', 'generic', 'old', '--from-literal=a=plain-before-encryption'])).code).toBe(0);
      await server.stop();
      const path = join(dataDir, 'cred', 'encryption-config.json');
      expect(existsSync(path)).toBe(false);
      await writeConfiguration(path, newConfiguration());
      server = await startServer({ dataDir, args: ['--secrets-encryption'] });
      const status = async () => JSON.parse((await k2(['secrets-encrypt', 'status', '--data-dir', dataDir, '-o', 'json'])).stdout);
      await expect.poll(async () => (await status()).values.plaintext, { timeout: 10_000 }).toBe(0);
      expect(Buffer.from((await server.kubectl(['get', 'secret', 'old', '-o', 'jsonpath={.data.a}'])).stdout, 'base64').toString()).toBe('plain-before-encryption');
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
