// Records core/v1 Events the way client-go's EventRecorder does for kube-controller-manager:
// one Event per (object, type, reason, message), counted and re-stamped when it repeats (the
// EventCorrelator's deduplication), and a token bucket per object so a hot loop cannot flood the
// store (burst 25, one more every 5 minutes, as client-go's spam filter). Events expire after 1 h
// through the Event kind's TTL. Writes run in the background, one at a time in the order recorded, as
// client-go's broadcaster sends them to its sink: recording never blocks a reconcile, and a burst of
// events (a scheduler binding thousands of pods) trails the work it reports instead of competing with it.
import type { Logger } from 'pino';
import type { ApiClient } from '../apiserver/client.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';

export type EventType = 'Normal' | 'Warning';

/** What a component needs to record events (tests pass their own). */
export type EventSink = Pick<EventRecorder, 'event'>;

export interface EventRecorderOptions {
  /** The instance (client-go's EventSource.Host; empty for kube-controller-manager's controllers). */
  host?: string;
  /** Token bucket per involved object (client-go: burst 25, refill 1 per 300 s). */
  burst?: number;
  refillMs?: number;
  log?: Logger;
  /** Remembered events and buckets (client-go's LRU holds 4096). */
  cacheSize?: number;
  /** Events waiting to be written; more are dropped, as client-go's broadcaster drops them when its queue is full. */
  maxQueued?: number;
}

interface RecordedEvent {
  key: string;
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  /** When it happened (the event's timestamps), not when it is written. */
  at: string;
  name: string;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, SeenEvent>();
  private readonly buckets = new Map<string, Bucket>();
  private queue: (RecordedEvent | undefined)[] = [];
  private head = 0;
  private writing: Promise<void> | undefined;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly cacheSize: number;
  private readonly maxQueued: number;
  private lastNanos = 0n;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly client: ApiClient,
    readonly component: string,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.burst = options.burst ?? 25;
    this.refillMs = options.refillMs ?? 300_000;
    this.cacheSize = options.cacheSize ?? 4096;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /** Records an event about `object` (fire and forget). */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const involved = involvedObject(object);
    const objectKey = [involved.apiVersion, involved.kind, involved.namespace, involved.name, involved.uid].join('/');
    if (!this.allow(objectKey)) return;
    if (this.queue.length - this.head >= this.maxQueued) {
      if (this.dropped++ % 1000 === 0) this.options.log?.warn({ component: this.component, queued: this.maxQueued, dropped: this.dropped }, 'event queue full: dropping events');
      return;
    }
    const key = [this.component, objectKey, type, reason, message].join('\u0000');
    this.queue.push({ key, involved, type, reason, message, at: timestamp(), name: this.eventName(involved.name) });
    this.writing ??= this.drain();
  }

  /** Resolves once every event recorded so far is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes queued events one at a time until none is left. */
  private async drain(): Promise<void> {
    try {
      while (this.head < this.queue.length) {
        const next = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        // Drop the written part of a long queue now and then, not on every event.
        if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        try {
          await this.write(next);
        } catch (error) {
          this.options.log?.debug({ err: error, reason: next.reason, object: next.involved.name }, 'could not record event');
        }
      }
      this.queue = [];
      this.head = 0;
    } finally {
      this.writing = undefined;
    }
  }

  private allow(objectKey: string): boolean {
    const now = Date.now();
    let bucket = this.buckets.get(objectKey);
    if (!bucket) {
      bucket = { tokens: this.burst, refilledAt: now };
      this.remember(this.buckets, objectKey, bucket);
    }
    const refill = Math.floor((now - bucket.refilledAt) / this.refillMs);
    if (refill > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + refill);
      bucket.refilledAt += refill * this.refillMs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.cacheSize) map.delete(map.keys().next().value!);
  }

  /** `<name>.<hex nanoseconds>`, unique per recorder even within one millisecond. */
  private eventName(objectName: string): string {
    let nanos = BigInt(Date.now()) * 1_000_000n;
    if (nanos <= this.lastNanos) nanos = this.lastNanos + 1n;
    this.lastNanos = nanos;
    return `${objectName}.${nanos.toString(16)}`;
  }

  private async write({ key, involved, type, reason, message, at, name }: RecordedEvent): Promise<void> {
    const events = this.client.resource('', 'events');
    const seen = this.seen.get(key);
    if (seen) {
      try {
        await events.modify(seen.namespace, seen.name, (event) => ({ ...event, count: ((event.count as number | undefined) ?? 1) + 1, lastTimestamp: at }));
        seen.count++;
        this.remember(this.seen, key, seen);
        return;
      } catch (error) {
        // The event expired (TTL) or was deleted: record it afresh.
        if (!(error instanceof StatusError && error.code === 404)) throw error;
        this.seen.delete(key);
      }
    }
    const namespace = involved.namespace || 'default';
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source: { component: this.component, ...(this.options.host ? { host: this.options.host } : {}) },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.options.host ?? '',
    });
    this.remember(this.seen, key, { name, namespace, count: 1, firstTimestamp: at });
  }
}

export interface InvolvedObject {
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** The ObjectReference an event points at. */
export function involvedObject(object: KubeObject): InvolvedObject {
  const reference: InvolvedObject = {
    kind: object.kind ?? '',
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    apiVersion: object.apiVersion ?? '',
    resourceVersion: object.metadata.resourceVersion,
  };
  if (object.metadata.namespace) reference.namespace = object.metadata.namespace;
  return reference;
}
