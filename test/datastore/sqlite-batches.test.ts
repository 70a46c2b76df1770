// The SQLite backend decides the writes of a batch on the event loop and commits them on a thread of its own, with
// the next batch queued behind the one being synced. Writes to one key within a batch and across batches on their
// way must come out as if they were committed one by one, and reads meanwhile must see the acknowledged state.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteAddonFile } from '../../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import { ConflictError, KeyExistsError, type KeyValue, type WatchEvent } from '../../datastore/types.ts';
import { tempDir } from '../e2e/harness.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('SQLite batches on the commit thread', () => {
  const dir = tempDir('k2-sqlite-batches-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const open = async () => {
    const path = join(dir, `state-${files++}.db`);
    const store = new SqliteDatastore({ path, background: true, addonFile: () => sqliteAddonFile('') });
    await store.start();
    return { store, path };
  };

  it('decides writes to one key within one batch as if committed one by one', async () => {
    const { store, path } = await open();
    const r0 = await store.currentRevision();
    // Issued in one turn of the event loop: one batch.
    const outcomes = await Promise.allSettled([
      store.create('/k/a', 'v1'),
      store.update('/k/a', 'v2', r0 + 1),
      store.update('/k/a', 'v3', r0 + 2),
      store.delete('/k/a', r0 + 3),
      store.create('/k/a', 'v5'),
      store.update('/k/a', 'lost', r0 + 1),
      store.create('/k/a', 'exists'),
    ]);
    const value = (i: number) => (outcomes[i] as PromiseFulfilledResult<KeyValue>).value;
    expect(outcomes.slice(0, 5).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect([value(0).modRevision, value(1).modRevision, value(2).modRevision, value(4).modRevision]).toEqual([r0 + 1, r0 + 2, r0 + 3, r0 + 5]);
    expect(value(4).createRevision).toBe(r0 + 5);
    expect((outcomes[5] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((outcomes[6] as PromiseRejectedResult).reason).toBeInstanceOf(KeyExistsError);
    // The history reads as the sequence: each revision shows its version.
    const at = async (revision: number) => (await store.get('/k/a', { revision })).kv?.value;
    expect([await at(r0 + 1), await at(r0 + 2), await at(r0 + 3), await at(r0 + 4), await at(r0 + 5)]).toEqual(['v1', 'v2', 'v3', undefined, 'v5']);
    const events: WatchEvent[] = [];
    await new Promise<void>((resolve, reject) => {
      const handle = store.watch('/k/', r0, {
        onEvents(batch) {
          events.push(...batch);
          if (events.length >= 5) {
            handle.cancel();
            resolve();
          }
        },
        onError: reject,
      });
    });
    expect(events.map((e) => [e.type, e.revision, e.kv?.value, e.prevKv?.value])).toEqual([
      ['create', r0 + 1, 'v1', undefined],
      ['update', r0 + 2, 'v2', 'v1'],
      ['update', r0 + 3, 'v3', 'v2'],
      ['delete', r0 + 4, undefined, 'v3'],
      ['create', r0 + 5, 'v5', undefined],
    ]);
    await store.close();
    // On disk as acknowledged: a reopened file has one current version.
    const reopened = new SqliteDatastore({ path });
    await reopened.start();
    expect((await reopened.get('/k/a')).kv).toMatchObject({ value: 'v5', modRevision: r0 + 5, createRevision: r0 + 5 });
    expect((await reopened.list('/k/')).kvs).toHaveLength(1);
    await reopened.close();
  });

  it('chains writes across batches on their way, and reads see only what is acknowledged', async () => {
    const { store, path } = await open();
    const r0 = await store.currentRevision();
    const turns = 200;
    const writes: Promise<KeyValue>[] = [];
    const reads: Promise<void>[] = [];
    let readsBehindWrites = 0;
    // A create and an update of one key per turn, each update naming the revision the previous turn's write will
    // get: the batches queue up behind the one being synced, and each is decided on the ones before it.
    for (let turn = 0; turn < turns; turn++) {
      writes.push(store.create(`/c/item-${String(turn).padStart(3, '0')}`, `created in turn ${turn}`));
      const expected = turn === 0 ? undefined : r0 + 2 * turn;
      writes.push(expected === undefined ? store.create('/c/chain', 'turn 0') : store.update('/c/chain', `turn ${turn}`, expected));
      const issued = r0 + 2 * (turn + 1);
      reads.push(
        store.list('/c/').then(({ kvs, revision }) => {
          if (revision < issued) readsBehindWrites++;
          // A list at revision R holds exactly the writes up to R: two per turn.
          const turnsIn = (revision - r0) / 2;
          expect(Number.isInteger(turnsIn)).toBe(true);
          expect(kvs.filter((kv) => kv.key.startsWith('/c/item-'))).toHaveLength(turnsIn);
          for (const kv of kvs) expect(kv.modRevision).toBeLessThanOrEqual(revision);
          if (turnsIn > 0) expect(kvs.find((kv) => kv.key === '/c/chain')?.value).toBe(`turn ${turnsIn - 1}`);
        }),
      );
      await nextTurn();
    }
    const results = await Promise.all(writes);
    await Promise.all(reads);
    // Reads did run while batches were on their way.
    expect(readsBehindWrites).toBeGreaterThan(0);
    expect(results.map((kv) => kv.modRevision)).toEqual(Array.from({ length: 2 * turns }, (_, i) => r0 + 1 + i));
    expect((await store.get('/c/chain')).kv).toMatchObject({ value: `turn ${turns - 1}`, modRevision: r0 + 2 * turns, createRevision: r0 + 2 });
    await store.close();
    const reopened = new SqliteDatastore({ path });
    await reopened.start();
    expect((await reopened.list('/c/')).kvs).toHaveLength(turns + 1);
    expect((await reopened.get('/c/chain', { revision: r0 + 100 })).kv?.value).toBe('turn 49');
    await reopened.close();
  });

  it('fails a batch that cannot be committed, and the batches decided on it, losing nothing acknowledged', async () => {
    const { store, path } = await open();
    await store.create('/f/before', 'kept');
    const r0 = await store.currentRevision();
    // A real SQLite failure, from another connection: inserting the key '/f/poison' aborts its transaction.
    const other = new Database(path);
    other.exec("CREATE TRIGGER poison BEFORE INSERT ON kv WHEN NEW.key = '/f/poison' BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    const settled: Promise<PromiseSettledResult<KeyValue>[]>[] = [];
    for (let turn = 0; turn < 20; turn++) {
      settled.push(Promise.allSettled([store.create(`/f/item-${turn}`, `turn ${turn}`), ...(turn === 0 ? [store.create('/f/poison', 'x')] : [])]));
      await nextTurn();
    }
    const outcomes = (await Promise.all(settled)).flat();
    // The poisoned batch fails whole, with SQLite's message.
    expect(outcomes[0]).toMatchObject({ status: 'rejected' });
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toContain('injected failure');
    expect(outcomes[1]).toMatchObject({ status: 'rejected' });
    // The writes acknowledged afterwards got the revisions from r0 on, in order, and they are what the file holds.
    const acknowledged = outcomes.filter((o): o is PromiseFulfilledResult<KeyValue> => o.status === 'fulfilled').map((o) => o.value);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.map((kv) => kv.modRevision)).toEqual(acknowledged.map((_, i) => r0 + 1 + i));
    other.exec('DROP TRIGGER poison');
    other.close();
    const later = await store.create('/f/after', 'after');
    expect(later.modRevision).toBe(r0 + acknowledged.length + 1);
    expect(store.healthy()).toBe(true);
    await store.close();
    const reopened = new SqliteDatastore({ path });
    await reopened.start();
    const keys = (await reopened.list('/f/')).kvs.map((kv) => kv.key).sort();
    expect(keys).toEqual(['/f/after', '/f/before', ...acknowledged.map((kv) => kv.key)].sort());
    await reopened.close();
  });
});
