// The watch cache over the SQLite datastore: waiting for a revision the store has not reached, and
// the history window watches resume from.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WatchCache, type CacheEvent } from '../../apiserver/registry/watch-cache.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';

/** A watch cache over a fresh SQLite datastore, for the length of `run`. */
async function withCache(options: { historySize?: number }, run: (datastore: SqliteDatastore, cache: WatchCache) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k2-watch-cache-'));
  const datastore = new SqliteDatastore({ path: join(dir, 'state.db') });
  const cache = new WatchCache(datastore, pino({ level: 'silent' }), options);
  try {
    await datastore.start();
    await cache.start();
    await run(datastore, cache);
  } finally {
    cache.stop();
    await datastore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const key = '/registry/configmaps/default/one';
const body = (data: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'default' }, data: { a: data } });

describe('watch cache', () => {
  it('answers many waits for a revision far ahead with "Too large resource version", not a stack overflow', () =>
    withCache({}, async (_datastore, cache) => {
      // SQLite answers a progress request at once; the cache must not ask again in the same breath.
      const waits = Array.from({ length: 50 }, () => cache.waitForRevision(999_999_999_999, 300).then(() => 'reached', (error: Error) => error.message));
      const outcomes = await Promise.all(waits);
      expect(new Set(outcomes)).toEqual(new Set([expect.stringMatching(/^Too large resource version: 999999999999, current: \d+$/)]));
    }));

  it('replays the window to a resuming watch, with previous objects, and answers 410 Gone before it', () =>
    withCache({ historySize: 3 }, async (datastore, cache) => {
      const first = await datastore.create(key, body('1'));
      const second = await datastore.update(key, body('2'), first.modRevision);
      const third = await datastore.update(key, body('3'), second.modRevision);
      const deleted = await datastore.delete(key, third.modRevision);
      await cache.waitForRevision(deleted.deleteRevision);
      // Three events are kept: the first change fell out, so resuming from before it is 410 Gone.
      expect(() => cache.subscribe('/registry/configmaps/', first.modRevision - 1, () => {})).toThrow(/too old resource version/);
      const replayed: CacheEvent[] = [];
      const stop = cache.subscribe('/registry/configmaps/', first.modRevision, (event) => replayed.push(event));
      stop();
      expect(replayed.map((e) => [e.type, e.object.metadata.resourceVersion, (e.object.data as { a: string }).a, e.previous?.metadata.resourceVersion, (e.previous?.data as { a: string } | undefined)?.a])).toEqual([
        ['MODIFIED', String(second.modRevision), '2', String(first.modRevision), '1'],
        ['MODIFIED', String(third.modRevision), '3', String(second.modRevision), '2'],
        ['DELETED', String(deleted.deleteRevision), '3', String(third.modRevision), '3'],
      ]);
    }));

  it('counts the text of replaced versions it lets go of as they leave the window', () =>
    withCache({ historySize: 2 }, async (datastore, cache) => {
      const first = await datastore.create(key, body('1'));
      const second = await datastore.update(key, body('22'), first.modRevision);
      await cache.waitForRevision(second.modRevision);
      // Both changes are in the window: the first version is still held (as the second change's previous one).
      expect(cache.releasedHistoryChars).toBe(0);
      const third = await datastore.update(key, body('333'), second.modRevision);
      await cache.waitForRevision(third.modRevision);
      // The creation left, but the first version is still the second change's previous one.
      expect(cache.releasedHistoryChars).toBe(0);
      const fourth = await datastore.update(key, body('4444'), third.modRevision);
      await cache.waitForRevision(fourth.modRevision);
      // The second change left: nothing holds the first version now.
      expect(cache.releasedHistoryChars).toBe(body('1').length);
    }));
});
