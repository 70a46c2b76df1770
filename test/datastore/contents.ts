// Helpers that fill a datastore and read all of it back, for comparing stores after a snapshot,
// a restore or a migration.
import { createHash } from 'node:crypto';
import { EtcdDatastore } from '../../datastore/etcd/etcd-datastore.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';
import type { Datastore } from '../../datastore/types.ts';

/** Opens a store, runs `use` on it and closes it again. */
async function using<S extends Datastore, T>(store: S, use: (store: S) => Promise<T>): Promise<T> {
  await store.start();
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

export const withSqlite = <T>(path: string, use: (store: SqliteDatastore) => Promise<T>) => using(new SqliteDatastore({ path }), use);
export const withEtcd = <T>(endpoint: string, use: (store: EtcdDatastore) => Promise<T>) => using(new EtcdDatastore({ endpoints: [endpoint] }), use);

/** A ConfigMap-like JSON value of realistic size. */
export function objectValue(i: number): string {
  return JSON.stringify({
    metadata: { name: `cm-${i}`, namespace: `ns-${i % 20}`, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: `app-${i % 50}`, tier: 'backend' } },
    data: { 'config.yaml': `replicas: ${i % 7}\nimage: registry.local/app:${i}\nnote: ${'x'.repeat(120)}` },
  });
}

/** Creates `count` objects under `prefix` with `writers` concurrent writers. */
export async function fill(store: Datastore, prefix: string, count: number, writers = 32): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < count; i = next++) await store.create(`${prefix}${String(i).padStart(7, '0')}`, objectValue(i));
    }),
  );
}

/** Every key and value (at `revision`, or now), as a count and a hash, read page by page. */
export async function contents(store: Datastore, revision?: number): Promise<{ count: number; sha256: string; keys: string[] }> {
  const hash = createHash('sha256');
  const keys: string[] = [];
  let startKey: string | undefined;
  let at = revision;
  for (;;) {
    const page = await store.list('', { revision: at, limit: 5000, startKey });
    at = page.revision;
    for (const kv of page.kvs) {
      if (kv.key === 'compact_rev_key') continue; // etcd's compaction bookkeeping, not content
      hash.update(`${kv.key}\u0000${kv.value}\u0000`);
      keys.push(kv.key);
    }
    if (!page.more) break;
    startKey = `${page.kvs[page.kvs.length - 1]!.key}\u0000`;
  }
  return { count: keys.length, sha256: hash.digest('hex'), keys };
}
