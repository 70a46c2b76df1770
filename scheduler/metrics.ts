// The scheduler's Prometheus metrics, named as kube-scheduler names them: how long scheduling
// attempts take by result, and how many pods wait in each part of the queue.
import { Gauge, Histogram, type Registry } from 'prom-client';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export type PendingCounts = Record<'active' | 'backoff' | 'unschedulable', number>;

export class SchedulerMetrics {
  private readonly attempts: Histogram<'result' | 'profile'>;
  /** The running scheduler's queue; none while this server does not hold the scheduler's Lease. */
  pending: (() => PendingCounts) | undefined;

  constructor(registry: Registry) {
    const metrics = this;
    this.attempts = new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
      labelNames: ['result', 'profile'] as const,
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    });
    new Gauge({
      name: 'scheduler_pending_pods',
      help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods.",
      labelNames: ['queue'] as const,
      registers: [registry],
      collect() {
        for (const [queue, n] of Object.entries(metrics.pending?.() ?? { active: 0, backoff: 0, unschedulable: 0 })) this.set({ queue }, n);
      },
    });
  }

  /** One scheduling attempt (the scheduling cycle, not the binding that follows it). */
  attempt(result: AttemptResult, seconds: number): void {
    this.attempts.observe({ result, profile: 'default-scheduler' }, seconds);
  }
}
