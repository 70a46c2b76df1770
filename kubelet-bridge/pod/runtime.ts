// PodRuntime: runs v1 Pods on a CRI runtime, level-triggered like the kubelet's syncPod. Each `sync(pod)` looks at
// what the runtime has for the pod (sandboxes, container attempts), does the next steps towards the spec (sandbox,
// init containers in order, containers, restarts with back-off, liveness restarts) and returns the PodStatus.
// `kill` stops a pod within its grace period (preStop first); `remove` deletes everything it left behind;
// `garbageCollect` removes what belongs to no pod the node should run. The node agent's loop drives it
// (sync-loop.ts); nothing here talks to the API server except through the PodObjectResolver.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { PodStreamEndpoints } from '../streaming/cri-target.ts';
import { CriError, type CriClient, type ContainerStatus as CriContainerStatus } from '../cri/client.ts';
import { StreamTargetError } from '../../apiserver/streaming/target.ts';
import { podRequests } from '../../scheduler/resources.ts';
import { authFor } from '../images/pull-auth.ts';
import { Backoff, goDuration, kubeletBackoff, type BackoffPolicy } from './backoff.ts';
import { podCgroupParent, podCgroupUids, removePodCgroups } from './cgroups.ts';
import { annotations, cgroupSettings, containerConfig, containerHash, labels, linuxResources, nodeSelector, normalizeImage, podHostname, pullPolicy, sameCgroupSettings, sandboxConfig, type DnsSettings } from './cri-config.ts';
import { ContainerConfigError, containerEnvironment, type NodeFacts, type PodObjectResolver } from './downward.ts';
import { ContainerProbes, runProbe } from './probes.ts';
import { apiTime, podStatus, type ContainerAttempt, type ContainerKind, type ContainerView, type PodView, type ResizePending } from './status.ts';
import type { Container, EphemeralContainer, LifecycleHandler, Pod, PodStatus } from './types.ts';
import { containerMounts, PodVolumes, type PreparedVolume } from './volumes.ts';

export interface PodRuntimeOptions {
  cri: CriClient;
  /** k2's data dir: pod folders go to `agent/pods/<uid>`, container logs to `agent/pod-logs/`. */
  dataDir: string;
  node: NodeFacts;
  resolver: PodObjectResolver;
  dns?: DnsSettings;
  /** Parent of the pods' cgroups in every hierarchy. */
  cgroupRoot?: string;
  backoff?: BackoffPolicy;
  log?: Logger;
  /** Called when something the status depends on changed without a sync (probe results). */
  onChange?: (uid: string) => void;
}

const maxTerminationMessageBytes = 4096;
const fallbackLogLines = 80;
const fallbackLogBytes = 2048;

/** What the runtime remembers about a pod between syncs (everything else is read back from CRI). */
class PodState {
  startTime?: string;
  /** Why each container is not running although it should be (back-off, errors), by container name. */
  readonly waiting = new Map<string, { reason: string; message?: string }>();
  /** The exited attempt (container id) whose failure the back-off has counted, by container name. */
  readonly backoffRecorded = new Map<string, string>();
  /** The pod's addresses while its sandbox ran: a finished pod keeps showing them. */
  lastPodIPs: string[] = [];
  /** Probe workers by container id. */
  readonly probes = new Map<string, ContainerProbes>();
  podFailure?: { reason: string; message: string };
  /** Why the last in-place resize of a running container failed, if it did. */
  resizeError?: string;
  /** Why the pod's current resize waits (PodResizePending): Infeasible on this node at all, or Deferred until room frees. */
  resizePending?: ResizePending;
  /** The pod's requests as this node last admitted them (at start, then at each resize done): what it counts as used. */
  admitted = { milliCpu: 0, memory: 0 };
  /** Set once the pod was killed (deletion or a terminal phase): nothing is started again. */
  killed = false;

  constructor(
    readonly uid: string,
    readonly volumes: PodVolumes,
  ) {}

  stopProbes(except?: Set<string>): void {
    for (const [id, probes] of this.probes) {
      if (except?.has(id)) continue;
      probes.stop();
      this.probes.delete(id);
    }
  }
}

interface SandboxInfo {
  id: string;
  ready: boolean;
  attempt: number;
  createdAt: number;
  podIPs: string[];
}

interface Observed {
  sandbox?: SandboxInfo;
  sandboxes: SandboxInfo[];
  attempts: ContainerAttempt[];
  view: PodView;
}

export class PodRuntime {
  private readonly cri: CriClient;
  private readonly states = new Map<string, PodState>();
  private readonly backoff: Backoff;
  /** Parent of the pods' cgroups. */
  readonly cgroupRoot: string;
  private readonly log?: Logger;
  /** Container states at the last relist, for `relist()`. */
  private lastRelist = new Map<string, string>();

  constructor(private readonly options: PodRuntimeOptions) {
    this.cri = options.cri;
    this.backoff = new Backoff(options.backoff ?? kubeletBackoff);
    this.cgroupRoot = options.cgroupRoot ?? '/kubepods';
    this.log = options.log;
  }

