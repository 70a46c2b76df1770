// Events written by the scheduler and the node, endpoint and volume controllers: core/v1 Events
// with involvedObject, source and reporting component, deduplicated (the same object, reason and
// message bump `count` and `lastTimestamp`), written in the background from a bounded queue so that
// recording never slows a decision. (The workload controllers' recorder may replace this one; the
// interface is the one method `event`.)
import type { Logger } from 'pino';
import type { ApiClient } from '../apiserver/client.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

interface Pending {
  object: KubeObject;
  type: EventType;
  reason: string;
  message: string;
  at: Date;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

const maxPending = 4096;
const maxRemembered = 8192;
const writers = 16;

/** The reference an Event keeps to its object (stored objects carry kind and apiVersion). */
export function involvedObject(object: KubeObject): Record<string, string | undefined> {
  return {
    kind: object.kind as string | undefined,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    uid: object.metadata.uid,
    apiVersion: object.apiVersion as string | undefined,
    resourceVersion: object.metadata.resourceVersion,
  };
}

export class EventRecorder implements EventSink {
  private readonly pending: Pending[] = [];
  private readonly seen = new Map<string, Seen>();
  /** The last write per dedup key: writes of the same event wait for each other. */
  private readonly writing = new Map<string, Promise<void>>();
  private active = 0;
  private idle: (() => void)[] = [];
  private dropped = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.pending.length >= maxPending) {
      if (this.dropped++ % 1000 === 0) this.log.warn({ component: this.component, dropped: this.dropped }, 'event queue full; dropping events');
      return;
    }
    this.pending.push({ object, type, reason, message, at: new Date() });
    if (this.active < writers) {
      this.active++;
      void this.drain();
    }
  }

  /** Resolves once every queued event is written (tests, shutdown). */
  flush(): Promise<void> {
    if (!this.active && !this.pending.length) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async drain(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      try {
        await this.write(next);
      } catch (error) {
        if (!(error instanceof StatusError && (error.code === 404 || error.code === 403))) this.log.debug({ err: error, reason: next.reason }, 'could not record an event');
      }
    }
    this.active--;
    if (!this.active) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async write(e: Pending): Promise<void> {
    const ref = involvedObject(e.object);
    const namespace = ref.namespace || 'default';
    const key = [ref.kind, namespace, ref.name, ref.uid, e.type, e.reason, e.message].join('\u0000');
    const before = this.writing.get(key);
    const write = (before ?? Promise.resolve()).catch(() => undefined).then(() => this.writeOnce(e, ref, namespace, key));
    this.writing.set(key, write);
    try {
      await write;
    } finally {
      if (this.writing.get(key) === write) this.writing.delete(key);
    }
  }

  private async writeOnce(e: Pending, ref: Record<string, string | undefined>, namespace: string, key: string): Promise<void> {
    const events = this.client.resource('', 'events');
    const seen = this.seen.get(key);
    if (seen) {
      try {
        await events.modify(seen.namespace, seen.name, (event) => {
          event.count = Number(event.count ?? 1) + 1;
          event.lastTimestamp = timestamp(e.at);
          return event;
        });
        seen.count++;
        return;
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 404)) throw error;
        this.seen.delete(key); // expired: write a new one
      }
    }
    const name = `${ref.name}.${(BigInt(e.at.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16)}`;
    await events.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason: e.reason,
      message: e.message,
      source: { component: this.component, host: this.host || undefined },
      firstTimestamp: timestamp(e.at),
      lastTimestamp: timestamp(e.at),
      count: 1,
      type: e.type,
      eventTime: null,
      reportingComponent: this.component,
      reportingInstance: this.host ? `${this.component}-${this.host}` : this.component,
    });
    if (this.seen.size >= maxRemembered) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { namespace, name, count: 1 });
  }
}
