// The watch cache: every stored object, current, in memory, fed by ONE datastore watch on
// /registry/. Gets, lists and watches are served from it (as kube-apiserver's watch cache does),
// and in-process informers read it too. It keeps a window of recent events so that watches can
// resume from a recent resourceVersion; older ones get 410 Gone and relist, as in Kubernetes.
import type { Logger } from 'pino';
import type { Datastore, KeyValue, WatchEvent, WatchHandle } from '../../datastore/types.ts';
import { errors } from '../status.ts';
import type { WrittenJson } from './object-json.ts';
import type { KubeObject } from './types.ts';

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEntry {
  key: string;
  /** modRevision: the object's resourceVersion. */
  revision: number;
  /** Shared, never mutated: the stored form with metadata.resourceVersion filled in. */
  object: KubeObject;
  /** The datastore value it was decoded from (history keeps values, not objects). */
  value: string;
}

export interface CacheEvent {
  type: CacheEventType;
  revision: number;
  key: string;
  /** The object after the change; for DELETED, the last state with resourceVersion = the delete's revision. */
  object: KubeObject;
  /** The object before the change (MODIFIED, DELETED). */
  previous?: KubeObject;
}

export type CacheListener = (event: CacheEvent) => void;

/**
 * An event of the history window, kept as datastore values: a watch that resumes decodes the few
 * it replays, while the window costs a string per change instead of an object graph per version.
 */
interface HistoryEntry {
  /** When it was applied (Date.now()), for the window's freshness. */
  at: number;
  type: CacheEventType;
  revision: number;
  key: string;
  /** The value after the change (for DELETED: the last value). */
  value: string;
  /** The value before the change and its revision (MODIFIED, DELETED). */
  previousValue?: string;
  previousRevision?: number;
}

interface Subscription {
  prefix: string;
  listener: CacheListener;
}

/**
 * What stores and informers read of their resource's cache. They hold it: their lookups skip finding the resource
 * of each key, which costs most when callers alternate between resources (an informer's handlers do).
 */
export type ResourceEntries = Pick<ResourceCache, 'get' | 'list' | 'count'>;

/** The objects of one resource. */
class ResourceCache {
  /** `/registry/<resource>/`: the start of every key of the resource. */
  readonly prefix: string;
  readonly entries = new Map<string, CacheEntry>();
  private sorted: string[] | undefined;
  readonly subscriptions = new Set<Subscription>();

  constructor(segment: string) {
    this.prefix = `/registry/${segment}/`;
  }

  set(entry: CacheEntry): void {
    if (!this.entries.has(entry.key)) this.sorted = undefined;
    this.entries.set(entry.key, entry);
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.sorted = undefined;
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** Keys in datastore (byte) order, which pagination relies on. */
  sortedKeys(): string[] {
    if (!this.sorted) this.sorted = [...this.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sorted;
  }

  /** Entries under `prefix` (the resource's, or a namespace's in it) in key order, from `startKey` on. */
  *list(prefix: string, startKey?: string): Generator<CacheEntry> {
    if (this.entries.size === 0) return;
    const keys = this.sortedKeys();
    let low = 0;
    let high = keys.length;
    const from = startKey && startKey > prefix ? startKey : prefix;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (keys[mid]! < from) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      const entry = this.entries.get(key);
      if (entry) yield entry;
    }
  }

  count(prefix: string): number {
    if (prefix === this.prefix) return this.entries.size;
    let n = 0;
    for (const _ of this.list(prefix)) n++;
    return n;
  }
}

/** `/registry/<resource>/…` → `<resource>`. */
export function resourceSegment(key: string): string {
  const end = key.indexOf('/', 10);
  return end < 0 ? key.slice(10) : key.slice(10, end);
}

/** Turns a datastore value back into the object's JSON (e.g. decrypts it). */
export type ValueDecoder = (key: string, value: string) => string;

export function decodeStoredObject(kv: Pick<KeyValue, 'key' | 'value' | 'modRevision'>, decodeValue?: ValueDecoder): KubeObject {
  const object = JSON.parse(decodeValue ? decodeValue(kv.key, kv.value) : kv.value) as KubeObject;
  object.metadata ??= {};
  object.metadata.resourceVersion = String(kv.modRevision);
  return object;
}

/**
 * The history window, as kube-apiserver sizes its watch cache: changes of the last 75 s (its
 * eventFreshDuration) are kept for watches to resume from, older ones go once there are more than
 * a minimum, and never more than `historySize` are kept.
 */
const historyFreshMs = 75_000;
const historyMinimum = 1_000;

/** Revisions of history replayed into the cache at start (watches resume from within it). */
const startupHistory = 10_000;

export interface WatchCacheOptions {
  /** At most how many recent events are kept for watches that resume from a resourceVersion. */
  historySize?: number;
  /** Decodes stored values (encryption at rest); values are JSON without it. */
  decodeValue?: ValueDecoder;
}

export class WatchCache {
  private readonly resources = new Map<string, ResourceCache>();
  private recent: ResourceCache | undefined;
  private readonly history: HistoryEntry[] = [];
  private historyStart = 0; // index of the oldest kept event (those before it are gone)
  private readonly historySize: number;
  /** The revision of the last change applied. */
  private applied = 0;
  /** A revision the datastore reported everything up to has been delivered (progress report). */
  private reported = 0;
  /** The newest revision this server wrote itself: it must be applied before reads that follow the write. */
  private written = 0;
  /** Oldest revision a watch may resume from (events after it are all in history). */
  private oldestResumable = 0;
  private handle: WatchHandle | undefined;
  private released = 0;
  private progressRequested = false;
  private progressRetry: NodeJS.Timeout | undefined;
  private readonly waiters: { revision: number; resolve: () => void }[] = [];
  private failure: Error | undefined;
  private readonly decodeValue: ValueDecoder | undefined;
  /** Objects this server is writing, by key: their event is applied with the object itself, not by decoding the value again. */
  private readonly writing = new Map<string, { value: string; object: KubeObject; written?: WrittenJson }>();

