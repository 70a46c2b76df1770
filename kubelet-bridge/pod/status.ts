// PodStatus from what the runtime knows: each container's current and previous attempt (from CRI), the reasons
// the sync loop recorded (back-off, pull and config errors), probe results. Phase and conditions follow the
// kubelet's rules (getPhase, generateAPIPodStatus).
import type { ProbeResults } from './probes.ts';
import { cgroupSettings, cpuPeriodMicros, sameCgroupSettings, type AppliedResources } from './cri-config.ts';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from './types.ts';

/** Why a resize waits (PodResizePending): the node can never take it, or not until other pods free room. */
export interface ResizePending {
  reason: 'Infeasible' | 'Deferred';
  message: string;
}

export interface ContainerAttempt {
  id: string;
  name: string;
  kind: ContainerKind;
  restartCount: number;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
  /** Nanoseconds since the epoch, 0 when not reached. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  imageRef: string;
  /** The cgroup settings the runtime reports for the container (CRI ContainerStatus.resources.linux). */
  applied?: AppliedResources;
}


/** Init containers run first, regular ones for the pod's life, ephemeral ones once when `kubectl debug` adds them. */
export type ContainerKind = 'init' | 'regular' | 'ephemeral';

export interface ContainerView {
  spec: Container;
  kind: ContainerKind;
  current?: ContainerAttempt;
  previous?: ContainerAttempt;
  /** Why the container is not running although it should be (set by the sync loop). */
  waiting?: { reason: string; message?: string };
  probes?: ProbeResults;
}

export interface PodView {
  pod: Pod;
  sandboxReady: boolean;
  podIPs: string[];
  hostIP: string;
  startTime: string;
  initContainers: ContainerView[];
  containers: ContainerView[];
  ephemeralContainers: ContainerView[];
  /** Set when the pod was failed as a whole (e.g. DeadlineExceeded). */
  podFailure?: { reason: string; message: string };
  /** Why an in-place resize could not be applied to a running container (PodResizeInProgress, reason Error). */
  resizeError?: string;
  /** Why the pod's resize waits (PodResizePending: Infeasible or Deferred). */
  resizePending?: ResizePending;
}

/** RFC 3339 with whole seconds, as Kubernetes writes times. */
export function apiTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const nsToTime = (ns: number) => (ns > 0 ? apiTime(ns / 1e6) : undefined);

export function terminatedState(attempt: ContainerAttempt): ContainerState {
  const reason = attempt.reason && attempt.reason !== 'Completed' && attempt.reason !== 'Error' ? attempt.reason : attempt.exitCode === 0 ? 'Completed' : 'Error';
  return {
    terminated: {
      exitCode: attempt.exitCode,
      reason,
      ...(attempt.message ? { message: attempt.message } : {}),
      startedAt: nsToTime(attempt.startedAt) ?? nsToTime(attempt.createdAt),
      finishedAt: nsToTime(attempt.finishedAt),
      containerID: `containerd://${attempt.id}`,
    },
  };
}

function containerStatus(view: ContainerView, initializing: boolean): ContainerStatus {
  const { spec, current, previous } = view;
  const image = spec.image ?? '';
  const base = { name: spec.name, image, imageID: current?.imageRef ?? previous?.imageRef ?? '', restartCount: current?.restartCount ?? 0 };
  let state: ContainerState;
  let lastState: ContainerState = previous ? terminatedState(previous) : {};
  let running = false;
  if (view.waiting) {
    // A waiting container (back-off, pull or config errors) shows its last run as lastState.
    state = { waiting: { reason: view.waiting.reason, ...(view.waiting.message ? { message: view.waiting.message } : {}) } };
    if (current?.state === 'CONTAINER_EXITED') lastState = terminatedState(current);
  } else if (!current) {
    state = { waiting: { reason: view.kind === 'regular' && initializing ? 'PodInitializing' : 'ContainerCreating' } };
  } else if (current.state === 'CONTAINER_RUNNING') {
    state = { running: { startedAt: nsToTime(current.startedAt) } };
    running = true;
  } else if (current.state === 'CONTAINER_EXITED') {
    state = terminatedState(current);
  } else if (current.state === 'CONTAINER_CREATED') {
    state = { waiting: { reason: 'ContainerCreating' } };
  } else {
    state = { waiting: { reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } };
  }
  const started = running && (view.probes?.started ?? true);
  const ready = running && started && (view.probes?.ready ?? true);
  const resources = running ? appliedResources(spec, current!) : undefined;
  return {
    ...base,
    state,
    lastState,
    ready,
    ...(resources ? { resources } : {}),
    started,
    ...(current ? { containerID: `containerd://${current.id}` } : {}),
  };
}


