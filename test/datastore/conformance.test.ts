// One conformance suite, run against the SQLite backend and against a real etcd started on
// loopback: the semantics the API server relies on are the same on both.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdDatastore } from '../../datastore/etcd/etcd-datastore.ts';
import { sqliteAddonFile } from '../../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import {
  CompactedError,
  ConflictError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  type Datastore,
  type WatchEvent,
} from '../../datastore/types.ts';
import { tempDir } from '../e2e/harness.ts';
import { startEtcd, type EtcdServer } from './etcd-server.ts';

interface Backend {
  name: string;
  open(): Promise<{ store: Datastore; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  // A server's SQLite commits on a thread of its own; without the addon's file, commits run on the event loop.
  ...[true, false].map(
    (thread): Backend => ({
      name: thread ? 'sqlite' : 'sqlite, commits on the event loop',
      async open() {
        const dir = tempDir('k2-conformance-');
        const addonFile = thread ? () => sqliteAddonFile('') : undefined;
        const store = new SqliteDatastore({ path: join(dir, 'state.db'), background: true, addonFile, expiryIntervalMs: 200, compaction: { intervalMs: 0, retain: 1_000_000 } });
        await store.start();
        return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    }),
  ),
  {
    name: 'etcd',
    async open() {
      const etcd: EtcdServer = await startEtcd();
      const store = new EtcdDatastore({ endpoints: [etcd.endpoint], background: true, compaction: { intervalMs: 0, retain: 1_000_000 } });
      await store.start();
      return { store, cleanup: () => etcd.stop() };
    },
  },
];

/** Collects a watch's events until `until` holds for them, or fails after `timeoutMs`. */
function collect(store: Datastore, prefix: string, from: number, until: (events: WatchEvent[]) => boolean, timeoutMs = 10_000): Promise<WatchEvent[]> {
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    const timer = setTimeout(() => {
      handle.cancel();
      reject(new Error(`watch saw ${events.length} events in ${timeoutMs} ms: ${JSON.stringify(events.map((e) => [e.type, e.key, e.revision]))}`));
    }, timeoutMs);
    const handle = store.watch(prefix, from, {
      onEvents(batch) {
        events.push(...batch);
        if (until(events)) {
          clearTimeout(timer);
          handle.cancel();
          resolve(events);
        }
      },
      onError(error) {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
}

function watchError(store: Datastore, prefix: string, from: number): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no watch error in 5 s')), 5_000);
    const handle = store.watch(prefix, from, {
      onEvents: () => {},
      onError(error) {
        clearTimeout(timer);
        handle.cancel();
        resolve(error);
      },
    });
  });
}

describe.each(backends)('datastore conformance: $name', (backend) => {
  let store: Datastore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
  });

  it('creates, reads, updates and deletes with one revision per write', async () => {
    const key = '/registry/configmaps/crud/a';
    const created = await store.create(key, '{"v":1}');
    expect(created).toMatchObject({ key, value: '{"v":1}', createRevision: created.modRevision });
    expect(await store.currentRevision()).toBe(created.modRevision);
    expect((await store.get(key)).kv).toMatchObject({ key, value: '{"v":1}', modRevision: created.modRevision });

    const updated = await store.update(key, '{"v":2}', created.modRevision);
    expect(updated).toMatchObject({ value: '{"v":2}', createRevision: created.modRevision, modRevision: created.modRevision + 1 });

    const duplicate = await store.create(key, '{"v":3}').catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(KeyExistsError);
    expect((duplicate as KeyExistsError).current).toMatchObject({ value: '{"v":2}', modRevision: updated.modRevision });

    const deleted = await store.delete(key);
    expect(deleted).toMatchObject({ key, value: '{"v":2}', modRevision: updated.modRevision });
    const after = await store.get(key);
    expect(after.kv).toBeUndefined();
    expect(after.revision).toBe(updated.modRevision + 1);

    // Re-created after deletion: a new incarnation with its own createRevision.
    const again = await store.create(key, '{"v":4}');
    expect(again.createRevision).toBe(updated.modRevision + 2);
    await store.delete(key, again.modRevision);
  });

  it('refuses stale compare-and-swap writes with the current value, and writes to absent keys', async () => {
    const key = '/registry/configmaps/cas/a';
    const created = await store.create(key, 'one');
    const updated = await store.update(key, 'two', created.modRevision);

    const stale = await store.update(key, 'three', created.modRevision).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).current).toMatchObject({ value: 'two', modRevision: updated.modRevision });
    expect(await store.delete(key, created.modRevision).catch((error: unknown) => error)).toBeInstanceOf(ConflictError);
    expect((await store.get(key)).kv?.value).toBe('two');

    expect(await store.update('/registry/configmaps/cas/missing', 'x', 5).catch((error: unknown) => error)).toBeInstanceOf(KeyNotFoundError);
    expect(await store.delete('/registry/configmaps/cas/missing').catch((error: unknown) => error)).toBeInstanceOf(KeyNotFoundError);

    // Ten writers race on one revision: exactly one wins, the rest see the winner's value.
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.update(key, `racer-${i}`, updated.modRevision)));
    const winners = results.filter((result) => result.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as PromiseFulfilledResult<{ value: string; modRevision: number }>).value;
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(ConflictError);
        expect(result.reason.current).toMatchObject({ value: winner.value, modRevision: winner.modRevision });
      }
    }
  });

  it('lists a prefix at one revision, page by page, while writes go on', async () => {
    const prefix = '/registry/secrets/page/';
    for (let i = 0; i < 50; i++) await store.create(`${prefix}${String(i).padStart(3, '0')}`, `v${i}`);
    // Neighbours that share the prefix's characters but not the prefix.
    await store.create('/registry/secrets/page', 'no');
    await store.create('/registry/secrets/page0', 'no');

    const first = await store.list(prefix, { limit: 10 });
    expect(first.kvs.map((kv) => kv.value)).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    expect(first.more).toBe(true);
    expect(first.remaining).toBe(40);
    const at = first.revision;

    // Writes after the first page: new keys, changed and deleted ones on later pages.
    const writes: Promise<unknown>[] = [];
    for (let i = 50; i < 60; i++) writes.push(store.create(`${prefix}${String(i).padStart(3, '0')}`, `v${i}`));
    for (let i = 20; i < 30; i++) writes.push(store.get(`${prefix}0${i}`).then(({ kv }) => store.update(kv!.key, 'changed', kv!.modRevision)));
    for (let i = 40; i < 45; i++) writes.push(store.delete(`${prefix}0${i}`));
    await Promise.all(writes);

    const seen = [...first.kvs];
    let page = first;
    while (page.more) {
      const next = `${page.kvs[page.kvs.length - 1]!.key}\u0000`;
      page = await store.list(prefix, { revision: at, limit: 10, startKey: next });
      expect(page.revision).toBe(at);
      seen.push(...page.kvs);
    }
    expect(seen.map((kv) => kv.value)).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));

    const now = await store.list(prefix);
    expect(now.kvs).toHaveLength(55);
    expect(now.kvs.filter((kv) => kv.value === 'changed')).toHaveLength(10);
    expect((await store.count(prefix)).count).toBe(55);
    expect((await store.get(`${prefix}020`, { revision: at })).kv?.value).toBe('v20');
    expect((await store.get(`${prefix}040`, { revision: at })).kv?.value).toBe('v40');
    expect((await store.get(`${prefix}040`)).kv).toBeUndefined();
  });

  it('refuses reads at a future revision', async () => {
    const current = await store.currentRevision();
    expect(await store.get('/registry/x', { revision: current + 100 }).catch((error: unknown) => error)).toBeInstanceOf(FutureRevisionError);
    expect(await store.list('/registry/', { revision: current + 100 }).catch((error: unknown) => error)).toBeInstanceOf(FutureRevisionError);
  });

  it('takes the value an update replaces from its caller only when the compare-and-swap holds', async () => {
    const prefix = '/registry/configmaps/known/';
    const key = `${prefix}a`;
    const created = await store.create(key, 'one');
    const watching = collect(store, prefix, await store.currentRevision(), (seen) => seen.length >= 1);
    const updated = await store.update(key, 'two', created.modRevision, { previousValue: 'one' });
    expect((await watching)[0]).toMatchObject({ type: 'update', kv: { value: 'two' }, prevKv: { value: 'one', modRevision: created.modRevision } });
    const stale = await store.update(key, 'three', created.modRevision, { previousValue: 'one' }).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as ConflictError).current).toMatchObject({ value: 'two', modRevision: updated.modRevision });
  });

  it('replays history then delivers live events in revision order, with previous values', async () => {
    const prefix = '/registry/pods/watch/';
    const start = await store.currentRevision();
    const a = await store.create(`${prefix}a`, 'a1');
    await store.update(`${prefix}a`, 'a2', a.modRevision);
    await store.create('/registry/pods/other/x', 'elsewhere');
    await store.delete(`${prefix}a`);
    const replayed = await collect(store, prefix, start, (events) => events.length >= 3);
    expect(replayed.map((e) => [e.type, e.key, e.kv?.value, e.prevKv?.value])).toEqual([
      ['create', `${prefix}a`, 'a1', undefined],
      ['update', `${prefix}a`, 'a2', 'a1'],
      ['delete', `${prefix}a`, undefined, 'a2'],
    ]);
    expect(replayed.map((e) => e.revision)).toEqual([start + 1, start + 2, start + 4]);

    // A watch that starts while a writer runs sees every write exactly once, in order: the seam
    // between replayed history and live events has no gap and no repeat.
    const total = 300;
    const from = await store.currentRevision();
    let written = 0;
    const writer = (async () => {
      for (; written < total; written++) await store.create(`${prefix}live-${written}`, String(written));
    })();
    while (written < total / 3) await new Promise((resolve) => setTimeout(resolve, 1));
    const events = await collect(store, prefix, from, (seen) => seen.length >= total);
    await writer;
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: total }, (_, i) => from + 1 + i));
    expect(events.map((e) => e.kv!.value)).toEqual(Array.from({ length: total }, (_, i) => String(i)));
  });

  it('fails reads and watches below the compacted revision', async () => {
    const key = '/registry/leases/compact/a';
    let kv = await store.create(key, '0');
    const early = kv.modRevision;
    for (let i = 1; i <= 5; i++) kv = await store.update(key, String(i), kv.modRevision);
    const target = kv.modRevision - 1;
    await store.compact(target);
    expect(await store.compactedRevision()).toBeGreaterThanOrEqual(target);

    const read = await store.get(key, { revision: early }).catch((error: unknown) => error);
    expect(read).toBeInstanceOf(CompactedError);
    expect((read as CompactedError).compacted).toBeGreaterThanOrEqual(target);
    expect(await store.list('/registry/leases/compact/', { revision: early }).catch((error: unknown) => error)).toBeInstanceOf(CompactedError);
    expect(await watchError(store, '/registry/leases/compact/', early)).toBeInstanceOf(CompactedError);

    // At and above the compacted revision, reads and watches still work.
    expect((await store.get(key, { revision: target })).kv?.value).toBe('4');
    const events = await collect(store, '/registry/leases/compact/', target, (seen) => seen.length >= 1);
    expect(events[0]).toMatchObject({ type: 'update', revision: kv.modRevision, kv: { value: '5' }, prevKv: { value: '4' } });
    // Compacting again below the compacted revision changes nothing.
    await store.compact(target - 2);
  });

  it('expires keys written with a TTL, with a delete event', async () => {
    const prefix = '/registry/events/ttl/';
    const from = await store.currentRevision();
    const short = await store.create(`${prefix}short`, 'goes', { ttlSeconds: 1 });
    expect(short.expiresAt).toBeGreaterThan(Date.now() / 1000);
    await store.create(`${prefix}forever`, 'stays');
    const listed = await store.list(prefix);
    expect(listed.kvs.find((kv) => kv.key === `${prefix}short`)?.expiresAt).toBeGreaterThan(0);
    expect(listed.kvs.find((kv) => kv.key === `${prefix}forever`)?.expiresAt ?? 0).toBe(0);

    const events = await collect(store, prefix, from, (seen) => seen.some((e) => e.type === 'delete'), 15_000);
    expect(events.find((e) => e.type === 'delete')).toMatchObject({ key: `${prefix}short`, prevKv: { value: 'goes' } });
    expect((await store.get(`${prefix}short`)).kv).toBeUndefined();
    expect((await store.get(`${prefix}forever`)).kv?.value).toBe('stays');
  }, 20_000);

  it('reports itself healthy while open', () => {
    expect(store.healthy()).toBe(true);
  });
});