  constructor(
    private readonly datastore: Datastore,
    private readonly log: Logger,
    options: WatchCacheOptions = {},
  ) {
    this.historySize = options.historySize ?? 100_000;
    this.decodeValue = options.decodeValue;
  }

  /** The object a datastore key-value holds, decoded as every read must be. */
  decode(kv: Pick<KeyValue, 'key' | 'value' | 'modRevision'>): KubeObject {
    return decodeStoredObject(kv, this.decodeValue);
  }

  /**
   * Loads every object, then follows the datastore. The state is loaded at an earlier revision and
   * the history since then replayed, so that watches resume across a restart of k2.
   */
  async start(): Promise<void> {
    const prefix = '/registry/';
    const current = await this.datastore.currentRevision();
    const compacted = await this.datastore.compactedRevision();
    // On etcd the state is loaded as it is now, without the history before: older etcd releases (3.4.23 here) can
    // send a watch's progress notification before the events it has still to deliver, which would end the wait
    // below with part of the state missing. Watches then resume from this start on, as with kube-apiserver.
    const from = this.datastore.backend === 'etcd' ? current : Math.max(compacted, current - startupHistory, 0);
    // Revision 0 is the empty store: nothing to list, the whole history follows.
    const listed = from > 0 ? await this.datastore.list(prefix, { revision: from }) : { kvs: [], revision: 0 };
    for (const kv of listed.kvs) {
      const object = this.decodeOrReport(kv);
      if (object) this.resourceCache(resourceSegment(kv.key)).set({ key: kv.key, revision: kv.modRevision, object, value: kv.value });
    }
    this.applied = listed.revision;
    this.oldestResumable = listed.revision;
    this.handle = this.datastore.watch(prefix, listed.revision, {
      onEvents: (events) => this.apply(events),
      onError: (error) => {
        this.failure = error;
        this.log.error({ err: error }, 'watch cache lost its datastore watch');
      },
      onProgress: (revision) => this.progress(revision),
    });
    await this.waitForRevision(current, 60_000);
  }

  stop(): void {
    this.handle?.cancel();
    clearTimeout(this.progressRetry);
    this.handle = undefined;
  }

  healthy(): boolean {
    return this.failure === undefined;
  }

  /** Keys whose stored values could not be decoded (kept out of the cache, reported by /readyz). */
  readonly undecodable = new Set<string>();

  private decodeOrReport(kv: KeyValue): KubeObject | undefined {
    try {
      const object = this.decode(kv);
      this.undecodable.delete(kv.key);
      return object;
    } catch (error) {
      if (!this.undecodable.has(kv.key)) this.log.error({ err: error, key: kv.key }, 'cannot decode a stored object; it is not served');
      this.undecodable.add(kv.key);
      return undefined;
    }
  }

  /** The resource's cache of a key; the last one found is remembered, with its prefix: lookups come in runs. */
  private cacheOf(key: string): ResourceCache | undefined {
    const recent = this.recent;
    if (recent !== undefined && key.startsWith(recent.prefix)) return recent;
    const cache = this.resources.get(resourceSegment(key));
    if (cache) this.recent = cache;
    return cache;
  }

