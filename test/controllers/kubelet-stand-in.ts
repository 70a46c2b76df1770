// TEST-ONLY stand-in for the kubelet. Until the kubelet-bridge runs pods, nothing reports pod
// status, so workload tests use this to play the node: it marks each pod Running and Ready (or
// Succeeded/Failed, as its command would end), and finishes graceful deletions as a kubelet does.
// Pods with a required node affinity on `metadata.name` (DaemonSet pods) are bound to that node
// first, which the scheduler does once it exists. It polls through a small API so it works both
// in-process and against a real `k2 server` over HTTPS. Every loop is bounded by stop().
import type { KubeObject } from '../../apiserver/registry/types.ts';

type Json = Record<string, any>;

export type PodOutcome = 'Running' | 'Succeeded' | 'Failed' | 'Pending';

export interface PodApi {
  list(): Promise<KubeObject[]>;
  /** Replaces the pod's status (the status subresource). */
  writeStatus(pod: KubeObject, status: Json): Promise<void>;
  /** The kubelet's final delete (grace period 0). */
  finalDelete(pod: KubeObject): Promise<void>;
  bind(pod: KubeObject, node: string): Promise<void>;
}

/** What a pod's command would do: `exit 1`/`false` fail, `sleep` and restartPolicy Always keep running, anything else succeeds. */
export function outcomeOfCommand(pod: KubeObject): PodOutcome {
  const spec = (pod.spec ?? {}) as Json;
  const words = ((spec.containers ?? []) as Json[]).flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]).join(' ');
  if (/\bexit [1-9]\d*\b|(^|[\s;&|])false(\s|$|;)/.test(words)) return 'Failed';
  if (spec.restartPolicy === 'Always' || spec.restartPolicy === undefined) return 'Running';
  if (/\bsleep (\d+)/.test(words) && Number(/\bsleep (\d+)/.exec(words)![1]) >= 60) return 'Running';
  return 'Succeeded';
}

/** The node a pod must run on by its required node affinity (how DaemonSet pods name theirs). */
export function affinityNode(pod: KubeObject): string | undefined {
  const terms: Json[] = (pod.spec as Json | undefined)?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const field of (term.matchFields ?? []) as Json[]) {
      if (field.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

const stamp = () => `${new Date().toISOString().slice(0, 19)}Z`;

export function podStatusFor(pod: KubeObject, outcome: PodOutcome, ordinal: number): Json {
  const now = stamp();
  const old = (pod.status ?? {}) as Json;
  const containers: Json[] = ((pod.spec as Json | undefined)?.containers ?? []) as Json[];
  const running = outcome === 'Running';
  const exitCode = outcome === 'Failed' ? 1 : 0;
  const condition = (type: string, status: boolean, reason?: string) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now, ...(reason ? { reason } : {}) });
  return {
    ...old,
    phase: outcome,
    hostIP: '127.0.0.1',
    podIP: `10.42.0.${(ordinal % 250) + 2}`,
    podIPs: [{ ip: `10.42.0.${(ordinal % 250) + 2}` }],
    startTime: old.startTime ?? now,
    conditions: [
      condition('PodReadyToStartContainers', running),
      condition('Initialized', true),
      condition('Ready', running, running ? undefined : 'PodCompleted'),
      condition('ContainersReady', running, running ? undefined : 'PodCompleted'),
      condition('PodScheduled', true),
    ],
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: `stand-in://${pod.metadata.uid}/${c.name}`,
      ready: running,
      started: running,
      restartCount: 0,
      state: running ? { running: { startedAt: now } } : { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: now, finishedAt: now } },
    })),
  };
}

export interface StandInOptions {
  /** How each pod ends (default: outcomeOfCommand). */
  outcome?: (pod: KubeObject) => PodOutcome;
  intervalMs?: number;
}

export class KubeletStandIn {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private counter = 0;
  /** Pods (by uid) this stand-in already settled, and how. */
  readonly settled = new Map<string, PodOutcome>();

  constructor(
    private readonly api: PodApi,
    private readonly options: StandInOptions = {},
  ) {}

  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.pass()
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.options.intervalMs ?? 100);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    const pods = await this.api.list();
    for (const pod of pods) {
      if (this.stopped) return;
      try {
        await this.handle(pod);
      } catch {
        // Conflicts and vanished pods are retried on the next pass.
      }
    }
  }

  private async handle(pod: KubeObject): Promise<void> {
    const spec = (pod.spec ?? {}) as Json;
    const phase = (pod.status as Json | undefined)?.phase;
    if (pod.metadata.deletionTimestamp) {
      if (spec.nodeName && (pod.metadata.deletionGracePeriodSeconds ?? 0) > 0) await this.api.finalDelete(pod);
      return;
    }
    if (!spec.nodeName) {
      const node = affinityNode(pod);
      if (node) await this.api.bind(pod, node);
      if (node) return; // settled once bound, on the next pass
    }
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const outcome = (this.options.outcome ?? outcomeOfCommand)(pod);
    if (outcome === 'Pending' || this.settled.get(pod.metadata.uid!) === outcome) return;
    await this.api.writeStatus(pod, podStatusFor(pod, outcome, this.counter++));
    this.settled.set(pod.metadata.uid!, outcome);
  }
}
