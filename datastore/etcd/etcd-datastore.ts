// The optional etcd backend (etcd v3 over gRPC). etcd already has the semantics of the Datastore
// interface: one global revision, compare-and-swap in transactions, reads at a revision, watches
// that replay history, compaction and leases. Several k2 servers may share one etcd: each one's
// watches are etcd watches, so every server sees every server's writes in revision order.
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { compactionTarget, defaultCompactionPolicy, silentLog, type CompactionPolicy, type DatastoreLog } from '../background.ts';
import { prefixEndBytes } from '../keys.ts';
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
import { EtcdCallError, EtcdClient, type EtcdTls } from './etcd-client.ts';
import type { EventMessage, KeyValueMessage, RequestOp, WatchResponse } from './etcd-proto.ts';
import { LeasePool } from './leases.ts';

export interface EtcdDatastoreOptions {
  endpoints: string[];
  tls?: EtcdTls;
  /** Run automatic compaction and the health probe: a server does, a command-line tool does not. */
  background?: boolean;
  compaction?: CompactionPolicy;
  log?: DatastoreLog;
}

/**
 * Where the last compaction's revision is kept, as kube-apiserver keeps it: servers sharing one
 * etcd compact in turn (compare-and-swap on this key), and reads below it report it.
 */
export const compactRevisionKey = 'compact_rev_key';

/** etcd's default --max-txn-ops, and a byte budget under its default 1.5 MiB request limit. */
const maxTxnOps = 128;
const maxTxnBytes = 1024 * 1024;
const pageSize = 1000;
/** A watch whose stream keeps failing this long ends with an error instead of retrying. */
const watchGiveUpMs = 60_000;