  /** The entries of a resource (by its key segment), for its store and informer. */
  entriesOf(segment: string): ResourceEntries {
    return this.resourceCache(segment);
  }

  /** The cache of a resource, created empty when nothing of it is stored yet. */
  private resourceCache(segment: string): ResourceCache {
    let cache = this.resources.get(segment);
    if (!cache) {
      cache = new ResourceCache(segment);
      this.resources.set(segment, cache);
    }
    return cache;
  }

  /**
   * The revision the cache is complete up to: every change at or below it is applied. Progress
   * reports count, except over this server's own writes, whose events must have arrived (etcd 3.4
   * can report progress ahead of events still in flight).
   */
  get revision(): number {
    return this.written > this.applied ? this.applied : Math.max(this.applied, this.reported);
  }

  /**
   * Announces a write this server is about to make: when its event comes with exactly `value`, the
   * cache keeps `object` (which must not change afterwards) instead of decoding the value. `written` gives its served
   * JSON once the revision is known, before watchers see the event (they would otherwise serialize it again).
   */
  expectWrite(key: string, value: string, object: KubeObject, written?: WrittenJson): void {
    if (this.writing.size >= 10_000) this.writing.clear(); // events that never came (a lost datastore watch)
    this.writing.set(key, { value, object, written });
  }

  /** The announced write failed. */
  forgetWrite(key: string, value: string): void {
    if (this.writing.get(key)?.value === value) this.writing.delete(key);
  }

  /** The object of an event: the one this server wrote, or the value decoded. */
  private objectOf(kv: KeyValue): KubeObject | undefined {
    const written = this.writing.get(kv.key);
    if (written?.value !== kv.value) return this.decodeOrReport(kv);
    this.writing.delete(kv.key);
    this.undecodable.delete(kv.key);
    written.object.metadata.resourceVersion = String(kv.modRevision);
    written.written?.serve(written.object, written.object.metadata.resourceVersion);
    return written.object;
  }

  /** Records a write this server made; reads that follow wait until its event is applied. */
  noteWrite(revision: number): void {
    if (revision > this.written) this.written = revision;
  }

  private apply(events: WatchEvent[]): void {
    for (const event of events) {
      if (event.revision <= this.applied) continue; // already applied (replayed overlap)
      const cache = this.cacheOf(event.key) ?? this.resourceCache(resourceSegment(event.key));
      const before = cache.entries.get(event.key);
      const previous = before?.object;
      let cacheEvent: CacheEvent;
      let history: HistoryEntry;
      if (event.type === 'delete') {
        const last = previous ?? (event.prevKv ? this.decodeOrReport(event.prevKv) : undefined);
        const lastValue = before?.value ?? event.prevKv?.value;
        cache.delete(event.key);
        this.undecodable.delete(event.key);
        if (!last || lastValue === undefined) {
          this.applied = event.revision;
          continue;
        }
        const object = { ...last, metadata: { ...last.metadata, resourceVersion: String(event.revision) } };
        cacheEvent = { type: 'DELETED', revision: event.revision, key: event.key, object, previous: last };
        history = { at: Date.now(), type: 'DELETED', revision: event.revision, key: event.key, value: lastValue, previousValue: lastValue, previousRevision: before?.revision ?? event.prevKv!.modRevision };
      } else {
        const kv = event.kv!;
        const object = this.objectOf(kv);
        if (!object) {
          // Unreadable (e.g. encrypted with a key this server lacks): it cannot be served.
          cache.delete(event.key);
          this.applied = event.revision;
          continue;
        }
        cache.set({ key: event.key, revision: event.revision, object, value: kv.value });
        cacheEvent = { type: previous ? 'MODIFIED' : 'ADDED', revision: event.revision, key: event.key, object, previous };
        history = before
          ? { at: Date.now(), type: 'MODIFIED', revision: event.revision, key: event.key, value: kv.value, previousValue: before.value, previousRevision: before.revision }
          : { at: Date.now(), type: 'ADDED', revision: event.revision, key: event.key, value: kv.value };
      }
      this.applied = event.revision;
      this.record(history);
      for (const subscription of cache.subscriptions) {
        if (event.key.startsWith(subscription.prefix)) {
          try {
            subscription.listener(cacheEvent);
          } catch (error) {
            this.log.error({ err: error, key: event.key }, 'watch listener failed');
          }
        }
      }
    }
    this.releaseWaiters();
  }

  /** A history entry as the event it was (undefined if its values can no longer be decoded). */
  private replayed(entry: HistoryEntry): CacheEvent | undefined {
    try {
      const previous = entry.previousValue === undefined ? undefined : this.decode({ key: entry.key, value: entry.previousValue, modRevision: entry.previousRevision! });
      const object = this.decode({ key: entry.key, value: entry.value, modRevision: entry.revision });
      return { type: entry.type, revision: entry.revision, key: entry.key, object, previous };
    } catch {
      return undefined;
    }
  }

