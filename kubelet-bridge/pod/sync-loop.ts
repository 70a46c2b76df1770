// Drives a PodRuntime for the pods bound to this node, as the kubelet's pod workers do: one sync at a time per
// pod (a request during a sync runs once more after it), re-syncs when containers change state (relist), when a
// probe result changes, when a back-off ends, and every `resyncMs`. Statuses are reported when they change.
// The node agent feeds it from its informer (`update`/`delete`) and writes what `onStatus` reports to the API.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { PodRuntime } from './runtime.ts';
import type { Pod, PodStatus } from './types.ts';

export interface PodSyncLoopOptions {
  /** A pod's status changed: write it to the API (the pod's status subresource). */
  onStatus: (pod: Pod, status: PodStatus) => void | Promise<void>;
  /** A pod being deleted has stopped all its containers: the agent may now delete the object for good. */
  onTerminated?: (pod: Pod) => void | Promise<void>;
  relistMs?: number;
  resyncMs?: number;
  gcMs?: number;
  log?: Logger;
}

interface Worker {
  pod: Pod;
  running: boolean;
  again: boolean;
  retryTimer?: NodeJS.Timeout;
  lastStatus?: PodStatus;
  removed: boolean;
}

export class PodSyncLoop {
  private readonly workers = new Map<string, Worker>();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private relisting = false;

  constructor(
    private readonly runtime: PodRuntime,
    private readonly options: PodSyncLoopOptions,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.relist(), this.options.relistMs ?? 500));
    this.timers.push(setInterval(() => this.workers.forEach((w) => this.schedule(w)), this.options.resyncMs ?? 10_000));
    this.timers.push(setInterval(() => void this.collectGarbage(), this.options.gcMs ?? 60_000));
  }

  /** The pod was added or changed (including deletionTimestamp being set). */
  update(pod: Pod): void {
    const uid = pod.metadata.uid!;
    let worker = this.workers.get(uid);
    if (!worker) {
      worker = { pod, running: false, again: false, removed: false };
      this.workers.set(uid, worker);
    }
    worker.pod = pod;
    this.schedule(worker);
  }

  /** The pod object is gone from the API: stop whatever still runs and remove it. */
  delete(uid: string): void {
    const worker = this.workers.get(uid);
    if (!worker) return;
    worker.removed = true;
    this.schedule(worker);
  }

  /** Called by the runtime (probe results) and by relists. */
  podChanged(uid: string): void {
    const worker = this.workers.get(uid);
    if (worker) this.schedule(worker);
  }

  private schedule(worker: Worker): void {
    if (this.stopped) return;
    if (worker.running) {
      worker.again = true;
      return;
    }
    worker.running = true;
    void this.run(worker);
  }

  private async run(worker: Worker): Promise<void> {
    do {
      worker.again = false;
      clearTimeout(worker.retryTimer);
      const pod = worker.pod;
      const uid = pod.metadata.uid!;
      try {
        if (worker.removed) {
          await this.runtime.kill(pod, 0);
          await this.runtime.remove(uid);
          this.workers.delete(uid);
          return;
        }
        const status = await this.runtime.sync(pod);
        if (!isDeepStrictEqual(status, worker.lastStatus)) {
          worker.lastStatus = status;
          worker.pod = { ...worker.pod, status };
          await this.options.onStatus(pod, status);
        }
        if (pod.metadata.deletionTimestamp && !status.containerStatuses?.some((s) => s.state.running) && !status.initContainerStatuses?.some((s) => s.state.running)) {
          await this.options.onTerminated?.(pod);
        }
        const retry = this.runtime.nextRetryMs(pod);
        if (retry !== undefined) worker.retryTimer = setTimeout(() => this.schedule(worker), retry + 10);
      } catch (error) {
        this.options.log?.error({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: error }, 'pod sync failed');
        worker.retryTimer = setTimeout(() => this.schedule(worker), 1000);
      }
    } while (worker.again && !this.stopped);
    worker.running = false;
  }

  private async relist(): Promise<void> {
    if (this.relisting || this.stopped) return;
    this.relisting = true;
    try {
      for (const uid of await this.runtime.relist()) this.podChanged(uid);
    } catch (error) {
      this.options.log?.warn({ err: error }, 'container relist failed');
    } finally {
      this.relisting = false;
    }
  }

  private async collectGarbage(): Promise<void> {
    try {
      const removed = await this.runtime.garbageCollect(new Set(this.workers.keys()));
      if (removed.pods.length || removed.staleSandboxes) this.options.log?.info(removed, 'garbage-collected pods');
    } catch (error) {
      this.options.log?.warn({ err: error }, 'garbage collection failed');
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const worker of this.workers.values()) clearTimeout(worker.retryTimer);
    this.runtime.close();
  }
}