const everyKey = { key: Buffer.from([0]), range_end: Buffer.from([0]) };

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export class EtcdDatastore implements Datastore, SnapshotSource {
  readonly backend = 'etcd';
  private client?: EtcdClient;
  private leases?: LeasePool;
  private reachable = false;
  private knownCompacted = 0;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly watches = new Set<WatchHandle>();
  private readonly log: DatastoreLog;
  private readonly compaction: CompactionPolicy;

  constructor(private readonly options: EtcdDatastoreOptions) {
    this.log = options.log ?? silentLog;
    this.compaction = options.compaction ?? defaultCompactionPolicy;
  }

  get endpoints(): string[] {
    return this.options.endpoints;
  }

  async start(): Promise<void> {
    if (this.client) return;
    const client = new EtcdClient({ endpoints: this.options.endpoints, tls: this.options.tls });
    try {
      await client.status(5_000);
    } catch (error) {
      client.close();
      throw new Error(`cannot reach etcd at ${this.options.endpoints.join(', ')}: ${(error as Error).message}`, { cause: error });
    }
    this.client = client;
    this.leases = new LeasePool(client);
    this.reachable = true;
    this.knownCompacted = await this.compactedRevision();
    if (this.options.background) {
      this.timers.push(setInterval(() => void this.probe(), 2_000));
      if (this.compaction.intervalMs > 0) this.timers.push(setInterval(() => void this.compactOnSchedule(), this.compaction.intervalMs));
      this.timers.push(setInterval(() => this.leases!.prune(), 60_000));
      for (const timer of this.timers) timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const watch of this.watches) watch.cancel();
    this.client?.close();
  }

  healthy(): boolean {
    return !this.closed && !!this.client && this.reachable;
  }

  private get etcd(): EtcdClient {
    if (!this.client || this.closed) throw new DatastoreError(this.closed ? 'the datastore is closed' : 'the datastore is not started');
    return this.client;
  }

  private async probe(): Promise<void> {
    try {
      await this.etcd.status(1_500);
      if (!this.reachable) this.log.info({ endpoints: this.options.endpoints }, 'etcd is reachable again');
      this.reachable = true;
    } catch (error) {
      if (this.reachable) this.log.warn({ err: error, endpoints: this.options.endpoints }, 'etcd is unreachable');
      this.reachable = false;
    }
  }

  /** Runs one etcd call, turning etcd's revision errors into the interface's. */
  private async call<T>(requestedRevision: number | undefined, run: (etcd: EtcdClient) => Promise<T>): Promise<T> {
    try {
      const result = await run(this.etcd);
      this.reachable = true;
      return result;
    } catch (error) {
      if (error instanceof EtcdCallError) {
        if (error.unavailable) this.reachable = false;
        if (error.code === grpc.status.OUT_OF_RANGE && requestedRevision !== undefined) {
          if (error.details.includes('compacted')) {
            const compacted = await this.compactedRevision().catch(() => this.knownCompacted);
            throw new CompactedError(requestedRevision, Math.max(compacted, requestedRevision + 1));
          }
          if (error.details.includes('future revision')) throw new FutureRevisionError(requestedRevision, await this.currentRevision());
        }
      }
      throw error;
    }
  }

  private toKeyValue(message: KeyValueMessage): KeyValue {
    return {
      key: message.key.toString('utf8'),
      value: message.value.toString('utf8'),
      createRevision: message.create_revision,
      modRevision: message.mod_revision,
      expiresAt: this.leases!.expiresAt(message.lease),
    };
  }

  /** Converts read keys, first learning the expiry of any lease not seen before. */
  private async toKeyValues(messages: KeyValueMessage[]): Promise<KeyValue[]> {
    const leases = messages.map((kv) => kv.lease);
    if (!this.leases!.knows(leases)) await this.leases!.learn(leases).catch(() => {});
    return messages.map((kv) => this.toKeyValue(kv));
  }

  async currentRevision(): Promise<number> {
    const response = await this.call(undefined, (etcd) => etcd.range({ key: bytes(compactRevisionKey), count_only: true }));
    return response.header.revision;
  }

  async compactedRevision(): Promise<number> {
    const response = await this.call(undefined, (etcd) => etcd.range({ key: bytes(compactRevisionKey) }));
    const stored = response.kvs[0] ? Number(response.kvs[0].value.toString()) : 0;
    this.knownCompacted = Math.max(this.knownCompacted, Number.isFinite(stored) ? stored : 0);
    return this.knownCompacted;
  }

  async get(key: string, options: { revision?: number } = {}): Promise<{ kv?: KeyValue; revision: number }> {
    const revision = options.revision || undefined;
    const response = await this.call(revision, (etcd) => etcd.range({ key: bytes(key), revision }));
    const [kv] = await this.toKeyValues(response.kvs);
    return { kv, revision: revision ?? response.header.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const revision = options.revision || undefined;
    const start = options.startKey && options.startKey > prefix ? options.startKey : prefix;
    const limit = options.limit && options.limit > 0 ? options.limit : undefined;
    const response = await this.call(revision, (etcd) =>
      etcd.range({ key: start === '' ? Buffer.from([0]) : bytes(start), range_end: prefixEndBytes(bytes(prefix)), limit, revision }),
    );
    const kvs = await this.toKeyValues(response.kvs);
    const result: ListResult = { kvs, revision: revision ?? response.header.revision, more: response.more };
    // etcd counts every key from the start key to the end of the range.
    if (response.more) result.remaining = response.count - kvs.length;
    return result;
  }

  async count(prefix: string): Promise<{ count: number; revision: number }> {
    const response = await this.call(undefined, (etcd) =>
      etcd.range({ key: prefix === '' ? Buffer.from([0]) : bytes(prefix), range_end: prefixEndBytes(bytes(prefix)), count_only: true }),
    );
    return { count: response.count, revision: response.header.revision };
  }

  private async leaseFor(options: WriteOptions | undefined): Promise<{ id: string; expiresAt: number }> {
    const ttl = options?.ttlSeconds;
    if (ttl === undefined || ttl === 0) return { id: '0', expiresAt: 0 };
    if (!Number.isFinite(ttl) || ttl < 0) throw new DatastoreError(`invalid ttlSeconds ${ttl}: want a positive number`);
    return this.call(undefined, () => this.leases!.leaseFor(ttl));
  }

  async create(key: string, value: string, options?: WriteOptions): Promise<KeyValue> {
    const lease = await this.leaseFor(options);
    const k = bytes(key);
    const response = await this.call(undefined, (etcd) =>
      etcd.txn({
        compare: [{ target: 'CREATE', result: 'EQUAL', key: k, create_revision: 0 }],
        success: [{ request_put: { key: k, value: bytes(value), lease: lease.id } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!response.succeeded) {
      const [current] = await this.toKeyValues(response.responses[0]?.response_range?.kvs ?? []);
      throw new KeyExistsError(key, current);
    }
    const revision = response.header.revision;
    return { key, value, createRevision: revision, modRevision: revision, expiresAt: lease.expiresAt };
  }

  async update(key: string, value: string, expectedModRevision: number, options?: WriteOptions): Promise<KeyValue> {
    if (!(expectedModRevision > 0)) throw new DatastoreError(`update of ${key}: expectedModRevision must be a positive revision`);
    const lease = await this.leaseFor(options);
    const k = bytes(key);
    const response = await this.call(undefined, (etcd) =>
      etcd.txn({
        compare: [{ target: 'MOD', result: 'EQUAL', key: k, mod_revision: expectedModRevision }],
        success: [{ request_put: { key: k, value: bytes(value), lease: lease.id, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!response.succeeded) throw await this.writeFailure(key, response.responses[0]?.response_range?.kvs ?? []);
    const previous = response.responses[0]!.response_put!.prev_kv!;
    return { key, value, createRevision: previous.create_revision, modRevision: response.header.revision, expiresAt: lease.expiresAt };
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeletedKeyValue> {
    const k = bytes(key);
    const response = await this.call(undefined, (etcd) =>
      etcd.txn({
        compare:
          expectedModRevision === undefined
            ? [{ target: 'CREATE', result: 'GREATER', key: k, create_revision: 0 }]
            : [{ target: 'MOD', result: 'EQUAL', key: k, mod_revision: expectedModRevision }],
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!response.succeeded) throw await this.writeFailure(key, response.responses[0]?.response_range?.kvs ?? []);
    const [previous] = await this.toKeyValues(response.responses[0]!.response_delete_range!.prev_kvs);
    return { ...previous!, deleteRevision: Number(response.header.revision) };
  }

  /** Why a compare-and-swap failed: the key is gone, or it is at another revision. */
  private async writeFailure(key: string, current: KeyValueMessage[]): Promise<DatastoreError> {
    if (!current.length) return new KeyNotFoundError(key);
    const [kv] = await this.toKeyValues(current);
    return new ConflictError(key, kv);
  }

  watch(prefix: string, fromRevision: number, callbacks: WatchCallbacks): WatchHandle {
    const etcd = this.etcd;
    const key = prefix === '' ? Buffer.from([0]) : bytes(prefix);
    const rangeEnd = prefixEndBytes(bytes(prefix));
    let next = fromRevision + 1;
    let stream: ReturnType<EtcdClient['watchStream']> | undefined;
    let ended = false;
    let failingSince: number | undefined;
    let delivering: Promise<void> | undefined;

    const toEvent = (message: EventMessage): WatchEvent => {
      const prevKv = message.prev_kv ? this.toKeyValue(message.prev_kv) : undefined;
      const revision = message.kv.mod_revision;
      const k = message.kv.key.toString('utf8');
      if (message.type === 'DELETE') return { type: 'delete', key: k, revision, prevKv };
      const kv = this.toKeyValue(message.kv);
      return kv.createRevision === kv.modRevision ? { type: 'create', key: k, revision, kv } : { type: 'update', key: k, revision, kv, prevKv };
    };
    // Events go out in order; a batch that names a lease not seen before waits for its expiry,
    // and every later batch waits behind it.
    const deliver = (events: EventMessage[]) => {
      const leases = events.flatMap((event) => [event.kv.lease, event.prev_kv?.lease ?? '0']);
      if (!delivering && this.leases!.knows(leases)) {
        callbacks.onEvents(events.map(toEvent));
        return;
      }
      const step = (delivering ?? Promise.resolve())
        .then(() => this.leases!.learn(leases))
        .catch(() => {})
        .then(() => {
          if (!ended) callbacks.onEvents(events.map(toEvent));
        });
      delivering = step;
      void step.finally(() => delivering === step && (delivering = undefined));
    };
    // Progress follows the events delivered before it (some wait for their leases).
    const progress = (revision: number) => {
      if (!delivering) callbacks.onProgress?.(revision);
      else void delivering.then(() => !ended && callbacks.onProgress?.(revision));
    };
    const fail = (error: Error) => {
      if (ended) return;
      handle.cancel();
      callbacks.onError(error);
    };
    const reconnect = (error: Error) => {
      if (ended) return;
      stream = undefined;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > watchGiveUpMs) return fail(new DatastoreError(`the etcd watch on ${prefix || '/'} kept failing: ${error.message}`));
      etcd.rotate();
      void sleep(250).then(connect);
    };
    const connect = () => {
      if (ended || this.closed) return;
      const current = etcd.watchStream();
      stream = current;
      current.on('data', (response: WatchResponse) => {
        if (ended || stream !== current) return;
        failingSince = undefined;
        if (response.canceled) {
          if (response.compact_revision > 0) fail(new CompactedError(next - 1, response.compact_revision));
          else fail(new DatastoreError(`etcd ended the watch on ${prefix || '/'}: ${response.cancel_reason || 'canceled'}`));
          return;
        }
        if (!response.events.length) {
          // A response without events that is neither the creation nor a cancel is a progress
          // notification: everything up to its header revision has been sent.
          if (!response.created && response.header?.revision) progress(Number(response.header.revision));
          return;
        }
        next = response.events[response.events.length - 1]!.kv.mod_revision + 1;
        deliver(response.events);
      });
      current.on('error', (error: Error) => stream === current && reconnect(error));
      current.on('end', () => stream === current && reconnect(new Error('etcd closed the watch stream')));
      current.write({ create_request: { key, range_end: rangeEnd, start_revision: next, prev_kv: true } });
    };
    const handle: WatchHandle = {
      cancel: () => {
        if (ended) return;
        ended = true;
        this.watches.delete(handle);
        const current = stream;
        stream = undefined;
        current?.cancel();
      },
      requestProgress: () => {
        if (!ended) stream?.write({ progress_request: {} });
      },
    };
    this.watches.add(handle);
    connect();
    return handle;
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call(revision, (etcd) => etcd.compact(revision));
    } catch (error) {
      // Compacting again at or below the compacted revision changes nothing.
      if (!(error instanceof CompactedError)) throw error;
      return;
    }
    await this.recordCompaction(revision);
  }

  /** Raises compact_rev_key to `revision` unless another server already moved it higher. */
  private async recordCompaction(revision: number): Promise<void> {
    const k = bytes(compactRevisionKey);
    for (let attempt = 0; attempt < 5; attempt++) {
      const { kvs } = await this.call(undefined, (etcd) => etcd.range({ key: k }));
      const stored = kvs[0] ? Number(kvs[0].value.toString()) : 0;
      if (stored >= revision) break;
      const response = await this.call(undefined, (etcd) =>
        etcd.txn({
          compare: [{ target: 'MOD', result: 'EQUAL', key: k, mod_revision: kvs[0]?.mod_revision ?? 0 }],
          success: [{ request_put: { key: k, value: bytes(String(revision)) } }],
          failure: [],
        }),
      );
      if (response.succeeded) break;
    }
    this.knownCompacted = Math.max(this.knownCompacted, revision);
  }

  private async compactOnSchedule(): Promise<void> {
    if (this.closed) return;
    try {
      const [current, compacted] = await Promise.all([this.currentRevision(), this.compactedRevision()]);
      const target = compactionTarget(current, compacted, this.compaction);
      if (target === undefined) return;
      await this.compact(target);
      this.log.info({ compactedRevision: target }, 'etcd history compacted');
    } catch (error) {
      this.log.warn({ err: error }, 'etcd compaction failed');
    }
  }

  async readSnapshot(): Promise<SnapshotReader> {
    const etcd = this.etcd;
    const first = await this.call(undefined, () => etcd.range({ ...everyKey, limit: pageSize }));
    const revision = first.header.revision;
    let open = true;
    const toKeyValues = (messages: KeyValueMessage[]) => this.toKeyValues(messages.filter((kv) => kv.key.toString() !== compactRevisionKey));
    const call = this.call.bind(this);
    async function* batches(): AsyncGenerator<KeyValue[]> {
      let page = first;
      for (;;) {
        if (!open) return;
        if (page.kvs.length) yield await toKeyValues(page.kvs);
        if (!page.more) return;
        const after = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
        page = await call(revision, () => etcd.range({ key: after, range_end: everyKey.range_end, limit: pageSize, revision }));
      }
    }
    return {
      revision,
      batches: batches(),
      close: async () => {
        open = false;
      },
    };
  }

  /** Replaces every key (but compact_rev_key) with the snapshot's keys; returns how many were written. */
  async replaceContents(source: AsyncIterable<KeyValue[]>): Promise<number> {
    const etcd = this.etcd;
    const marker = bytes(compactRevisionKey);
    await this.call(undefined, () =>
      etcd.txn({
        compare: [],
        success: [
          { request_delete_range: { key: everyKey.key, range_end: marker } },
          { request_delete_range: { key: Buffer.concat([marker, Buffer.from([0])]), range_end: everyKey.range_end } },
        ],
        failure: [],
      }),
    );
    let written = 0;
    const inFlight = new Set<Promise<void>>();
    let ops: RequestOp[] = [];
    let size = 0;
    const send = async () => {
      const success = ops;
      ops = [];
      size = 0;
      const done = this.call(undefined, () => etcd.txn({ compare: [], success, failure: [] })).then(() => {
        written += success.length;
      });
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done)).catch(() => {});
      if (inFlight.size >= 8) await Promise.race(inFlight);
    };
    const now = Date.now() / 1000;
    for await (const batch of source) {
      for (const kv of batch) {
        if (kv.key === compactRevisionKey) continue;
        let lease = '0';
        if (kv.expiresAt) {
          if (kv.expiresAt <= now) continue; // expired while in the snapshot
          lease = (await this.leaseFor({ ttlSeconds: kv.expiresAt - now })).id;
        }
        const put = { key: bytes(kv.key), value: bytes(kv.value), lease };
        if (ops.length === maxTxnOps || (ops.length && size + put.key.length + put.value.length > maxTxnBytes)) await send();
        ops.push({ request_put: put });
        size += put.key.length + put.value.length;
      }
    }
    if (ops.length) await send();
    await Promise.all(inFlight);
    return written;
  }
}