  /** The datastore has delivered every change under /registry/ up to `revision` (other keys may have moved it). */
  private progress(revision: number): void {
    this.progressRequested = false;
    if (revision > this.reported) {
      this.reported = revision;
      this.releaseWaiters();
    }
    // Writes outside the watched keys may still move the revision: ask again, a little later, for those
    // still waiting (a datastore may answer at once, and a revision far ahead must not spin).
    if (this.waiters.length && !this.progressRequested && !this.progressRetry) {
      this.progressRetry = setTimeout(() => {
        this.progressRetry = undefined;
        if (this.waiters.length && !this.progressRequested) {
          this.progressRequested = true;
          this.handle?.requestProgress();
        }
      }, 20);
      this.progressRetry.unref();
    }
  }

  private record(entry: HistoryEntry): void {
    const history = this.history;
    history.push(entry);
    const stale = entry.at - historyFreshMs;
    for (;;) {
      const kept = history.length - this.historyStart;
      const oldest = history[this.historyStart]!;
      if (kept <= this.historySize && (kept <= historyMinimum || oldest.at >= stale)) break;
      this.oldestResumable = oldest.revision;
      // The version an entry replaced is held by nothing else once the entry goes (its value lives on in the next
      // entry of the key, or in the cache).
      this.released += oldest.previousValue?.length ?? 0;
      history[this.historyStart++] = undefined as unknown as HistoryEntry;
    }
    // Dropped entries are cut off in bulk, not one shift at a time.
    if (this.historyStart >= 4096 && this.historyStart * 2 >= history.length) {
      history.splice(0, this.historyStart);
      this.historyStart = 0;
    }
  }

  private releaseWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.revision <= this.revision) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /**
   * Resolves once every change up to `revision` is in the cache (read-your-writes for other backends).
   * The datastore is asked for a progress report, since the revision may have moved for keys the cache
   * does not follow.
   */
  waitForRevision(revision: number, timeoutMs = 3000): Promise<void> {
    if (revision <= this.revision) return Promise.resolve();
    if (!this.progressRequested) {
      // One outstanding request at a time: every waiter is released by the same report.
      this.progressRequested = true;
      this.handle?.requestProgress();
    }
    return new Promise((resolve, reject) => {
      const waiter = { revision, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(errors.timeout(`Too large resource version: ${revision}, current: ${this.revision}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits until the cache holds everything the datastore has committed. */
  async sync(): Promise<void> {
    await this.waitForRevision(await this.datastore.currentRevision());
  }

  /**
   * Text of replaced versions let go of as history entries left the window, in UTF-16 code units (bytes for the
   * ASCII of JSON): after a burst of writes, tens of MB that the heap keeps until its next full collection.
   */
  get releasedHistoryChars(): number {
    return this.released;
  }

  get(key: string): CacheEntry | undefined {
    return this.cacheOf(key)?.get(key);
  }

  /** Entries under `prefix` (a resource, or a resource and namespace) in key order, from `startKey` on. */
  list(prefix: string, startKey?: string): Iterable<CacheEntry> {
    return this.cacheOf(prefix)?.list(prefix, startKey) ?? [];
  }

  count(prefix: string): number {
    return this.cacheOf(prefix)?.count(prefix) ?? 0;
  }

  /**
   * Calls `listener` for every change under `prefix` after `fromRevision`: first those still in
   * the history window, then live ones. Throws 410 Gone when `fromRevision` is older than the window.
   */
  subscribe(prefix: string, fromRevision: number, listener: CacheListener): () => void {
    if (fromRevision < this.oldestResumable) {
      throw errors.gone(`too old resource version: ${fromRevision} (${this.oldestResumable})`);
    }
    const cache = this.resourceCache(resourceSegment(prefix));
    if (fromRevision < this.revision) {
      for (let i = this.historyStart; i < this.history.length; i++) {
        const entry = this.history[i]!;
        if (entry.revision <= fromRevision || !entry.key.startsWith(prefix)) continue;
        const event = this.replayed(entry);
        if (event) listener(event);
      }
    }
    const subscription = { prefix, listener };
    cache.subscriptions.add(subscription);
    return () => cache.subscriptions.delete(subscription);
  }

  /** Number of active subscriptions (for metrics and limits). */
  subscriptionCount(): number {
    let n = 0;
    for (const cache of this.resources.values()) n += cache.subscriptions.size;
    return n;
  }
}
