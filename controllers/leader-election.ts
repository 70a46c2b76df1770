// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection runs it for kube-controller-manager
// and kube-scheduler: the holder renews the Lease every retry period; a candidate takes it once it has seen the same
// record unchanged for a whole lease duration (its own clock, so servers need no synchronized clocks); a holder that
// cannot renew within the renew deadline stops leading. Writes are compare-and-swap on the Lease's resourceVersion,
// so two servers never both win the same term.
import type { Logger } from 'pino';
import type { ResourceClient } from '../apiserver/client.ts';
import { microTimestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { EventSink } from './events.ts';

export interface LeaderElectionTiming {
  /** How long a candidate waits on a Lease it has seen unchanged before taking it (--leader-elect-lease-duration). */
  leaseDurationMs: number;
  /** How long the holder keeps leading while its renewals fail (--leader-elect-renew-deadline). */
  renewDeadlineMs: number;
  /** How often the holder renews and a candidate tries (--leader-elect-retry-period). */
  retryPeriodMs: number;
}

/** kube-controller-manager's and kube-scheduler's defaults. */
export const defaultLeaderElectionTiming: LeaderElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaderCallbacks {
  /** This server now holds the Lease: start the component. */
  startedLeading(): void | Promise<void>;
  /** It no longer does (lost, or stopping): stop the component before anyone else may start it. */
  stoppedLeading(): void | Promise<void>;
}

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  /** `<host>_<uuid>`, as client-go components name themselves. */
  identity: string;
  timing: LeaderElectionTiming;
  /**
   * No other server can share this datastore (SQLite: one server owns the file): a Lease left by an earlier run of
   * this server is taken at once instead of after it expires.
   */
  exclusive: boolean;
  log: Logger;
  /** Where "<identity> became leader" and "stopped leading" go (LeaderElection events on the Lease, as client-go's). */
  events?: EventSink;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  /** The Lease as last read, and when (on this server's clock) it last changed. */
  private observed: { lease: KubeObject; spec: LeaseSpec } | undefined;
  private observedAt = 0;
  private lastRenewedAt = 0;
  private wake: (() => void) | undefined;
  /** The last try, which may still be writing when stop() is called. */
  private attempt: Promise<boolean> | undefined;
  private loop: Promise<void> | undefined;
  /** Rejects when stop() is called, so that a try waiting on an unreachable datastore ends at once. */
  private readonly stopping: Promise<never>;
  private stopNow!: (error: Error) => void;
  /** Settles once the first try has ended, won or not. */
  readonly firstTry: Promise<void>;
  private firstTryDone!: () => void;

  constructor(
    private readonly leases: ResourceClient,
    private readonly callbacks: LeaderCallbacks,
    private readonly options: LeaderElectorOptions,
  ) {
    this.firstTry = new Promise((resolve) => (this.firstTryDone = resolve));
    this.stopping = new Promise<never>((_, reject) => (this.stopNow = reject));
    this.stopping.catch(() => undefined);
  }

  run(): void {
    this.loop ??= this.campaign();
  }

  /** Stops leading (the component first) and hands the Lease back, so that another server takes it at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopNow(new Error('stopping'));
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.callbacks.stoppedLeading();
    }
    // Also when a last try won the Lease as stop() was called. A busy datastore gets as long as a renewal would (at
    // most 5 s, so that a server whose datastore is gone still stops soon).
    const releaseMs = Math.min(this.options.timing.renewDeadlineMs, 5_000);
    const deadline = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${releaseMs} ms`)), releaseMs).unref());
    // A renewal still writing would otherwise land after the release and hold the Lease for its whole duration.
    const released = (this.attempt ?? Promise.resolve(false)).catch(() => false).then(() => this.release());
    await Promise.race([released, deadline]).catch((error: Error) => this.options.log.warn({ err: error, lease: this.leaseName }, 'could not release the leader lease'));
  }

  private get leaseName(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  private async campaign(): Promise<void> {
    const { timing, log } = this.options;
    while (!this.stopped) {
      const now = Date.now();
      this.attempt = this.tryAcquireOrRenew(now);
      const held = await this.withDeadline(this.attempt, timing.renewDeadlineMs).catch((error: Error) => {
        log.debug({ err: error, lease: this.leaseName }, 'leader lease: try failed');
        return false;
      });
      if (this.stopped && !this.leading) break;
      if (held) this.lastRenewedAt = now;
      if (held && !this.leading) {
        this.leading = true;
        log.info({ lease: this.leaseName, identity: this.options.identity }, 'became leader');
        this.record('became leader');
        await this.callbacks.startedLeading();
      } else if (this.leading && !held && (this.heldByOther() || Date.now() - this.lastRenewedAt >= timing.renewDeadlineMs)) {
        this.leading = false;
        log.warn({ lease: this.leaseName, holder: this.observed?.spec.holderIdentity }, 'lost leadership; stopping');
        this.record('stopped leading');
        await this.callbacks.stoppedLeading();
      }
      this.firstTryDone();
      // A candidate spreads its tries (client-go's jitter factor 1.2); the holder renews on time.
      const waitMs = this.leading ? timing.retryPeriodMs : timing.retryPeriodMs * (1 + Math.random() * 1.2);
      if (!this.stopped) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => (clearTimeout(timer), resolve());
      });
    }
    this.firstTryDone();
  }

  private record(what: string): void {
    if (this.observed) this.options.events?.event(this.observed.lease, 'Normal', 'LeaderElection', `${this.options.identity} ${what}`);
  }

  private heldByOther(): boolean {
    const holder = this.observed?.spec.holderIdentity;
    return Boolean(holder) && holder !== this.options.identity;
  }

  private withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
    return Promise.race([work, deadline, this.stopping]).finally(() => clearTimeout(timer));
  }

  /** One attempt: true when this server holds the Lease afterwards. */
  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const { namespace, name, identity, timing } = this.options;
    const time = microTimestamp(new Date(now));
    const leaseDurationSeconds = Math.max(1, Math.round(timing.leaseDurationMs / 1000));
    const current = await this.leases.find(namespace, name);
    if (!current) {
      const spec: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds, acquireTime: time, renewTime: time, leaseTransitions: 0 };
      const created = await this.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: spec as KubeObject['spec'] }).catch(conflictAsUndefined);
      if (!created) return false;
      this.observe(created, now);
      return true;
    }
    this.observe(current, now);
    const spec = this.observed!.spec;
    const ours = spec.holderIdentity === identity;
    if (!ours && spec.holderIdentity && !this.options.exclusive && this.observedAt + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 > now) return false;
    const next: LeaseSpec = ours && this.leading
      ? { ...spec, holderIdentity: identity, leaseDurationSeconds, renewTime: time }
      : { holderIdentity: identity, leaseDurationSeconds, acquireTime: time, renewTime: time, leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1) };
    const updated = await this.leases.update({ ...current, spec: next as KubeObject['spec'] }).catch(conflictAsUndefined);
    if (!updated) return false;
    this.observe(updated, now);
    return true;
  }

  private observe(lease: KubeObject, now: number): void {
    if (this.observed?.lease.metadata.resourceVersion === lease.metadata.resourceVersion) return;
    this.observed = { lease, spec: { ...((lease.spec ?? {}) as LeaseSpec) } };
    this.observedAt = now;
  }

  /** As client-go's ReleaseOnCancel: no holder, and a one-second duration, so the next candidate need not wait. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    // Another writer may land between the read and the write (409): read the Lease again and retry.
    for (let attempt = 0; ; attempt++) {
      const current = await this.leases.find(namespace, name);
      const spec = (current?.spec ?? {}) as LeaseSpec;
      if (!current || spec.holderIdentity !== identity) return;
      const time = microTimestamp();
      const released: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: time, renewTime: time, leaseTransitions: spec.leaseTransitions ?? 0 };
      const updated = await this.leases.update({ ...current, spec: released as KubeObject['spec'] }).catch((error: unknown) => (attempt < 5 ? conflictAsUndefined(error) : Promise.reject(error)));
      if (updated) return;
    }
  }
}

/** Another server wrote first (409): this try lost. */
function conflictAsUndefined(error: unknown): undefined {
  if (error instanceof StatusError && (error.code === 409)) return undefined;
  throw error;
}
