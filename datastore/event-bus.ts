// The in-process event bus: every committed change is handed, in revision order, to each
// subscriber whose prefix it falls under, straight from the commit (no re-reading the database).
import type { WatchEvent } from './types.ts';

type Deliver = (events: WatchEvent[]) => void;

interface Subscriber {
  prefix: string;
  deliver: Deliver;
}

export class EventBus {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly onSubscriberError: (error: unknown) => void = () => {}) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** `deliver` gets each published batch's events under `prefix`; returns the unsubscribe function. */
  subscribe(prefix: string, deliver: Deliver): () => void {
    const subscriber = { prefix, deliver };
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Publishes one commit's events (already in revision order). */
  publish(events: WatchEvent[]): void {
    if (!events.length) return;
    for (const subscriber of this.subscribers) {
      const mine = subscriber.prefix === '' ? events : events.filter((event) => event.key.startsWith(subscriber.prefix));
      if (!mine.length) continue;
      try {
        subscriber.deliver(mine);
      } catch (error) {
        // A failing subscriber must not stop the others or the commit that published.
        this.onSubscriberError(error);
      }
    }
  }
}
