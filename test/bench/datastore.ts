// `npm run bench -- datastore`: the same workload on the SQLite backend and on a real etcd
// (Debian's, started here on loopback with fsync on), side by side; then SQLite's bounded size
// under 1,000,000 lease renewals, and a 100,000-object snapshot round trip.
import { existsSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { EtcdDatastore } from '../../datastore/etcd/etcd-datastore.ts';
import { restoreSnapshot, takeSnapshot } from '../../datastore/snapshot/snapshots.ts';
import { FolderStorage } from '../../datastore/snapshot/storage.ts';
import { sqliteAddonFile } from '../../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import type { Datastore } from '../../datastore/types.ts';
import { fill, objectValue } from '../datastore/contents.ts';
import { runLeaseChurn } from '../datastore/churn.ts';
import { startEtcd } from '../datastore/etcd-server.ts';
import { tempDir } from '../e2e/harness.ts';
import { ms, percentile, printTable } from './table.ts';

interface Figures {
  sequentialCreates: number;
  concurrentCreates: number;
  gets: number;
  list10k: number;
  watchP50: number;
  watchP99: number;
}

const perSecond = (count: number, startedMs: number) => count / ((performance.now() - startedMs) / 1000);

async function measure(store: Datastore): Promise<Figures> {
  // Durable creates one at a time: each waits for its commit.
  let started = performance.now();
  const sequential = 2_000;
  for (let i = 0; i < sequential; i++) await store.create(`/registry/bench/sequential/${i}`, objectValue(i));
  const sequentialCreates = perSecond(sequential, started);

  // 32 concurrent writers; half the keys land in one namespace for the list below.
  const concurrent = 20_000;
  let next = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = next++; i < concurrent; i = next++) await store.create(`/registry/configmaps/ns-${i % 2}/cm-${String(i).padStart(6, '0')}`, objectValue(i));
    }),
  );
  const concurrentCreates = perSecond(concurrent, started);

  // 32 concurrent readers of existing keys.
  const reads = 20_000;
  next = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      for (let i = next++; i < reads; i = next++) {
        const n = (i * 7919) % concurrent;
        const { kv } = await store.get(`/registry/configmaps/ns-${n % 2}/cm-${String(n).padStart(6, '0')}`);
        if (!kv) throw new Error('missing key');
      }
    }),
  );
  const gets = perSecond(reads, started);

  const listTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    started = performance.now();
    const { kvs } = await store.list('/registry/configmaps/ns-0/');
    listTimes.push(performance.now() - started);
    if (kvs.length !== 10_000) throw new Error(`listed ${kvs.length} keys, want 10000`);
  }
  listTimes.sort((a, b) => a - b);

  // Watch delivery: time from issuing a write to its event reaching one watch on /registry/,
  // with 8 writers at full speed.
  const issued = new Map<string, number>();
  const latencies: number[] = [];
  const writes = 2_000;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const watch = store.watch('/registry/', await store.currentRevision(), {
    onEvents(events) {
      const now = performance.now();
      for (const event of events) {
        const at = issued.get(event.key);
        if (at !== undefined) latencies.push(now - at);
      }
      if (latencies.length >= writes) resolveDone();
    },
    onError: (error) => {
      throw error;
    },
  });
  next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < writes; i = next++) {
        const key = `/registry/bench/watched/${i}`;
        issued.set(key, performance.now());
        await store.create(key, objectValue(i));
      }
    }),
  );
  await done;
  watch.cancel();
  latencies.sort((a, b) => a - b);
  return { sequentialCreates, concurrentCreates, gets, list10k: listTimes[2]!, watchP50: percentile(latencies, 50), watchP99: percentile(latencies, 99) };
}

const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')}/s`;

