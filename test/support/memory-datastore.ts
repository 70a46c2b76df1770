// An in-memory Datastore with etcd semantics, for unit tests of the layers above the datastore.
import type { Datastore, DeletedKeyValue, KeyValue, ListOptions, ListResult, WatchCallbacks, WatchEvent, WatchHandle } from '../../datastore/types.ts';
import { CompactedError, ConflictError, KeyExistsError, KeyNotFoundError } from '../../datastore/types.ts';

export class MemoryDatastore implements Datastore {
  readonly backend = 'memory';
  private revision = 0;
  private compacted = 0;
  private readonly current = new Map<string, KeyValue>();
  private readonly log: WatchEvent[] = [];
  private readonly watchers = new Set<{ prefix: string; callbacks: WatchCallbacks }>();

  async start(): Promise<void> {}
  async close(): Promise<void> {}
  healthy(): boolean {
    return true;
  }
  async currentRevision(): Promise<number> {
    return this.revision;
  }
  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  private stateAt(revision: number): Map<string, KeyValue> {
    if (revision >= this.revision) return this.current;
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    const state = new Map(this.current);
    for (let i = this.log.length - 1; i >= 0 && this.log[i]!.revision > revision; i--) {
      const event = this.log[i]!;
      if (event.prevKv) state.set(event.key, event.prevKv);
      else state.delete(event.key);
    }
    return state;
  }

  async get(key: string, options: { revision?: number } = {}): Promise<{ kv?: KeyValue; revision: number }> {
    return { kv: this.stateAt(options.revision || this.revision).get(key), revision: options.revision || this.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const revision = options.revision || this.revision;
    const keys = [...this.stateAt(revision).entries()].filter(([k]) => k.startsWith(prefix) && (!options.startKey || k >= options.startKey)).sort(([a], [b]) => (a < b ? -1 : 1));
    const limit = options.limit || keys.length;
    const page = keys.slice(0, limit).map(([, kv]) => kv);
    return { kvs: page, revision, more: keys.length > limit, remaining: keys.length > limit ? keys.length - limit : undefined };
  }

  async count(prefix: string): Promise<{ count: number; revision: number }> {
    return { count: [...this.current.keys()].filter((k) => k.startsWith(prefix)).length, revision: this.revision };
  }

  private commit(event: WatchEvent): void {
    this.log.push(event);
    for (const watcher of this.watchers) if (event.key.startsWith(watcher.prefix)) watcher.callbacks.onEvents([event]);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const existing = this.current.get(key);
    if (existing) throw new KeyExistsError(key, existing);
    const revision = ++this.revision;
    const kv = { key, value, createRevision: revision, modRevision: revision };
    this.current.set(key, kv);
    this.commit({ type: 'create', key, revision, kv });
    return kv;
  }

  async update(key: string, value: string, expected: number): Promise<KeyValue> {
    const existing = this.current.get(key);
    if (!existing) throw new KeyNotFoundError(key);
    if (existing.modRevision !== expected) throw new ConflictError(key, existing);
    const revision = ++this.revision;
    const kv = { key, value, createRevision: existing.createRevision, modRevision: revision };
    this.current.set(key, kv);
    this.commit({ type: 'update', key, revision, kv, prevKv: existing });
    return kv;
  }

  async delete(key: string, expected?: number): Promise<DeletedKeyValue> {
    const existing = this.current.get(key);
    if (!existing) throw new KeyNotFoundError(key);
    if (expected !== undefined && existing.modRevision !== expected) throw new ConflictError(key, existing);
    const revision = ++this.revision;
    this.current.delete(key);
    this.commit({ type: 'delete', key, revision, prevKv: existing });
    return { ...existing, deleteRevision: revision };
  }

  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): WatchHandle {
    if (fromRevision < this.compacted) {
      queueMicrotask(() => callbacks.onError(new CompactedError(fromRevision, this.compacted)));
      return { cancel() {}, requestProgress() {} };
    }
    const replay = this.log.filter((e) => e.revision > fromRevision && e.key.startsWith(prefix));
    if (replay.length) callbacks.onEvents(replay);
    const watcher = { prefix, callbacks };
    this.watchers.add(watcher);
    return { cancel: () => this.watchers.delete(watcher), requestProgress: () => queueMicrotask(() => callbacks.onProgress?.(this.revision)) };
  }

  async compact(revision: number): Promise<void> {
    this.compacted = revision;
  }
}
