// The one controller loop: informers feed keys into a work queue; workers call reconcile(key);
// failures retry with back-off; `requeueAfterMs` schedules the next look.
import type { Logger } from 'pino';
import { WorkQueue } from './work-queue.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export abstract class Controller {
  abstract readonly name: string;
  readonly queue = new WorkQueue();
  protected workers = 2;
  private running: Promise<void>[] = [];
  protected log!: Logger;

  /** Registers informer handlers that enqueue keys. Called once before start. */
  abstract setup(): void;

  abstract reconcile(key: string): Promise<ReconcileResult | void>;

  start(log: Logger): void {
    this.log = log.child({ controller: this.name });
    for (let i = 0; i < this.workers; i++) this.running.push(this.work());
  }

  async stop(): Promise<void> {
    this.queue.shutdown();
    await Promise.all(this.running);
    this.running = [];
  }

  private async work(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      try {
        const result = await this.reconcile(key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        const retries = this.queue.retries(key);
        const level = retries > 5 ? 'warn' : 'debug';
        this.log[level]({ err: error, key, retries }, 'reconcile failed; will retry');
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}