/**
 * The cpu and memory a running container has, as the kubelet reports them since in-place resize: the spec's once
 * the runtime applies what they mean; while a resize waits (or cannot be done), what the runtime reports, read back
 * from the cgroup settings as the kubelet does (cpu request from the shares, limits from the quota and the memory
 * limit; the memory request, which sets no cgroup value, as the spec has it).
 */
export function appliedResources(spec: Container, current: Pick<ContainerAttempt, 'applied'>): ContainerStatus['resources'] {
  const wanted = cpuAndMemoryOf(spec);
  const applied = current.applied;
  if (!wanted || !applied || sameCgroupSettings(applied, cgroupSettings(spec))) return wanted;
  const actual = { cpuRequest: sharesToMilliCpu(applied.cpuShares), cpuLimit: applied.cpuQuota > 0 ? Math.floor((applied.cpuQuota * 1000) / cpuPeriodMicros) : 0, memoryLimit: Math.max(0, applied.memoryLimitInBytes) };
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (wanted.requests?.cpu !== undefined && actual.cpuRequest) requests.cpu = milliCpuQuantity(actual.cpuRequest);
  if (wanted.requests?.memory !== undefined) requests.memory = String(wanted.requests.memory);
  if (wanted.limits?.cpu !== undefined && actual.cpuLimit) limits.cpu = milliCpuQuantity(actual.cpuLimit);
  if (wanted.limits?.memory !== undefined && actual.memoryLimit) limits.memory = binaryQuantity(actual.memoryLimit);
  return { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
}

/** The kubelet's sharesToMilliCPU: the least millicores that give these shares. */
function sharesToMilliCpu(shares: number): number {
  return shares >= 2 ? Math.ceil((shares * 1000) / 1024) : 0;
}

function milliCpuQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a BinarySI quantity: 134217728 is 128Mi. */
function binaryQuantity(bytes: number): string {
  const suffixes = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
  let value = bytes;
  let suffix = '';
  for (const next of suffixes) {
    if (value === 0 || value % 1024 !== 0) break;
    value /= 1024;
    suffix = next;
  }
  return `${value}${suffix}`;
}

/** A container's cpu and memory requests and limits, as its status reports them; undefined when it has none. */
export function cpuAndMemoryOf(container: Pick<Container, 'resources'>): ContainerStatus['resources'] {
  const pick = (list: Record<string, string | number> | undefined) => Object.fromEntries(Object.entries(list ?? {}).filter(([name]) => name === 'cpu' || name === 'memory'));
  const requests = pick(container.resources?.requests);
  const limits = pick(container.resources?.limits);
  if (!Object.keys(requests).length && !Object.keys(limits).length) return undefined;
  return { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(requests).length ? { requests } : {}) };
}