  /** The folders of a pod's prepared volumes, by volume name (none before the pod's first sync here). */
  volumePaths(uid: string): Map<string, string> {
    return new Map([...(this.states.get(uid)?.volumes.prepared ?? [])].map(([name, volume]) => [name, volume.hostPath]));
  }

  podDir(uid: string): string {
    return join(this.options.dataDir, 'agent', 'pods', uid);
  }

  logDirectory(pod: Pod): string {
    return join(this.options.dataDir, 'agent', 'pod-logs', `${pod.metadata.namespace ?? 'default'}_${pod.metadata.name}_${pod.metadata.uid}`);
  }

  private state(pod: Pod): PodState {
    const uid = pod.metadata.uid!;
    let state = this.states.get(uid);
    if (!state) {
      state = new PodState(uid, new PodVolumes(this.podDir(uid), this.options.resolver, this.options.node));
      state.admitted = podRequests(pod.spec).requests;
      this.states.set(uid, state);
    }
    return state;
  }

  /** Milliseconds until a back-off of this pod ends (so the caller can sync it again then), or undefined. */
  nextRetryMs(pod: Pod): number | undefined {
    const uid = pod.metadata.uid!;
    const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])].map((c) => c.name);
    const remaining = [this.backoff.remainingMs(`sandbox/${uid}`), ...names.flatMap((name) => [this.backoff.remainingMs(`${uid}/${name}`), this.backoff.remainingMs(`pull/${uid}/${name}`)])].filter((ms) => ms > 0);
    return remaining.length ? Math.min(...remaining) : undefined;
  }

  // ---- reading the runtime ------------------------------------------------------------------------------------

  private async observe(pod: Pod, state: PodState): Promise<Observed> {
    const uid = pod.metadata.uid!;
    const { items } = await this.cri.call('ListPodSandbox', { filter: { labelSelector: { [labels.podUid]: uid } } });
    const sandboxes: SandboxInfo[] = [];
    for (const item of items.sort((a, b) => b.createdAt - a.createdAt)) {
      const ready = item.state === 'SANDBOX_READY';
      let podIPs: string[] = [];
      if (ready && !pod.spec.hostNetwork) {
        const { status } = await this.cri.call('PodSandboxStatus', { podSandboxId: item.id }).catch(() => ({ status: null }));
        podIPs = [status?.network?.ip, ...(status?.network?.additionalIps ?? []).map((a) => a.ip)].filter((ip): ip is string => !!ip);
      }
      sandboxes.push({ id: item.id, ready, attempt: item.metadata?.attempt ?? 0, createdAt: item.createdAt, podIPs });
    }
    const sandbox = sandboxes[0];
    if (sandbox?.ready && sandbox.podIPs.length) state.lastPodIPs = sandbox.podIPs;
    const { containers } = await this.cri.call('ListContainers', { filter: { labelSelector: { [labels.podUid]: uid } } });
    const attempts: ContainerAttempt[] = [];
    for (const container of containers) {
      const status = await this.cri.call('ContainerStatus', { containerId: container.id }).then(
        (r) => r.status,
        (error: unknown) => {
          if (error instanceof CriError && error.notFound) return null;
          throw error;
        },
      );
      if (status) attempts.push(await this.attempt(pod, status));
    }
    const views = (specs: Container[], kind: ContainerKind): ContainerView[] =>
      specs.map((spec) => {
        const mine = attempts.filter((a) => a.name === spec.name && a.kind === kind).sort((a, b) => b.restartCount - a.restartCount || b.createdAt - a.createdAt);
        const current = mine[0];
        return {
          spec,
          kind,
          current,
          previous: mine[1],
          waiting: state.waiting.get(spec.name),
          probes: current && current.state === 'CONTAINER_RUNNING' ? state.probes.get(current.id)?.results : undefined,
        };
      });
    state.startTime ??= pod.status?.startTime ?? apiTime(Date.now());
    const view: PodView = {
      pod,
      sandboxReady: !!sandbox?.ready,
      podIPs: sandbox?.ready ? sandbox.podIPs : state.killed ? state.lastPodIPs : [],
      hostIP: this.options.node.hostIP,
      startTime: state.startTime,
      initContainers: views(pod.spec.initContainers ?? [], 'init'),
      containers: views(pod.spec.containers, 'regular'),
      ephemeralContainers: views(pod.spec.ephemeralContainers ?? [], 'ephemeral'),
      podFailure: state.podFailure,
      resizeError: state.resizeError,
      resizePending: state.resizePending,
    };
    return { sandbox, sandboxes, attempts, view };
  }

  private async attempt(pod: Pod, status: CriContainerStatus): Promise<ContainerAttempt> {
    const name = status.labels[labels.containerName] ?? status.metadata?.name ?? '';
    const restartCount = Number(status.annotations[annotations.restartCount] ?? status.metadata?.attempt ?? 0);
    const attempt: ContainerAttempt = {
      id: status.id,
      name,
      kind: status.annotations[annotations.kind] === 'init' ? 'init' : status.annotations[annotations.kind] === 'ephemeral' ? 'ephemeral' : 'regular',
      restartCount,
      state: status.state,
      createdAt: status.createdAt,
      startedAt: status.startedAt,
      finishedAt: status.finishedAt,
      exitCode: status.exitCode,
      reason: status.reason,
      message: status.message,
      imageRef: status.imageRef,
      ...(status.resources?.linux ? { applied: status.resources.linux } : {}),
    };
    if (status.state === 'CONTAINER_EXITED' && !attempt.message) attempt.message = await this.terminationMessage(pod, name, restartCount, status);
    return attempt;
  }

  private terminationLogPath(uid: string, name: string, restartCount: number): string {
    return join(this.podDir(uid), 'containers', name, `${restartCount}-termination-log`);
  }

  private async terminationMessage(pod: Pod, name: string, restartCount: number, status: CriContainerStatus): Promise<string> {
    const fromFile = await readFile(this.terminationLogPath(pod.metadata.uid!, name, restartCount)).then(
      (b) => b.subarray(0, maxTerminationMessageBytes).toString('utf8'),
      () => '',
    );
    if (fromFile) return fromFile;
    const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === name);
    if (spec?.terminationMessagePolicy !== 'FallbackToLogsOnError' || status.exitCode === 0 || !status.logPath) return '';
    const log = await readFile(status.logPath, 'utf8').catch(() => '');
    const lines = log.split('\n').filter(Boolean).slice(-fallbackLogLines).map((line) => line.split(' ').slice(3).join(' '));
    const text = lines.join('\n');
    return text.length > fallbackLogBytes ? text.slice(-fallbackLogBytes) : text;
  }

  // ---- sync ---------------------------------------------------------------------------------------------------

  /** Moves the pod one round towards its spec and returns its status. */
  async sync(pod: Pod): Promise<PodStatus> {
    if (!pod.metadata.uid || !pod.metadata.name) throw new Error('a pod needs metadata.uid and metadata.name');
    const state = this.state(pod);
    if (pod.metadata.deletionTimestamp) return this.kill(pod);
    let observed = await this.observe(pod, state);
    this.checkDeadline(pod, state);
    const phase = podStatus(observed.view).phase;
    if (state.podFailure || state.killed || phase === 'Succeeded' || phase === 'Failed') {
      // A finished pod keeps its containers (for logs) but not its sandbox; nothing is started again.
      if (!state.killed) await this.kill(pod, undefined, 'terminal');
      return podStatus((await this.observe(pod, state)).view);
    }
    let sandbox = observed.sandbox;
    if (!sandbox?.ready) {
      sandbox = await this.createSandbox(pod, state, observed);
      if (!sandbox) return podStatus((await this.observe(pod, state)).view);
      observed = await this.observe(pod, state);
    }
    let volumes: Map<string, PreparedVolume>;
    try {
      volumes = await state.volumes.setup(pod, sandbox.podIPs);
      await this.writeHostsFile(pod, sandbox.podIPs);
      for (const [name, waiting] of state.waiting) if (waiting.reason === 'ContainerCreating') state.waiting.delete(name);
    } catch (error) {
      // Containers not yet running wait for their volumes; running ones keep running with the content they have.
      const message = `MountVolume.SetUp failed: ${(error as Error).message}`;
      for (const view of [...observed.view.initContainers, ...observed.view.containers]) {
        if (view.current?.state !== 'CONTAINER_RUNNING') state.waiting.set(view.spec.name, { reason: 'ContainerCreating', message });
      }
      this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: error }, 'volume setup failed');
      return podStatus((await this.observe(pod, state)).view);
    }
    state.resizePending = undefined; // set again below while a resize waits
    if (await this.syncInitContainers(pod, state, sandbox, observed, volumes)) await this.syncContainers(pod, state, sandbox, observed, volumes);
    await this.syncEphemeralContainers(pod, state, sandbox, observed, volumes);
    await this.pruneAttempts(observed.attempts, pod);
    return podStatus((await this.observe(pod, state)).view);
  }

  private checkDeadline(pod: Pod, state: PodState): void {
    const deadline = pod.spec.activeDeadlineSeconds;
    if (deadline === undefined || state.podFailure || !state.startTime) return;
    if (Date.now() - Date.parse(state.startTime) > deadline * 1000) {
      state.podFailure = { reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` };
    }
  }

  private async createSandbox(pod: Pod, state: PodState, observed: Observed): Promise<SandboxInfo | undefined> {
    const uid = pod.metadata.uid!;
    // Containers of a dead sandbox are stopped first; the sandbox itself is removed by garbage collection.
    for (const attempt of observed.attempts.filter((a) => a.state === 'CONTAINER_RUNNING')) await this.stopContainer(pod, state, attempt.id, 0);
    for (const old of observed.sandboxes.filter((s) => !s.ready)) await this.cri.call('StopPodSandbox', { podSandboxId: old.id }).catch(() => {});
    const remaining = this.backoff.remainingMs(`sandbox/${uid}`);
    if (remaining > 0) return undefined;
    const attempt = observed.sandboxes.length ? Math.max(...observed.sandboxes.map((s) => s.attempt)) + 1 : 0;
    await mkdir(this.logDirectory(pod), { recursive: true });
    const config = this.sandboxConfig(pod, attempt);
    try {
      const { podSandboxId } = await this.cri.call('RunPodSandbox', { config });
      this.backoff.forget(`sandbox/${uid}`);
      const status = pod.spec.hostNetwork ? undefined : (await this.cri.call('PodSandboxStatus', { podSandboxId })).status;
      const podIPs = [status?.network?.ip, ...(status?.network?.additionalIps ?? []).map((a) => a.ip)].filter((ip): ip is string => !!ip);
      return { id: podSandboxId, ready: true, attempt, createdAt: Date.now() * 1e6, podIPs };
    } catch (error) {
      this.backoff.fail(`sandbox/${uid}`);
      const message = `Failed to create pod sandbox: ${(error as Error).message}`;
      for (const spec of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) state.waiting.set(spec.name, { reason: 'ContainerCreating', message });
      this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: error }, 'sandbox creation failed');
      return undefined;
    }
  }

  private sandboxConfig(pod: Pod, attempt: number) {
    return sandboxConfig(pod, {
      nodeName: this.options.node.nodeName,
      attempt,
      logDirectory: this.logDirectory(pod),
      cgroupParent: podCgroupParent(this.cgroupRoot, pod.metadata.uid!),
      dns: this.options.dns ?? { clusterDns: [], clusterDomain: 'cluster.local' },
    });
  }

  /** The pod's /etc/hosts (pod network only; host-network pods see the node's), as the kubelet manages it. */
  private async writeHostsFile(pod: Pod, podIPs: string[]): Promise<string | undefined> {
    if (pod.spec.hostNetwork) return undefined;
    const hostname = podHostname(pod);
    const fqdn = pod.spec.subdomain ? `${hostname}.${pod.spec.subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${this.options.dns?.clusterDomain ?? 'cluster.local'}` : '';
    const lines = [
      '# Kubernetes-managed hosts file (k2).',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      ...podIPs.map((ip) => `${ip}\t${fqdn ? `${fqdn}\t` : ''}${hostname}`),
    ];
    const aliases = (pod.spec.hostAliases ?? []).map((a) => `${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
    if (aliases.length) lines.push('', '# Entries added by HostAliases.', ...aliases);
    const path = join(this.podDir(pod.metadata.uid!), 'etc-hosts');
    await mkdir(this.podDir(pod.metadata.uid!), { recursive: true });
    await writeFile(path, lines.join('\n') + '\n');
    return path;
  }

  /** Runs init containers in order; returns true once all are done (sidecars: started). */
  private async syncInitContainers(pod: Pod, state: PodState, sandbox: SandboxInfo, observed: Observed, volumes: Map<string, PreparedVolume>): Promise<boolean> {
    const restartPolicy = pod.spec.restartPolicy ?? 'Always';
    for (const view of observed.view.initContainers) {
      const sidecar = view.spec.restartPolicy === 'Always';
      const current = view.current;
      if (current?.state === 'CONTAINER_RUNNING') {
        if (sidecar) {
          if (await this.handleUnhealthy(pod, state, view)) return false;
          await this.resizeInPlace(pod, state, view);
          if (!(state.probes.get(current.id)?.results.started ?? true)) return false;
          continue;
        }
        return false; // still running: the next init container waits
      }
      if (current?.state === 'CONTAINER_EXITED' && current.exitCode === 0 && !sidecar) continue;
      if (current?.state === 'CONTAINER_EXITED' || current?.state === 'CONTAINER_UNKNOWN') {
        if (!sidecar && restartPolicy === 'Never') return false; // the pod has failed (phase says so)
        if (!this.restartDue(pod, state, view)) return false;
      }
      if (current?.state === 'CONTAINER_CREATED') return false;
      await this.startContainer(pod, state, sandbox, view, volumes);
      return false;
    }
    return true;
  }

  private async syncContainers(pod: Pod, state: PodState, sandbox: SandboxInfo, observed: Observed, volumes: Map<string, PreparedVolume>): Promise<void> {
    const restartPolicy = pod.spec.restartPolicy ?? 'Always';
    for (const view of observed.view.containers) {
      const current = view.current;
      if (current?.state === 'CONTAINER_RUNNING') {
        if (await this.handleUnhealthy(pod, state, view)) continue;
        if (current && (await this.containerSpecChanged(current.id, view.spec))) {
          await this.stopContainer(pod, state, current.id, this.gracePeriod(pod));
          state.waiting.delete(view.spec.name);
          continue;
        }
        await this.resizeInPlace(pod, state, view);
        continue;
      }
      if (current?.state === 'CONTAINER_CREATED') continue;
      if (current && (current.state === 'CONTAINER_EXITED' || current.state === 'CONTAINER_UNKNOWN')) {
        const restart = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && current.exitCode !== 0);
        if (!restart) continue;
        if (!this.restartDue(pod, state, view)) continue;
      }
      await this.startContainer(pod, state, sandbox, view, volumes);
    }
  }

  /** Starts each ephemeral container once (`kubectl debug`); an exited one stays exited. */
  private async syncEphemeralContainers(pod: Pod, state: PodState, sandbox: SandboxInfo, observed: Observed, volumes: Map<string, PreparedVolume>): Promise<void> {
    for (const view of observed.view.ephemeralContainers) {
      if (view.current) continue;
      const target = (view.spec as EphemeralContainer).targetContainerName;
      const targetView = target ? [...observed.view.containers, ...observed.view.initContainers].find((v) => v.spec.name === target) : undefined;
      if (target && targetView?.current?.state !== 'CONTAINER_RUNNING') {
        state.waiting.set(view.spec.name, { reason: 'ContainerCreating', message: `target container ${target} is not running` });
        continue;
      }
      await this.startContainer(pod, state, sandbox, view, volumes, targetView?.current?.id);
    }
  }

  /**
   * Applies new cpu and memory to a running container (in-place resize) when the cgroup settings the runtime
   * reports differ from the spec's. A runtime that reports none (CRI before containerd 1.6) is left alone.
   */
  private async resizeInPlace(pod: Pod, state: PodState, view: ContainerView): Promise<void> {
    const current = view.current!;
    if (!current.applied || sameCgroupSettings(current.applied, cgroupSettings(view.spec))) return;
    state.resizePending = this.beyondAllocatable(pod) ?? this.beyondFree(pod, state);
    if (state.resizePending) return;
    try {
      await this.cri.call('UpdateContainerResources', { containerId: current.id, linux: linuxResources(view.spec) });
      current.applied = cgroupSettings(view.spec);
      state.admitted = podRequests(pod.spec).requests;
      state.resizeError = undefined;
    } catch (error) {
      state.resizeError = `failed to resize container ${view.spec.name}: ${(error as Error).message}`;
      this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: view.spec.name, err: error }, 'in-place resize failed');
    }
  }

  /** Why the pod's requests cannot fit this node even alone (the kubelet's Infeasible resize), or undefined. */
  private beyondAllocatable(pod: Pod): ResizePending | undefined {
    // The pod's requests as the scheduler counts them (sidecars, init containers, overhead).
    const { milliCpu: cpu, memory } = podRequests(pod.spec).requests;
    const { cpuCores, memoryBytes } = this.options.node.allocatable;
    const infeasible = (message: string): ResizePending => ({ reason: 'Infeasible', message: `Node didn't have enough capacity: ${message}` });
    if (memory > memoryBytes) return infeasible(`memory, requested: ${memory}, capacity: ${memoryBytes}`);
    if (cpu > cpuCores * 1000) return infeasible(`cpu, requested: ${cpu}, capacity: ${cpuCores * 1000}`);
    return undefined;
  }

  /**
   * Why the pod's new requests do not fit beside what the node admitted for its other running pods (the kubelet's
   * Deferred resize, retried at each sync until they do), or undefined.
   */
  private beyondFree(pod: Pod, state: PodState): ResizePending | undefined {
    const { milliCpu: cpu, memory } = podRequests(pod.spec).requests;
    let usedCpu = 0;
    let usedMemory = 0;
    for (const other of this.states.values()) {
      if (other === state || other.killed) continue;
      usedCpu += other.admitted.milliCpu;
      usedMemory += other.admitted.memory;
    }
    const { cpuCores, memoryBytes } = this.options.node.allocatable;
    const deferred = (message: string): ResizePending => ({ reason: 'Deferred', message: `Node didn't have enough resource: ${message}` });
    if (cpu > 0 && cpu > cpuCores * 1000 - usedCpu) return deferred(`cpu, requested: ${cpu}, used: ${usedCpu}, capacity: ${cpuCores * 1000}`);
    if (memory > 0 && memory > memoryBytes - usedMemory) return deferred(`memory, requested: ${memory}, used: ${usedMemory}, capacity: ${memoryBytes}`);
    return undefined;
  }

  /** Whether the container's running spec (by hash) differs from the pod's now. */
  private async containerSpecChanged(containerId: string, spec: Container): Promise<boolean> {
    const { status } = await this.cri.call('ContainerStatus', { containerId }).catch(() => ({ status: null }));
    const hash = status?.annotations[annotations.hash];
    return !!hash && hash !== containerHash(spec);
  }

  /** Restarts a container whose liveness/startup probe failed; returns true if it did. */
  private async handleUnhealthy(pod: Pod, state: PodState, view: ContainerView): Promise<boolean> {
    const current = view.current!;
    const probes = state.probes.get(current.id);
    if (!probes?.results.unhealthy) return false;
    this.log?.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: view.spec.name, why: probes.results.unhealthy }, 'container unhealthy; killing it');
    const grace = view.spec.livenessProbe?.terminationGracePeriodSeconds ?? this.gracePeriod(pod);
    await this.stopContainer(pod, state, current.id, grace);
    return true;
  }

  /** After a failure: whether the back-off allows a restart now; records CrashLoopBackOff otherwise. */
  private restartDue(pod: Pod, state: PodState, view: ContainerView): boolean {
    const key = `${pod.metadata.uid}/${view.spec.name}`;
    const current = view.current!;
    // One back-off step per exited attempt: record it the first time this attempt is seen.
    if (state.backoffRecorded.get(view.spec.name) !== current.id) {
      state.backoffRecorded.set(view.spec.name, current.id);
      const delay = this.backoff.fail(key);
      state.waiting.set(view.spec.name, {
        reason: 'CrashLoopBackOff',
        message: `back-off ${goDuration(delay)} restarting failed container=${view.spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid})`,
      });
    }
    return this.backoff.remainingMs(key) === 0;
  }

  private gracePeriod(pod: Pod): number {
    return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  }

  private async ensureImage(pod: Pod, container: Container): Promise<string> {
    if (!container.image) throw new ContainerConfigError('container has no image');
    const image = normalizeImage(container.image);
    const policy = pullPolicy(container);
    const present = (await this.cri.call('ImageStatus', { image: { image } })).image?.id;
    if (policy === 'Never') {
      if (!present) throw new ImageError('ErrImageNeverPull', `Container image "${container.image}" is not present with pull policy of Never`);
      return image;
    }
    if (present && policy === 'IfNotPresent') return image;
    const key = `pull/${pod.metadata.uid}/${container.name}`;
    if (this.backoff.remainingMs(key) > 0) {
      if (present) return image;
      throw new ImageError('ImagePullBackOff', `Back-off pulling image "${container.image}"`);
    }
    try {
      const secrets = await Promise.all((pod.spec.imagePullSecrets ?? []).map((s) => this.options.resolver.secret(pod.metadata.namespace ?? 'default', s.name)));
      await this.cri.call('PullImage', { image: { image }, auth: authFor(image, secrets.filter((s) => !!s).map((s) => s!.data)) });
      this.backoff.forget(key);
      return image;
    } catch (error) {
      this.backoff.fail(key);
      // Offline nodes: an image that is here (imported from an archive) still runs when `Always` cannot pull it.
      if (present) {
        this.log?.warn({ image, err: error }, 'pull failed; using the image already present');
        return image;
      }
      throw new ImageError('ErrImagePull', `failed to pull image "${container.image}": ${(error as Error).message}`);
    }
  }

  private async startContainer(pod: Pod, state: PodState, sandbox: SandboxInfo, view: ContainerView, volumes: Map<string, PreparedVolume>, targetContainerId?: string): Promise<void> {
    const spec = view.spec;
    const uid = pod.metadata.uid!;
    const restartCount = view.current ? view.current.restartCount + 1 : 0;
    let stage = 'CreateContainerConfigError';
    try {
      const image = await this.ensureImage(pod, spec);
      const env = await containerEnvironment(pod, spec, sandbox.podIPs, this.options.node, this.options.resolver);
      const variables = Object.fromEntries(env.map((e) => [e.key, e.value]));
      const mounts = await containerMounts(spec, volumes, variables);
      if (!pod.spec.hostNetwork && !spec.volumeMounts?.some((m) => m.mountPath === '/etc/hosts')) {
        mounts.push({ containerPath: '/etc/hosts', hostPath: join(this.podDir(uid), 'etc-hosts'), readonly: false });
      }
      const terminationLog = this.terminationLogPath(uid, spec.name, restartCount);
      await mkdir(join(this.podDir(uid), 'containers', spec.name), { recursive: true });
      await writeFile(terminationLog, '');
      const config = containerConfig(pod, spec, {
        nodeName: this.options.node.nodeName,
        kind: view.kind,
        targetContainerId,
        image,
        restartCount,
        env,
        mounts,
        terminationMessageHostPath: terminationLog,
        terminationGracePeriodSeconds: pod.spec.terminationGracePeriodSeconds ?? 30,
      });
      stage = 'CreateContainerError';
      await mkdir(join(this.logDirectory(pod), spec.name), { recursive: true });
      const { containerId } = await this.cri.call('CreateContainer', { podSandboxId: sandbox.id, config, sandboxConfig: this.sandboxConfig(pod, sandbox.attempt) });
      stage = 'RunContainerError';
      await this.cri.call('StartContainer', { containerId });
      state.waiting.delete(spec.name);
      const podIP = pod.spec.hostNetwork ? this.options.node.hostIP : (sandbox.podIPs[0] ?? '127.0.0.1');
      if (spec.livenessProbe || spec.readinessProbe || spec.startupProbe) {
        state.probes.set(containerId, new ContainerProbes(this.cri, { containerId, container: spec, podIP }, () => this.options.onChange?.(uid)));
      }
      if (spec.lifecycle?.postStart) {
        const failure = await this.runHook(spec.lifecycle.postStart, containerId, spec, podIP, this.gracePeriod(pod));
        if (failure) {
          this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: spec.name, failure }, 'postStart hook failed; killing the container');
          await this.stopContainer(pod, state, containerId, this.gracePeriod(pod));
        }
      }
    } catch (error) {
      const reason = error instanceof ImageError ? error.reason : stage;
      state.waiting.set(spec.name, { reason, message: (error as Error).message });
      this.log?.warn({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, container: spec.name, reason, err: error }, 'could not start container');
    }
  }

  /** Runs a lifecycle hook; returns an error message on failure. */
  private async runHook(hook: LifecycleHandler, containerId: string, container: Container, podIP: string, timeoutSeconds: number): Promise<string | undefined> {
    if (hook.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(hook.sleep!.seconds, timeoutSeconds) * 1000));
      return undefined;
    }
    const outcome = await runProbe(this.cri, { exec: hook.exec, httpGet: hook.httpGet, tcpSocket: hook.tcpSocket, timeoutSeconds: Math.max(1, timeoutSeconds) }, { containerId, container, podIP });
    return outcome.success ? undefined : outcome.message || 'hook failed';
  }

  private async stopContainer(pod: Pod, state: PodState, containerId: string, graceSeconds: number): Promise<void> {
    state.probes.get(containerId)?.stop();
    state.probes.delete(containerId);
    await this.cri.call('StopContainer', { containerId, timeout: Math.max(0, Math.ceil(graceSeconds)) }, (graceSeconds + 30) * 1000).catch((error: unknown) => {
      if (!(error instanceof CriError && error.notFound)) throw error;
    });
  }

  /** Keeps the current and the previous attempt of each container (for `logs --previous`); removes older ones. */
  private async pruneAttempts(attempts: ContainerAttempt[], pod: Pod): Promise<void> {
    const byName = new Map<string, ContainerAttempt[]>();
    for (const attempt of attempts) byName.set(`${attempt.kind}/${attempt.name}`, [...(byName.get(`${attempt.kind}/${attempt.name}`) ?? []), attempt]);
    for (const list of byName.values()) {
      const old = list.sort((a, b) => b.restartCount - a.restartCount).slice(2).filter((a) => a.state !== 'CONTAINER_RUNNING');
      for (const attempt of old) {
        await this.cri.call('RemoveContainer', { containerId: attempt.id }).catch(() => {});
        await rm(this.terminationLogPath(pod.metadata.uid!, attempt.name, attempt.restartCount), { force: true });
      }
    }
  }

  // ---- stopping -----------------------------------------------------------------------------------------------

  /**
   * Stops the pod: preStop hooks, then SIGTERM and SIGKILL after the grace period (all containers at once,
   * sidecars after the others), then the sandbox. Containers stay (logs, status) until `remove`.
   */
  async kill(pod: Pod, gracePeriodSeconds?: number, why: 'deletion' | 'terminal' = 'deletion'): Promise<PodStatus> {
    const state = this.state(pod);
    state.killed = true;
    const grace = gracePeriodSeconds ?? this.gracePeriod(pod);
    const deadline = Date.now() + grace * 1000;
    const observed = await this.observe(pod, state);
    const running = [...observed.view.containers, ...observed.view.initContainers].filter((v) => v.current?.state === 'CONTAINER_RUNNING' || v.current?.state === 'CONTAINER_CREATED');
    const sidecars = running.filter((v) => v.kind === 'init');
    const stopAll = (views: ContainerView[]) =>
      Promise.all(
        views.map(async (view) => {
          const current = view.current!;
          const podIP = pod.spec.hostNetwork ? this.options.node.hostIP : (observed.view.podIPs[0] ?? '127.0.0.1');
          if (view.spec.lifecycle?.preStop && current.state === 'CONTAINER_RUNNING' && why === 'deletion') {
            await this.runHook(view.spec.lifecycle.preStop, current.id, view.spec, podIP, Math.max(0, (deadline - Date.now()) / 1000));
          }
          await this.stopContainer(pod, state, current.id, Math.max(0, (deadline - Date.now()) / 1000));
        }),
      );
    await stopAll(running.filter((v) => v.kind === 'regular'));
    await stopAll(sidecars);
    state.stopProbes();
    for (const sandbox of observed.sandboxes) await this.cri.call('StopPodSandbox', { podSandboxId: sandbox.id }).catch(() => {});
    for (const spec of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
      if (state.waiting.get(spec.name)?.reason === 'CrashLoopBackOff') state.waiting.delete(spec.name);
    }
    return podStatus((await this.observe(pod, state)).view);
  }

  /** Removes everything of a pod: sandboxes and containers, volumes and its folder, logs, cgroup folders. */
  async remove(uid: string): Promise<void> {
    const state = this.states.get(uid);
    state?.stopProbes();
    const { items } = await this.cri.call('ListPodSandbox', { filter: { labelSelector: { [labels.podUid]: uid } } });
    for (const sandbox of items) {
      await this.cri.call('StopPodSandbox', { podSandboxId: sandbox.id }).catch(() => {});
      await this.cri.call('RemovePodSandbox', { podSandboxId: sandbox.id }).catch(() => {});
    }
    const { containers } = await this.cri.call('ListContainers', { filter: { labelSelector: { [labels.podUid]: uid } } });
    for (const container of containers) await this.cri.call('RemoveContainer', { containerId: container.id }).catch(() => {});
    await (state?.volumes ?? new PodVolumes(this.podDir(uid), this.options.resolver, this.options.node)).teardown();
    const logsRoot = join(this.options.dataDir, 'agent', 'pod-logs');
    for (const name of await readdir(logsRoot).catch(() => [] as string[])) if (name.endsWith(`_${uid}`)) await rm(join(logsRoot, name), { recursive: true, force: true });
    await removePodCgroups(this.cgroupRoot, uid);
    this.backoff.forgetPrefix(`${uid}/`);
    this.backoff.forgetPrefix(`pull/${uid}/`);
    this.backoff.forget(`sandbox/${uid}`);
    this.states.delete(uid);
  }

  /**
   * Removes what belongs to no pod in `activeUids`: k2's sandboxes (with their containers), pod folders and
   * cgroup folders; and, for active pods, sandboxes that are not ready and not the newest.
   */
  async garbageCollect(activeUids: Set<string>): Promise<{ pods: string[]; staleSandboxes: number }> {
    const { items } = await this.cri.call('ListPodSandbox', { filter: { labelSelector: nodeSelector(this.options.node.nodeName) } });
    const orphanUids = new Set(items.map((s) => s.labels[labels.podUid]!).filter((uid) => uid && !activeUids.has(uid)));
    for (const uid of await readdir(join(this.options.dataDir, 'agent', 'pods')).catch(() => [] as string[])) if (!activeUids.has(uid)) orphanUids.add(uid);
    for (const uid of await podCgroupUids(this.cgroupRoot)) if (!activeUids.has(uid)) orphanUids.add(uid);
    for (const uid of orphanUids) await this.remove(uid);
    let staleSandboxes = 0;
    const byPod = new Map<string, typeof items>();
    for (const sandbox of items) {
      const uid = sandbox.labels[labels.podUid]!;
      if (activeUids.has(uid)) byPod.set(uid, [...(byPod.get(uid) ?? []), sandbox]);
    }
    for (const sandboxes of byPod.values()) {
      for (const stale of sandboxes.sort((a, b) => b.createdAt - a.createdAt).slice(1).filter((s) => s.state !== 'SANDBOX_READY')) {
        await this.cri.call('RemovePodSandbox', { podSandboxId: stale.id }).catch(() => {});
        staleSandboxes++;
      }
    }
    return { pods: [...orphanUids], staleSandboxes };
  }

  /** The uids of pods whose containers changed state since the last call (the kubelet's PLEG relist). */
  async relist(): Promise<string[]> {
    const { containers } = await this.cri.call('ListContainers', { filter: { labelSelector: nodeSelector(this.options.node.nodeName) } });
    const now = new Map(containers.map((c) => [c.id, `${c.state}/${c.labels[labels.podUid]}`]));
    const changed = new Set<string>();
    for (const [id, value] of now) if (this.lastRelist.get(id) !== value) changed.add(value.split('/')[1]!);
    for (const [id, value] of this.lastRelist) if (!now.has(id)) changed.add(value.split('/')[1]!);
    this.lastRelist = now;
    return [...changed].filter(Boolean);
  }

  /** exec/attach/port-forward endpoints of a pod on this node (for criStreamTarget). */
  streamEndpoints(pod: Pod): PodStreamEndpoints {
    const uid = pod.metadata.uid!;
    return {
      sandboxId: async () => {
        const { items } = await this.cri.call('ListPodSandbox', { filter: { labelSelector: { [labels.podUid]: uid }, state: { state: 'SANDBOX_READY' } } });
        if (!items[0]) throw new StreamTargetError(`pod ${pod.metadata.name} has no running sandbox on this node`, 400, 'BadRequest');
        return items[0].id;
      },
      containerId: async (name) => {
        const containerName = name || pod.spec.containers[0]?.name || '';
        const { containers } = await this.cri.call('ListContainers', {
          filter: { labelSelector: { [labels.podUid]: uid, [labels.containerName]: containerName }, state: { state: 'CONTAINER_RUNNING' } },
        });
        if (!containers[0]) {
          const known = [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])].some((c) => c.name === containerName);
          throw new StreamTargetError(
            known ? `container ${containerName} is not running` : `container ${containerName} is not valid for pod ${pod.metadata.name}`,
            400,
            'BadRequest',
          );
        }
        return containers[0].id;
      },
    };
  }

  /** The log file of a container's current (or previous) attempt, for `pods/log`. */
  async logPath(pod: Pod, containerName: string, previous = false): Promise<string | undefined> {
    const { containers } = await this.cri.call('ListContainers', { filter: { labelSelector: { [labels.podUid]: pod.metadata.uid!, [labels.containerName]: containerName } } });
    const attempts = await Promise.all(containers.map((c) => this.cri.call('ContainerStatus', { containerId: c.id }).then((r) => r.status!)));
    const sorted = attempts.sort((a, b) => Number(b.annotations[annotations.restartCount] ?? 0) - Number(a.annotations[annotations.restartCount] ?? 0));
    const chosen = sorted[previous ? 1 : 0];
    if (!chosen?.logPath) return undefined;
    return stat(chosen.logPath).then(
      () => chosen.logPath,
      () => undefined,
    );
  }

  /** Stops every probe worker (shutdown). Pods keep running. */
  close(): void {
    for (const state of this.states.values()) state.stopProbes();
  }
}

/** A failure to get the image: the container waits with `reason` (ErrImagePull, ImagePullBackOff, ErrImageNeverPull). */
class ImageError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}