export async function datastoreBenchmark(): Promise<void> {
  const dir = tempDir('k2-bench-datastore-');
  const loadBefore = loadavg()[0]!;
  try {
    // As a server runs it: commits and WAL checkpoints on threads of their own.
    const sqlite = new SqliteDatastore({ path: join(dir, 'sqlite/state.db'), background: true, addonFile: () => sqliteAddonFile('') });
    await sqlite.start();
    const fromSqlite = await measure(sqlite);
    await sqlite.close();

    const etcdServer = await startEtcd();
    let fromEtcd: Figures;
    try {
      const etcd = new EtcdDatastore({ endpoints: [etcdServer.endpoint] });
      await etcd.start();
      fromEtcd = await measure(etcd);
      await etcd.close();
    } finally {
      await etcdServer.stop();
    }

    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    printTable(
      ['figure', 'SQLite', 'etcd 3.4', 'SQLite vs etcd', 'goal'],
      [
        ['durable sequential creates', rate(fromSqlite.sequentialCreates), rate(fromEtcd.sequentialCreates), ratio(fromSqlite.sequentialCreates, fromEtcd.sequentialCreates), '≥ etcd'],
        ['creates, 32 concurrent writers', rate(fromSqlite.concurrentCreates), rate(fromEtcd.concurrentCreates), ratio(fromSqlite.concurrentCreates, fromEtcd.concurrentCreates), '≥ 3× etcd, > 10,000/s'],
        ['gets, 32 concurrent readers', rate(fromSqlite.gets), rate(fromEtcd.gets), ratio(fromSqlite.gets, fromEtcd.gets), '≥ etcd'],
        ['list of 10,000 keys (median of 5)', ms(fromSqlite.list10k), ms(fromEtcd.list10k), ratio(fromEtcd.list10k, fromSqlite.list10k), '≤ etcd'],
        ['watch delivery p50', ms(fromSqlite.watchP50), ms(fromEtcd.watchP50), ratio(fromEtcd.watchP50, fromSqlite.watchP50), '≤ etcd'],
        ['watch delivery p99', ms(fromSqlite.watchP99), ms(fromEtcd.watchP99), ratio(fromEtcd.watchP99, fromSqlite.watchP99), '≤ etcd'],
      ],
    );

    // Bounded size: lease-renewal churn with the default compaction settings.
    console.log('');
    const churnPath = join(dir, 'churn/state.db');
    const churn = new SqliteDatastore({ path: churnPath, background: true, addonFile: () => sqliteAddonFile('') });
    await churn.start();
    const onDisk = () => statSync(churnPath).size + (existsSync(`${churnPath}-wal`) ? statSync(`${churnPath}-wal`).size : 0);
    let largest = 0;
    const started = performance.now();
    await runLeaseChurn(churn, { keys: 100, updates: 1_000_000, progressEvery: 10_000, onProgress: () => (largest = Math.max(largest, onDisk())) });
    const churnRate = perSecond(1_000_000, started);
    const atEnd = onDisk();
    await churn.close();

    // Snapshot round trip of 100,000 objects.
    const source = new SqliteDatastore({ path: join(dir, 'snap/state.db') });
    await source.start();
    await fill(source, '/registry/configmaps/', 100_000);
    const folder = new FolderStorage(join(dir, 'snapshots'));
    let t = performance.now();
    const taken = await takeSnapshot(source, { folder, name: 'bench', compress: true, k2Version: 'bench' });
    const saveMs = performance.now() - t;
    await source.close();
    const file = folder.path(taken.file);
    t = performance.now();
    await restoreSnapshot(file, { kind: 'sqlite', path: join(dir, 'restored/state.db') });
    const restoreSqliteMs = performance.now() - t;
    const etcdServer2 = await startEtcd();
    let restoreEtcdMs: number;
    try {
      t = performance.now();
      await restoreSnapshot(file, { kind: 'etcd', endpoints: [etcdServer2.endpoint] });
      restoreEtcdMs = performance.now() - t;
    } finally {
      await etcdServer2.stop();
    }

    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    printTable(
      ['figure', 'value', 'goal'],
      [
        ['1,000,000 updates over 100 keys: largest file + WAL', mb(largest), '< 50 MB'],
        ['… file + WAL at the end', mb(atEnd), ''],
        ['… updates/s (100 writers, compaction running)', rate(churnRate), ''],
        ['snapshot of 100,000 objects: save', `${ms(saveMs)}, ${mb(statSync(file).size)} compressed`, ''],
        ['… restore into a fresh SQLite data dir', ms(restoreSqliteMs), ''],
        ['… restore into etcd', ms(restoreEtcdMs), ''],
      ],
    );
    console.log(`\nload average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after, on ${availableParallelism()} cores`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
