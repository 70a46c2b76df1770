// The watch cache over the SQLite datastore: waiting for a revision the store has not reached.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WatchCache } from '../../apiserver/registry/watch-cache.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';

describe('watch cache', () => {
  it('answers many waits for a revision far ahead with "Too large resource version", not a stack overflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k2-watch-cache-'));
    const datastore = new SqliteDatastore({ path: join(dir, 'state.db') });
    const cache = new WatchCache(datastore, pino({ level: 'silent' }));
    try {
      await datastore.start();
      await cache.start();
      // SQLite answers a progress request at once; the cache must not ask again in the same breath.
      const waits = Array.from({ length: 50 }, () => cache.waitForRevision(999_999_999_999, 300).then(() => 'reached', (error: Error) => error.message));
      const outcomes = await Promise.all(waits);
      expect(new Set(outcomes)).toEqual(new Set([expect.stringMatching(/^Too large resource version: 999999999999, current: \d+$/)]));
    } finally {
      cache.stop();
      await datastore.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
