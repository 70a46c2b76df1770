// Re-encryption rewrites stored values under a new key: a value with a TTL (an Event) keeps what is left of it, and
// the API servers' master leases, which are no resource, are not sealed even by a `*.*` configuration.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { newConfiguration, writeConfiguration } from '../../apiserver/encryption/encryption-config.ts';
import { SecretsEncryption, sealedKeyName } from '../../apiserver/encryption/secrets-encryption.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('keeps an Event\'s remaining TTL and leaves master leases plain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k2-reencrypt-'));
  dirs.push(dir);
  const config = newConfiguration();
  config.resources[0]!.resources = ['*.*'];
  await writeConfiguration(join(dir, 'encryption.yaml'), config);
  const encryption = new SecretsEncryption(join(dir, 'encryption.yaml'), pino({ level: 'silent' }));
  await encryption.load(false);
  const store = new SqliteDatastore({ path: join(dir, 'state.db') });
  await store.start();
  try {
    await store.create('/registry/events/default/e1', '{"kind":"Event"}', { ttlSeconds: 3600 });
    await store.create('/registry/configmaps/default/c1', '{"kind":"ConfigMap"}');
    await store.create('/registry/masterleases/192.0.2.10', '{"kind":"Endpoints"}', { ttlSeconds: 15 });
    expect(await encryption.reencrypt(store)).toEqual({ rewritten: 2, failed: 0 });
    const event = (await store.get('/registry/events/default/e1')).kv!;
    const provider = config.resources[0]!.providers[0]!;
    expect(sealedKeyName(event.value)).toBe('aesgcm' in provider ? provider.aesgcm.keys[0]!.name : 'no aesgcm key');
    expect(event.expiresAt).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 3590);
    expect((await store.get('/registry/configmaps/default/c1')).kv!.expiresAt).toBe(0);
    expect((await store.get('/registry/masterleases/192.0.2.10')).kv!.value).toBe('{"kind":"Endpoints"}');
  } finally {
    await store.close();
  }
});
