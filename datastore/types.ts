// The revisioned key-value store every backend implements, with etcd's semantics: one global
// revision that grows by one per committed write, compare-and-swap on a key's modRevision,
// reads at a past revision, watches that replay history, compaction and TTL leases.
// Values are the JSON text of stored objects; backends never interpret them.

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created the key (it changes if the key is deleted and re-created). */
  createRevision: number;
  /** Revision of the last write to the key: its resourceVersion. */
  modRevision: number;
  /** Seconds-from-epoch expiry for keys written with a TTL, else 0. */
  expiresAt?: number;
}

/** What a deleted key held, and the revision of its deletion. */
export interface DeletedKeyValue extends KeyValue {
  deleteRevision: number;
}

export interface WatchEvent {
  type: 'create' | 'update' | 'delete';
  key: string;
  /** The revision of this change. */
  revision: number;
  /** The key after the change (create, update). */
  kv?: KeyValue;
  /** The key before the change (update, delete). */
  prevKv?: KeyValue;
}

export interface ListOptions {
  /** Read at this revision (0 or absent: the current one). Fails with CompactedError below the compacted revision. */
  revision?: number;
  /** At most this many keys (0 or absent: all). */
  limit?: number;
  /** Start at this key (inclusive), for continuing a paginated list. */
  startKey?: string;
}

export interface ListResult {
  kvs: KeyValue[];
  /** The revision the list is consistent at. */
  revision: number;
  /** More keys follow the last one returned. */
  more: boolean;
  /** Keys remaining after this page (only counted when `more`). */
  remaining?: number;
}

export interface WriteOptions {
  /** Expire the key after this many seconds (Kubernetes Events: 1 h). */
  ttlSeconds?: number;
  /**
   * Updates only: the value the key holds at `expectedModRevision`, when the caller has it (the watch cache does). A
   * backend may give it as the event's prevKv value instead of reading the row again; it is used only when the
   * compare-and-swap succeeds, that is when it is the value of that very revision.
   */
  previousValue?: string;
}

export interface WatchHandle {
  cancel(): void;
  /**
   * Asks for a progress report: `onProgress` is then called with a revision up to which every change
   * under the prefix has been delivered (revisions can move for keys outside the prefix).
   */
  requestProgress(): void;
}

export interface WatchCallbacks {
  /** Events in revision order, a batch at a time (one commit or one replayed chunk). */
  onEvents(events: WatchEvent[]): void;
  /** The watch ended: CompactedError when `fromRevision` is too old, or a backend failure. */
  onError(error: Error): void;
  /** Every change under the prefix up to `revision` has been delivered (answers requestProgress). */
  onProgress?(revision: number): void;
}

export interface Datastore {
  /** "sqlite", "etcd", ... */
  readonly backend: string;
  /** Opens files or connections and starts background work (compaction, lease expiry). */
  start(): Promise<void>;
  /** Finishes pending commits and closes cleanly. */
  close(): Promise<void>;
  /** True while the backend can serve reads and writes. */
  healthy(): boolean;

  currentRevision(): Promise<number>;
  compactedRevision(): Promise<number>;

  get(key: string, options?: { revision?: number }): Promise<{ kv?: KeyValue; revision: number }>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<{ count: number; revision: number }>;

  /** Fails with KeyExistsError when the key exists. */
  create(key: string, value: string, options?: WriteOptions): Promise<KeyValue>;
  /** Fails with ConflictError when the key's modRevision is not `expectedModRevision`, KeyNotFoundError when absent. */
  update(key: string, value: string, expectedModRevision: number, options?: WriteOptions): Promise<KeyValue>;
  /** Deletes the key (only at `expectedModRevision` when given) and returns what it held. */
  delete(key: string, expectedModRevision?: number): Promise<DeletedKeyValue>;

  /**
   * Every change under `prefix` with a revision greater than `fromRevision`: first the history
   * (from the backend), then live changes as they commit, in revision order without gaps or repeats.
   */
  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): WatchHandle;

  /** Drops history below `revision` (keeping each key's latest value). */
  compact(revision: number): Promise<void>;
}

export class DatastoreError extends Error {}

export class KeyExistsError extends DatastoreError {
  constructor(readonly key: string, readonly current?: KeyValue) {
    super(`key exists: ${key}`);
  }
}

export class KeyNotFoundError extends DatastoreError {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}

export class ConflictError extends DatastoreError {
  constructor(readonly key: string, readonly current?: KeyValue) {
    super(`revision mismatch for ${key}`);
  }
}

/** A read or watch asked for a revision older than the compacted one; the API answers 410 Gone. */
export class CompactedError extends DatastoreError {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (compacted revision ${compacted})`);
  }
}

/** A read asked for a revision newer than the current one. */
export class FutureRevisionError extends DatastoreError {
  constructor(readonly requested: number, readonly current: number) {
    super(`required revision ${requested} is a future revision (current revision ${current})`);
  }
}