/** The kubelet's pod phase rules. */
export function podPhase(pod: Pod, init: ContainerStatus[], regular: ContainerStatus[]): NonNullable<PodStatus['phase']> {
  const restartPolicy = pod.spec.restartPolicy ?? 'Always';
  const initSpecs = pod.spec.initContainers ?? [];
  let pendingInit = 0;
  let failedInit = false;
  init.forEach((status, i) => {
    const sidecar = initSpecs[i]?.restartPolicy === 'Always';
    if (sidecar) {
      if (!status.started) pendingInit++;
      return;
    }
    if (status.state.terminated?.exitCode === 0) return;
    pendingInit++;
    const exited = status.state.terminated ?? status.lastState.terminated;
    if (exited && exited.exitCode !== 0) failedInit = true;
  });
  if (pendingInit > 0) return failedInit && restartPolicy === 'Never' ? 'Failed' : 'Pending';
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const status of regular) {
    if (status.state.running) running++;
    else if (status.state.terminated) {
      stopped++;
      if (status.state.terminated.exitCode === 0) succeeded++;
    } else if (status.state.waiting) {
      if (status.lastState.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return restartPolicy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, previous: PodCondition[] | undefined, now: string, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
    ...(!ok && reason ? { reason } : {}),
    ...(!ok && message ? { message } : {}),
  };
}

/** What the node reports for the pod (the status subresource's content). */
export function podStatus(view: PodView, now = Date.now()): PodStatus {
  const { pod } = view;
  const initStatuses = view.initContainers.map((c) => containerStatus(c, true));
  const initDone = view.initContainers.every((c, i) =>
    c.spec.restartPolicy === 'Always' ? initStatuses[i]!.started : initStatuses[i]!.state.terminated?.exitCode === 0,
  );
  const containerStatuses = view.containers.map((c) => containerStatus(c, !initDone));
  let phase = podPhase(pod, initStatuses, containerStatuses);
  if (view.podFailure) phase = 'Failed';
  const time = apiTime(now);
  const previous = pod.status?.conditions;
  const notReady = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const containersReady = notReady.length === 0 && phase === 'Running';
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', view.sandboxReady, previous, time),
    condition('Initialized', initDone, previous, time, 'ContainersNotInitialized', `containers with incomplete status: [${view.initContainers.filter((_, i) => initStatuses[i]!.state.terminated?.exitCode !== 0).map((c) => c.spec.name).join(' ')}]`),
    condition('Ready', containersReady, previous, time, readyReason, readyMessage),
    condition('ContainersReady', containersReady, previous, time, readyReason, readyMessage),
    ...(previous ?? []).filter((c) => c.type === 'PodScheduled'),
    ...(view.resizePending ? [{ ...condition('PodResizePending', true, previous, time), reason: view.resizePending.reason, message: view.resizePending.message }] : []),
    ...(view.resizeError ? [{ ...condition('PodResizeInProgress', true, previous, time), reason: 'Error', message: view.resizeError }] : []),
  ];
  const podIP = pod.spec.hostNetwork ? view.hostIP : view.podIPs[0];
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    ...(podIP ? { podIP, podIPs: (pod.spec.hostNetwork ? [view.hostIP] : view.podIPs).map((ip) => ({ ip })) } : {}),
    startTime: view.startTime,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses,
    // Ephemeral containers never count towards readiness or the phase.
    ...(view.ephemeralContainers.length ? { ephemeralContainerStatuses: view.ephemeralContainers.map((c) => ({ ...containerStatus(c, false), ready: false })) } : {}),
    qosClass: qosClass(pod),
  };
  if (view.podFailure) {
    status.reason = view.podFailure.reason;
    status.message = view.podFailure.message;
  }
  return status;
}

/** Guaranteed when every container has equal cpu and memory requests and limits; BestEffort when none has any. */
export function qosClass(pod: Pod): NonNullable<PodStatus['qosClass']> {
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  let any = false;
  let guaranteed = true;
  for (const container of containers) {
    const requests = container.resources?.requests ?? {};
    const limits = container.resources?.limits ?? {};
    for (const resource of ['cpu', 'memory']) {
      const request = requests[resource] ?? limits[resource];
      if (request !== undefined || limits[resource] !== undefined) any = true;
      if (limits[resource] === undefined || String(request) !== String(limits[resource])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
