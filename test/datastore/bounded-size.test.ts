// Bounded size: lease-renewal churn (updates spread over 100 keys) must leave the SQLite file and
// its WAL small and flat, with the default compaction settings. The benchmark runs the full
// 1,000,000 updates; this test runs 200,000 and checks the size stops growing.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteAddonFile } from '../../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import { tempDir } from '../e2e/harness.ts';
import { leaseRenewal, runLeaseChurn } from './churn.ts';

describe('bounded size', () => {
  const dir = tempDir('k2-bounded-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps file + WAL under 50 MB and flat through 200,000 updates over 100 keys', async () => {
    const path = join(dir, 'state.db');
    // With the WAL checkpoint thread, as a server runs.
    const store = new SqliteDatastore({ path, background: true, addonFile: () => sqliteAddonFile('') });
    await store.start();
    const onDisk = () => statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
    const sizes: number[] = [];
    try {
      await runLeaseChurn(store, { keys: 100, updates: 200_000, onProgress: () => sizes.push(onDisk()), progressEvery: 20_000 });
      // Every update is there: each key holds its last renewal.
      const { kv } = await store.get('/registry/leases/kube-node-lease/node-7');
      expect(kv?.value).toBe(leaseRenewal(7, 2_000));
      expect(await store.compactedRevision()).toBeGreaterThan(150_000);
    } finally {
      await store.close();
    }
    const max = Math.max(...sizes);
    expect(max).toBeLessThan(50e6);
    // Flat: the second half of the run never needs more room than the first third did (plus slack).
    const firstThird = Math.max(...sizes.slice(0, Math.ceil(sizes.length / 3)));
    expect(Math.max(...sizes.slice(Math.floor(sizes.length / 2)))).toBeLessThan(firstThird * 1.5);
  }, 120_000);
});
