// Records core/v1 Events the way client-go's EventRecorder does for kube-controller-manager:
// one Event per (object, type, reason, message), counted and re-stamped when it repeats (the
// EventCorrelator's deduplication), and a token bucket per object so a hot loop cannot flood the
// store (burst 25, one more every 5 minutes, as client-go's spam filter). Events expire after 1 h
// through the Event kind's TTL. Writes run in the background: recording never blocks a reconcile.
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
  private readonly pending = new Map<string, Promise<void>>();
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly cacheSize: number;
  private lastNanos = 0n;

  constructor(
    private readonly client: ApiClient,
    readonly component: string,
    private readonly options: EventRecorderOptions = {},
  ) {
    this.burst = options.burst ?? 25;
    this.refillMs = options.refillMs ?? 300_000;
    this.cacheSize = options.cacheSize ?? 4096;
  }

  /** Records an event about `object` (fire and forget). */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const involved = involvedObject(object);
    const objectKey = [involved.apiVersion, involved.kind, involved.namespace, involved.name, involved.uid].join('/');
    if (!this.allow(objectKey)) return;
    const key = [this.component, objectKey, type, reason, message].join('\u0000');
    const previous = this.pending.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.write(key, involved, type, reason, message))
      .catch((error: Error) => this.options.log?.debug({ err: error, reason, object: objectKey }, 'could not record event'))
      .finally(() => {
        if (this.pending.get(key) === next) this.pending.delete(key);
      });
    this.pending.set(key, next);
  }

  /** Resolves once every event recorded so far is written. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending.values()]);
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

  private async write(key: string, involved: InvolvedObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = timestamp();
    const events = this.client.resource('', 'events');
    const seen = this.seen.get(key);
    if (seen) {
      try {
        await events.modify(seen.namespace, seen.name, (event) => ({ ...event, count: ((event.count as number | undefined) ?? 1) + 1, lastTimestamp: now }));
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
    const name = this.eventName(involved.name);
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      source: { component: this.component, ...(this.options.host ? { host: this.options.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.options.host ?? '',
    });
    this.remember(this.seen, key, { name, namespace, count: 1, firstTimestamp: now });
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
