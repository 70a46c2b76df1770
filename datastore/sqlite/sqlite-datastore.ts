// The default backend: one SQLite file in WAL mode. Every write is a row of one log table whose
// primary key is the global revision; a row stays "current" until a later write to its key
// supersedes it. Current reads use a partial index over current rows (O(result)); reads at a past
// revision and watch replay read the retained history. Concurrent writes are grouped into one
// transaction, so one fsync (synchronous=FULL) makes a whole batch durable before any of it is
// acknowledged or published on the event bus. A server commits on a thread of its own (commit-thread.ts).
import { closeSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { compactionTarget, defaultCompactionPolicy, silentLog, type CompactionPolicy, type DatastoreLog } from '../background.ts';
import { EventBus } from '../event-bus.ts';
import { prefixEnd } from '../keys.ts';
import type { SnapshotReader, SnapshotSource } from '../snapshot/source.ts';
import {
  CompactedError,
  ConflictError,
  DatastoreError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  type Datastore,
  type DeletedKeyValue,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchCallbacks,
  type WatchEvent,
  type WatchHandle,
  type WriteOptions,
} from '../types.ts';
import { CommitThread, EventLoopCommitter, type BatchRows, type Committer, type InsertRow } from './commit-thread.ts';
import { claimDatastore } from './owner.ts';
import { WalCheckpointer } from './wal-checkpointer.ts';
import { openSqliteFile, readStoredRevisions } from './schema.ts';

export interface SqliteDatastoreOptions {
  /** The database file; its folder is created. */
  path: string;
  /** better-sqlite3's addon from `sqliteNativeBinding()` (the single executable), else undefined. */
  nativeBinding?: object;
  /**
   * The addon's file (`sqliteAddonFile()`): a server commits and checkpoints its WAL on threads that load it.
   * Without it, on the event loop.
   */
  addonFile?: () => string;
  /** The WAL size at which it is checkpointed (default 8 MiB). */
  walCheckpointBytes?: number;
  /** Run automatic compaction and TTL expiry: a server does, a command-line tool does not. */
  background?: boolean;
  compaction?: CompactionPolicy;
  /** How often expired keys are looked for. */
  expiryIntervalMs?: number;
  log?: DatastoreLog;
}

/**
 * One row of the `kv` table, in `rowColumns` order. Statements run in raw mode: arrays cost much
 * less than objects when a list returns thousands of rows.
 */
type Row = [revision: number, key: string, value: string | null, createRevision: number, prevRevision: number, expiresAt: number];

/** One batch of writes: its rows, the revision before it, and its newest one. */
class Batch implements BatchRows {
  readonly supersedes: number[] = [];
  readonly inserts: InsertRow[] = [];
  /** The versions its writes replaced in the index, in order (undefined: none), to undo a batch never committed. */
  readonly replaced: [key: string, version: Version | undefined][] = [];
  revision: number;

  constructor(
    readonly before: number,
    /** Batches decided after a failed commit belong to the next epoch. */
    readonly epoch: number,
  ) {
    this.revision = before;
  }
}

/** The current version of a key. */
interface Version {
  revision: number;
  createRevision: number;
  expiresAt: number;
  /** While the batch that wrote it is on its way to disk: its value, its row and the batch. */
  staged?: { value: string; insert: InsertRow; batch: Batch };
}

/** A replayed row, with the version it replaced. */
type ReplayRow = [...Row, prevValue: string | null, prevCreateRevision: number | null, prevExpiresAt: number | null];

type Write =
  | { op: 'create'; key: string; value: string; expiresAt: number }
  | { op: 'update'; key: string; value: string; expected: number; expiresAt: number; previousValue?: string }
  | { op: 'delete'; key: string; expected?: number };

interface PendingWrite {
  write: Write;
  resolve(kv: KeyValue): void;
  reject(error: Error): void;
}

/** A WAL larger than this is checkpointed into the database file. */
const walCheckpointBytes = 8 * 1024 * 1024;
/** How long the WAL checkpoint thread waits for more to copy before it ends. */
const checkpointerIdleMs = 30_000;
/** Writes grouped into one transaction at most; bounds the latency a batch adds. */
const maxBatch = 2000;
/**
 * Batches given to the committer and not yet on disk, at most. A batch is given as soon as its turn of the event loop
 * ends; those that queue up while a commit syncs are committed together (commit-thread.ts).
 */
const maxBatchesInFlight = 8;
/** Rows read per step of a watch replay or a snapshot, and deleted per step of a purge. */
const chunkRows = 1000;

const rowColumns = 'revision, key, value, create_revision, prev_revision, expires_at';
const purgeSql = 'DELETE FROM kv WHERE revision IN (SELECT revision FROM kv WHERE superseded <= ? LIMIT ?)';
const setMetaSql = 'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value';

function toKeyValue(row: Row | ReplayRow): KeyValue {
  return { key: row[1], value: row[2]!, createRevision: row[3], modRevision: row[0], expiresAt: row[5] };
}

function replayEvent(row: ReplayRow): WatchEvent {
  const [revision, key, value, , prevRevision, , prevValue, prevCreateRevision, prevExpiresAt] = row;
  const prevKv: KeyValue | undefined =
    prevRevision && prevValue !== null ? { key, value: prevValue, createRevision: prevCreateRevision!, modRevision: prevRevision, expiresAt: prevExpiresAt! } : undefined;
  if (value === null) return { type: 'delete', key, revision, prevKv };
  const kv = toKeyValue(row);
  return prevRevision ? { type: 'update', key, revision, kv, prevKv } : { type: 'create', key, revision, kv };
}

function expiryFor(options: WriteOptions | undefined): number {
  const ttl = options?.ttlSeconds;
  if (ttl === undefined || ttl === 0) return 0;
  if (!Number.isFinite(ttl) || ttl < 0) throw new DatastoreError(`invalid ttlSeconds ${ttl}: want a positive number`);
  return Math.ceil(Date.now() / 1000 + ttl);
}

/** A range query in two forms: with an exclusive upper key bound, and without one (the empty prefix). */
class RangeStatement {
  private readonly bounded: Database.Statement;
  private readonly unbounded: Database.Statement;

  constructor(db: Database.Database, sql: string, options: { keyColumn?: string; raw?: boolean } = {}) {
    this.bounded = db.prepare(sql.replace('{end}', `AND ${options.keyColumn ?? 'key'} < @end`)).raw(options.raw ?? false);
    this.unbounded = db.prepare(sql.replace('{end}', '')).raw(options.raw ?? false);
  }

  all<T>(params: Record<string, unknown> & { end?: string }): T[] {
    return (params.end === undefined ? this.unbounded.all(params) : this.bounded.all(params)) as T[];
  }

  get<T>(params: Record<string, unknown> & { end?: string }): T {
    return (params.end === undefined ? this.unbounded.get(params) : this.bounded.get(params)) as T;
  }
}

export class SqliteDatastore implements Datastore, SnapshotSource {
  readonly backend = 'sqlite';
  readonly path: string;
  private db?: Database.Database;
  private statements?: ReturnType<SqliteDatastore['prepare']>;
  private committer?: Committer;
  /** Batches on their way to disk. */
  private inFlight = 0;
  /**
   * The current version of every key, with what the batches on their way wrote: writes are decided on it without
   * reading the file (which only gives the values of committed versions).
   */
  private readonly versions = new Map<string, Version>();
  private epoch = 0;
  /** The newest revision given to a write (acknowledged or on its way). */
  private revision = 0;
  private compacted = 0;
  private purgedTo = 0;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /** close() waiting for the queued writes to be committed and answered. */
  private drained: (() => void)[] = [];
  private commitFailure?: Error;
  /** The WAL, open for its size: a server checkpoints it itself (checkpointIfLarge). */
  private walFd: number | undefined;
  private batchesSinceCheckpointCheck = 0;
  /** Checkpoints off the event loop (see wal-checkpointer.ts); undefined until the WAL first grows large. */
  private checkpointer?: WalCheckpointer;
  private checkpointerFailed = false;
  private checkpointerIdle?: NodeJS.Timeout;
  /** The checkpointer copied the whole log: the next flush copies what came since and restarts the log. */
  private walCopied = false;
  /** The newest revision acknowledged and published (on disk): what readers and watchers may see. */
  private published = 0;
  private purging?: Promise<void>;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly expiring = new Set<string>();
  private releaseOwnership?: () => void;
  private readonly bus: EventBus;
  private readonly log: DatastoreLog;
  private readonly compaction: CompactionPolicy;

  constructor(private readonly options: SqliteDatastoreOptions) {
    this.path = options.path;
    this.log = options.log ?? silentLog;
    this.compaction = options.compaction ?? defaultCompactionPolicy;
    this.bus = new EventBus((error) => this.log.error({ err: error }, 'a datastore watcher failed while handling events'));
  }

  async start(): Promise<void> {
    if (this.db) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    // A server owns the file: a second server or a restore under it would lose writes.
    if (this.options.background) this.releaseOwnership = claimDatastore(this.path);
    let db: Database.Database;
    try {
      db = openSqliteFile(this.path, this.options.nativeBinding);
    } catch (error) {
      this.releaseOwnership?.();
      throw error;
    }
    this.db = db;
    const stored = readStoredRevisions(db);
    this.revision = stored.revision;
    this.published = stored.revision;
    this.compacted = stored.compacted;
    this.statements = this.prepare(db);
    this.loadVersions();
    if (this.options.background && this.options.addonFile) {
      try {
        this.committer = new CommitThread(this.path, this.options.addonFile());
      } catch (error) {
        db.close();
        this.db = undefined;
        this.releaseOwnership?.();
        throw error;
      }
      // The commit thread commits with syncs and leaves checkpoints to checkpointIfLarge() (FULL syncs too).
      db.pragma('wal_autocheckpoint = 0');
      // A restarted log is cut back to nothing, so the file's size tells how much log there is.
      db.pragma('journal_size_limit = 0');
      // The B-tree pages writes touch are the commit thread's to cache; this connection reads what the watch cache
      // does not serve (history, watch replays).
      db.pragma('cache_size = -2048');
    } else {
      this.committer = new EventLoopCommitter(db);
    }
    if (this.options.background) {
      const { intervalMs } = this.compaction;
      if (intervalMs > 0) this.timers.push(setInterval(() => this.compactOnSchedule(), intervalMs));
      this.timers.push(setInterval(() => this.expireDue(), this.options.expiryIntervalMs ?? 1000));
      for (const timer of this.timers) timer.unref();
      // History left unpurged by an earlier run (a crash mid-purge) goes now.
      this.purgedTo = 0;
      if (this.compacted > 0) this.schedulePurge();
    }
  }

  private prepare(db: Database.Database) {
    return {
      current: db.prepare(`SELECT ${rowColumns} FROM kv WHERE key = ? AND superseded IS NULL`).raw(),
      // The current row without its value, for an update whose caller gave the value it replaces.
      valueAt: db.prepare('SELECT value FROM kv WHERE revision = ?').pluck(),
      versions: db.prepare('SELECT key, revision, create_revision, expires_at FROM kv WHERE superseded IS NULL').raw(),
      getAt: db.prepare(`SELECT ${rowColumns} FROM kv WHERE key = ? AND revision <= ? ORDER BY revision DESC LIMIT 1`).raw(),
      listCurrent: new RangeStatement(db, `SELECT ${rowColumns} FROM kv WHERE key >= @from {end} AND superseded IS NULL ORDER BY key LIMIT @limit`, { raw: true }),
      listAt: new RangeStatement(
        db,
        `SELECT ${rowColumns} FROM kv WHERE key >= @from {end} AND revision <= @at AND (superseded IS NULL OR superseded > @at) AND value IS NOT NULL ORDER BY key LIMIT @limit`,
        { raw: true },
      ),
      countCurrent: new RangeStatement(db, 'SELECT COUNT(*) AS n FROM kv WHERE key >= @from {end} AND superseded IS NULL'),
      countAt: new RangeStatement(
        db,
        'SELECT COUNT(*) AS n FROM kv WHERE key >= @from {end} AND revision <= @at AND (superseded IS NULL OR superseded > @at) AND value IS NOT NULL',
      ),
      // "+c.key" keeps the planner on the revision order instead of the key index.
      replay: new RangeStatement(
        db,
        `SELECT c.revision, c.key, c.value, c.create_revision, c.prev_revision, c.expires_at,
                p.value AS prev_value, p.create_revision AS prev_create_revision, p.expires_at AS prev_expires_at
         FROM kv c LEFT JOIN kv p ON p.revision = c.prev_revision
         WHERE c.revision > @after AND c.revision <= @upto AND +c.key >= @from {end} ORDER BY c.revision LIMIT @limit`,
        { keyColumn: '+c.key', raw: true },
      ),
      expired: db.prepare('SELECT key, revision FROM kv WHERE superseded IS NULL AND expires_at > 0 AND expires_at <= ? ORDER BY expires_at LIMIT ?'),
    };
  }

  /** The prepared statements, or an error when the datastore is not open. */
  private open() {
    if (!this.statements || this.closed) throw new DatastoreError(this.closed ? 'the datastore is closed' : 'the datastore is not started');
    return this.statements;
  }

  async close(): Promise<void> {
    if (this.closed || !this.db) {
      this.closed = true;
      return;
    }
    for (const timer of this.timers) clearInterval(timer);
    // Writes already accepted are committed, synced and answered before the file closes.
    while (this.pending.length || this.inFlight) await new Promise<void>((done) => this.drained.push(done));
    this.closed = true;
    await this.purging;
    clearTimeout(this.checkpointerIdle);
    await this.checkpointer?.close().catch(() => {});
    await this.committer?.close();
    this.db.close();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.releaseOwnership?.();
  }

  healthy(): boolean {
    return !!this.db && this.db.open && !this.closed && !this.commitFailure;
  }

  /** The newest revision on disk and published (a batch being synced is not current yet). */
  async currentRevision(): Promise<number> {
    this.open();
    return this.published;
  }

  async compactedRevision(): Promise<number> {
    this.open();
    return this.compacted;
  }

  /** The revision to read at (the newest acknowledged), after checking it is inside the retained history. */
  private readRevision(requested: number | undefined): number {
    if (!requested) return this.published;
    if (requested < this.compacted) throw new CompactedError(requested, this.compacted);
    if (requested > this.published) throw new FutureRevisionError(requested, this.published);
    return requested;
  }

  /**
   * Whether a read at `revision` may read the current rows. While batches are on their way, the file may hold them
   * or not: reads then read the history at the acknowledged revision, which later commits do not change.
   */
  private readsCurrent(revision: number): boolean {
    return revision === this.published && this.inFlight === 0;
  }

  async get(key: string, options: { revision?: number } = {}): Promise<{ kv?: KeyValue; revision: number }> {
    const stmt = this.open();
    const revision = this.readRevision(options.revision);
    if (this.readsCurrent(revision)) {
      const row = stmt.current.get(key) as Row | undefined;
      return { kv: row && toKeyValue(row), revision };
    }
    const row = stmt.getAt.get(key, revision) as Row | undefined;
    return { kv: row && row[2] !== null ? toKeyValue(row) : undefined, revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const stmt = this.open();
    const revision = this.readRevision(options.revision);
    const current = this.readsCurrent(revision);
    const end = prefixEnd(prefix);
    const from = options.startKey && options.startKey > prefix ? options.startKey : prefix;
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const params = { from, end, at: revision, limit: limit ? limit + 1 : -1 };
    const rows = (current ? stmt.listCurrent : stmt.listAt).all<Row>(params);
    const more = limit > 0 && rows.length > limit;
    if (more) rows.length = limit;
    const result: ListResult = { kvs: rows.map(toKeyValue), revision, more };
    if (more) {
      // Every key after the last one returned: the smallest string above it is itself plus U+0000.
      const after = { from: `${rows[rows.length - 1]![1]}\u0000`, end, at: revision };
      result.remaining = (current ? stmt.countCurrent : stmt.countAt).get<{ n: number }>(after).n;
    }
    return result;
  }

  async count(prefix: string): Promise<{ count: number; revision: number }> {
    const stmt = this.open();
    const revision = this.published;
    const range = { from: prefix, end: prefixEnd(prefix), at: revision };
    const { n } = (this.readsCurrent(revision) ? stmt.countCurrent : stmt.countAt).get<{ n: number }>(range);
    return { count: n, revision };
  }

  create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    return this.enqueue(() => ({ op: 'create', key, value, expiresAt: expiryFor(options) }));
  }

  update(key: string, value: string, expectedModRevision: number, options?: WriteOptions): Promise<KeyValue> {
    return this.enqueue(() => ({ op: 'update', key, value, expected: expectedModRevision, expiresAt: expiryFor(options), previousValue: options?.previousValue }));
  }

  delete(key: string, expectedModRevision?: number): Promise<DeletedKeyValue> {
    return this.enqueue(() => ({ op: 'delete', key, expected: expectedModRevision })) as Promise<DeletedKeyValue>;
  }

  private enqueue(describe: () => Write): Promise<KeyValue> {
    return new Promise((resolve, reject) => {
      this.open();
      const write = describe();
      if (typeof write.key !== 'string' || write.key === '') throw new DatastoreError('a key must be a non-empty string');
      if ('value' in write && typeof write.value !== 'string') throw new DatastoreError(`the value of ${write.key} must be a string`);
      this.pending.push({ write, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Everything that arrives before the next turn of the event loop joins the next batch. */
  private scheduleFlush(): void {
    if (this.flushScheduled || this.pending.length === 0 || this.inFlight >= maxBatchesInFlight) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed) return;
    if (this.walCopied) {
      this.walCopied = false;
      this.restartWal();
    }
    const writes = this.pending.length > maxBatch ? this.pending.splice(0, maxBatch) : this.pending;
    if (writes === this.pending) this.pending = [];
    const outcomes: (KeyValue | Error)[] = new Array(writes.length);
    const events: WatchEvent[] = [];
    const batch = new Batch(this.revision, this.epoch);
    try {
      for (let i = 0; i < writes.length; i++) {
        try {
          outcomes[i] = this.apply(writes[i]!.write, events, batch);
        } catch (error) {
          if (!(error instanceof DatastoreError)) throw error; // a database failure: the whole batch fails
          outcomes[i] = error;
        }
      }
    } catch (error) {
      // Reading a value back failed: this batch is undone, the ones on their way stand.
      for (let i = batch.replaced.length - 1; i >= 0; i--) {
        const [key, version] = batch.replaced[i]!;
        if (version) this.versions.set(key, version);
        else this.versions.delete(key);
      }
      this.revision = batch.before;
      this.log.error({ err: error, writes: writes.length }, 'deciding a datastore batch failed; its writes are not acknowledged');
      for (const pending of writes) pending.reject(error as Error);
      this.afterBatch();
      return;
    }
    // A batch of failed compare-and-swaps writes nothing, but is answered in its turn.
    const committed = batch.inserts.length ? this.committer!.commitRows(batch) : Promise.resolve();
    const acknowledge = () => {
      this.commitFailure = undefined;
      if (batch.revision > this.published) this.published = batch.revision;
      this.unstage(batch);
      this.bus.publish(events);
      for (let i = 0; i < writes.length; i++) {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) writes[i]!.reject(outcome);
        else writes[i]!.resolve(outcome);
      }
    };
    const fail = (error: Error) => {
      // The batches after this one were decided on it: the committer refused them, and they fail too (in the
      // same epoch). Writes from now on are decided on what is committed.
      if (batch.epoch === this.epoch) {
        this.epoch++;
        this.revision = batch.before;
        // The file holds exactly what was acknowledged: the batches after this one were refused.
        this.loadVersions();
        this.committer!.restart();
        this.commitFailure = error;
        this.log.error({ err: error, writes: writes.length }, 'a datastore commit failed; its writes are not acknowledged');
      }
      for (const pending of writes) pending.reject(error);
    };
    this.inFlight++;
    void committed.then(acknowledge, fail).then(() => {
      this.inFlight--;
      if (batch.inserts.length && this.committer instanceof CommitThread) this.checkpointIfLarge();
      if (this.options.background && this.published - this.compacted > 2 * this.compaction.retain) this.compactOnSchedule();
      this.afterBatch();
    });
    this.scheduleFlush();
  }

  private afterBatch(): void {
    this.scheduleFlush();
    if (this.pending.length === 0 && this.inFlight === 0) for (const done of this.drained.splice(0)) done();
  }

  /** A batch is on disk: the values of its keys are read from the file again, unless a later batch wrote them. */
  private unstage(batch: Batch): void {
    for (const row of batch.inserts) {
      const version = this.versions.get(row[1]);
      if (version?.staged?.batch === batch) version.staged = undefined;
    }
  }

  private loadVersions(): void {
    this.versions.clear();
    for (const [key, revision, createRevision, expiresAt] of this.statements!.versions.iterate() as IterableIterator<[string, number, number, number]>) {
      this.versions.set(key, { revision, createRevision, expiresAt });
    }
  }

  /** A current version with its value. */
  private keyValue(key: string, version: Version): KeyValue {
    const value = version.staged?.value ?? (this.statements!.valueAt.get(version.revision) as string);
    return { key, value, createRevision: version.createRevision, modRevision: version.revision, expiresAt: version.expiresAt };
  }

  /** Moves the WAL into the database file once it has grown (the WAL then restarts empty). */
  private checkpointIfLarge(): void {
    if (++this.batchesSinceCheckpointCheck < 8 || this.closed || !this.db) return;
    this.batchesSinceCheckpointCheck = 0;
    this.walFd ??= openSync(`${this.path}-wal`, 'r');
    if (fstatSync(this.walFd).size < (this.options.walCheckpointBytes ?? walCheckpointBytes)) return;
    if (this.checkpointOffThread()) return;
    this.checkpoint('TRUNCATE');
  }

  /** A checkpoint by the committer, with syncs, between two commits. */
  private checkpoint(mode: 'TRUNCATE' | 'PASSIVE'): void {
    this.committer!.run(`PRAGMA wal_checkpoint(${mode})`, []).catch((error: Error) => this.log.warn({ err: error }, 'a datastore WAL checkpoint failed'));
  }

  /** Starts the checkpointer's copy, unless it is busy; false when there is no checkpointer thread. */
  private checkpointOffThread(): boolean {
    if (this.checkpointerFailed || !this.options.addonFile) return false;
    try {
      this.checkpointer ??= new WalCheckpointer(this.path, this.options.addonFile());
    } catch (error) {
      this.checkpointerFailed = true;
      this.log.warn({ err: error }, 'cannot start the WAL checkpoint thread; checkpoints run on the event loop');
      return false;
    }
    if (this.checkpointer.busy || this.walCopied) return true;
    clearTimeout(this.checkpointerIdle);
    this.checkpointer.checkpoint().then(
      (round) => {
        // Not all copied (a reader on an old snapshot, e.g. a backup): the next check tries again.
        if (round.caughtUp && !this.closed) this.walCopied = true;
        this.retireCheckpointerWhenIdle();
      },
      (error: Error) => {
        this.checkpointerFailed = true;
        this.log.warn({ err: error }, 'the WAL checkpoint thread failed; checkpoints run on the event loop');
      },
    );
    return true;
  }

  /** A thread holds ~10 MB: one with nothing to copy for a while ends, and the next large WAL starts another. */
  private retireCheckpointerWhenIdle(): void {
    clearTimeout(this.checkpointerIdle);
    this.checkpointerIdle = setTimeout(() => {
      const idle = this.checkpointer;
      if (!idle || idle.busy) return;
      this.checkpointer = undefined;
      idle.close().catch(() => {});
    }, checkpointerIdleMs);
    this.checkpointerIdle.unref();
  }

  /**
   * After the checkpointer's copy: copies the few commits made since, with syncs, so that the next commit starts the
   * log over. On the commit thread, before that commit.
   */
  private restartWal(): void {
    this.checkpoint('PASSIVE');
  }

  /**
   * Decides one write of a batch from what is committed and what the batches on their way wrote, staging its rows;
   * a DatastoreError stages nothing.
   */
  private apply(write: Write, events: WatchEvent[], batch: Batch): KeyValue | DeletedKeyValue {
    const { key } = write;
    const current = this.versions.get(key);
    if (write.op === 'create') {
      if (current) throw new KeyExistsError(key, this.keyValue(key, current));
      const revision = ++this.revision;
      this.stage(batch, [revision, key, write.value, revision, 0, null, write.expiresAt], undefined);
      const kv = { key, value: write.value, createRevision: revision, modRevision: revision, expiresAt: write.expiresAt };
      events.push({ type: 'create', key, revision, kv });
      return kv;
    }
    if (!current) throw new KeyNotFoundError(key);
    if (write.expected !== undefined && current.revision !== write.expected) throw new ConflictError(key, this.keyValue(key, current));
    // Reading a value back costs more than the rest of an update: one the caller gave for the expected revision is used.
    const prevKv =
      write.op === 'update' && write.previousValue !== undefined
        ? { key, value: write.previousValue, createRevision: current.createRevision, modRevision: current.revision, expiresAt: current.expiresAt }
        : this.keyValue(key, current);
    const { createRevision } = current;
    const revision = ++this.revision;
    if (write.op === 'delete') {
      // A deletion is superseded at once: it is history, never a current row.
      this.stage(batch, [revision, key, null, createRevision, current.revision, revision, 0], current);
      events.push({ type: 'delete', key, revision, prevKv });
      return { ...prevKv, deleteRevision: revision };
    }
    this.stage(batch, [revision, key, write.value, createRevision, current.revision, null, write.expiresAt], current);
    const kv = { key, value: write.value, createRevision, modRevision: revision, expiresAt: write.expiresAt };
    events.push({ type: 'update', key, revision, kv, prevKv });
    return kv;
  }

  /** Adds a version of a key to the batch, superseding `replaces` (undefined for a creation). */
  private stage(batch: Batch, insert: InsertRow, replaces: Version | undefined): void {
    const [revision, key, value, createRevision, , , expiresAt] = insert;
    if (replaces) {
      // A version this batch wrote is inserted superseded; one of an earlier batch is updated.
      if (replaces.staged?.batch === batch) replaces.staged.insert[5] = revision;
      else batch.supersedes.push(revision, replaces.revision);
    }
    batch.inserts.push(insert);
    batch.revision = revision;
    batch.replaced.push([key, replaces]);
    if (value === null) this.versions.delete(key);
    else this.versions.set(key, { revision, createRevision, expiresAt, staged: { value, insert, batch } });
  }

  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): WatchHandle {
    this.open();
    let delivered = fromRevision;
    let buffered: WatchEvent[][] | undefined = [];
    let ended = false;
    const end = prefixEnd(prefix);
    const deliver = (events: WatchEvent[]) => {
      let first = 0;
      while (first < events.length && events[first]!.revision <= delivered) first++;
      if (first === events.length) return;
      const fresh = first ? events.slice(first) : events;
      delivered = fresh[fresh.length - 1]!.revision;
      callbacks.onEvents(fresh);
    };
    const unsubscribe = this.bus.subscribe(prefix, (events) => {
      if (buffered) buffered.push(events);
      else deliver(events);
    });
    const fail = (error: Error) => {
      if (ended) return;
      ended = true;
      unsubscribe();
      callbacks.onError(error);
    };
    // History first, a chunk per turn of the event loop; commits published meanwhile wait in
    // `buffered` and are delivered after it, skipping what the replay already delivered.
    const replay = () => {
      if (ended) return;
      if (this.closed) return fail(new DatastoreError('the datastore is closed'));
      if (delivered < this.compacted) return fail(new CompactedError(fromRevision, this.compacted));
      try {
        // Up to the acknowledged revision: the batches on their way are delivered once they are published.
        const rows = this.statements!.replay.all<ReplayRow>({ after: delivered, upto: this.published, from: prefix, end, limit: chunkRows });
        if (rows.length) deliver(rows.map(replayEvent));
        if (ended) return;
        if (rows.length === chunkRows) {
          setImmediate(replay);
          return;
        }
        const waiting = buffered!;
        buffered = undefined;
        for (const events of waiting) deliver(events);
      } catch (error) {
        fail(error as Error);
      }
    };
    queueMicrotask(replay);
    return {
      cancel: () => {
        ended = true;
        unsubscribe();
      },
      // Commits are published as they happen, so once the history replay is done, everything up
      // to the current revision has been delivered.
      requestProgress: () => {
        const report = () => {
          if (ended) return;
          if (buffered) setImmediate(report);
          else callbacks.onProgress?.(this.published);
        };
        report();
      },
    };
  }

  async compact(revision: number): Promise<void> {
    this.open();
    if (revision > this.published) throw new FutureRevisionError(revision, this.published);
    if (revision <= this.compacted) return;
    await this.committer!.run(setMetaSql, ['compacted_revision', revision]);
    if (revision <= this.compacted) return;
    this.compacted = revision;
    this.schedulePurge();
  }

  private compactOnSchedule(): void {
    const target = compactionTarget(this.published, this.compacted, this.compaction);
    if (target === undefined || this.closed) return;
    this.compact(target).catch((error) => this.log.warn({ err: error }, 'datastore compaction failed'));
  }

  /** Deletes compacted history in small transactions between other work, then returns free pages to the file system. */
  private schedulePurge(): void {
    if (this.purging) return;
    this.purging = this.purge()
      .catch((error) => this.log.warn({ err: error }, 'removing compacted datastore history failed'))
      .finally(() => {
        this.purging = undefined;
        if (!this.closed && this.purgedTo < this.compacted) this.schedulePurge();
      });
  }

  private async purge(): Promise<void> {
    const started = performance.now();
    let removed = 0;
    while (!this.closed) {
      const target = this.compacted;
      // On the committer: this connection would wait for the commit thread's lock.
      const changes = await this.committer!.run(purgeSql, [target, chunkRows]);
      removed += changes;
      if (changes < chunkRows) {
        this.purgedTo = target;
        break;
      }
      await nextTurn();
    }
    let vacuumed = 0;
    while (!this.closed) {
      const db = this.db!;
      const free = db.pragma('freelist_count', { simple: true }) as number;
      const pages = db.pragma('page_count', { simple: true }) as number;
      // Free pages are reused by later writes; give them back only when they are a large share.
      if (free < 1024 || free < pages / 4) break;
      await this.committer!.run('PRAGMA incremental_vacuum(1024)', []);
      const freed = free - (db.pragma('freelist_count', { simple: true }) as number);
      vacuumed += freed;
      if (freed <= 0) break; // nothing more can be given back now
      await nextTurn();
    }
    if (removed) this.log.info({ compactedRevision: this.compacted, removedRows: removed, vacuumedPages: vacuumed, ms: Math.round(performance.now() - started) }, 'datastore history compacted');
  }

  private expireDue(): void {
    if (this.closed) return;
    const due = this.statements!.expired.all(Math.floor(Date.now() / 1000), 1000) as { key: string; revision: number }[];
    for (const { key, revision } of due) {
      if (this.expiring.has(key)) continue;
      this.expiring.add(key);
      // A write that renewed the key since the query wins: the conflict is the expected outcome.
      this.delete(key, revision)
        .catch(() => {})
        .finally(() => this.expiring.delete(key));
    }
  }

  /** A consistent read of every current key, on a connection of its own so writers never wait for it. */
  async readSnapshot(): Promise<SnapshotReader> {
    this.open();
    return readSqliteSnapshot(this.path, this.options.nativeBinding);
  }
}

/** Reads every current key of a SQLite datastore file in one read transaction (online: writers go on). */
export async function readSqliteSnapshot(path: string, nativeBinding?: object): Promise<SnapshotReader> {
  const db = openSqliteFile(path, nativeBinding);
  let rows: IterableIterator<Row> | undefined;
  const close = async () => {
    if (!db.open) return;
    rows?.return?.();
    if (db.inTransaction) db.prepare('COMMIT').run();
    db.close();
  };
  try {
    db.prepare('BEGIN').run();
    // The first read fixes the transaction's view: the revision and the rows come from one state.
    const { revision } = readStoredRevisions(db);
    rows = db.prepare(`SELECT ${rowColumns} FROM kv WHERE superseded IS NULL ORDER BY key`).raw().iterate() as IterableIterator<Row>;
    const source = rows;
    async function* batches(): AsyncGenerator<KeyValue[]> {
      let batch: KeyValue[] = [];
      for (const row of source) {
        batch.push(toKeyValue(row));
        if (batch.length === chunkRows) {
          yield batch;
          batch = [];
          await nextTurn(); // other work runs between batches
        }
      }
      if (batch.length) yield batch;
      await close();
    }
    return { revision, batches: batches(), close };
  } catch (error) {
    await close();
    throw error;
  }
}
