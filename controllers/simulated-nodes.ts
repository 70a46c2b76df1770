// Simulated nodes, for scale tests only (like KWOK): `k2 server --simulated-nodes N` registers N
// Node objects with capacity, keeps their Leases renewed and their status posted, and plays the
// kubelet for the pods bound to them without running anything: a bound pod turns Running and Ready
// with a pod IP from the node's pod CIDR, and a Job's pod then completes (KWOK's pod-complete stage);
// a deleted one goes once its deletion starts. Never on by default.
import { randomFillSync } from 'node:crypto';
import type { ApiClient } from '../apiserver/client.ts';
import { cloneObject, deepEqual, microTimestamp, timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { cpuAndMemoryOf } from '../kubelet-bridge/pod/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';
import { nodeCondition, nodeLeaseNamespace } from './node-lifecycle.ts';

type Json = Record<string, any>;

export const simulatedNodeAnnotation = 'k2.io/simulated-node';

/** Pod CIDRs are /25s of 10.42.0.0/16 (126 pod IPs each, above the 110-pod default): 512 nodes. */
export const maxSimulatedNodes = 512;
const leaseRenewMs = 10_000;
const statusReportMs = 5 * 60_000;

export interface SimulatedNodeOptions {
  count: number;
  /** Node names are `<prefix><index>`, zero-padded. */
  prefix?: string;
  cpu?: string;
  memory?: string;
  pods?: string;
  /** Nodes are spread over this many zones (topology.kubernetes.io/zone). */
  zones?: number;
  /** The node monitor grace period: leases are renewed four times within it (at most every 10 s), as the kubelet does. */
  gracePeriodMs?: number;
  kubeletVersion?: string;
}

function podCidr(index: number): { cidr: string; base: [number, number] } {
  const third = index >> 1;
  const fourth = (index & 1) * 128;
  return { cidr: `10.42.${third}.${fourth}/25`, base: [third, fourth] };
}

/** Random bytes for container IDs, drawn from a pool refilled at once: every pod's status asks for 32. */
const randomPool = Buffer.alloc(4096);
let randomPoolUsed = randomPool.length;

function hex(length: number): string {
  const bytes = Math.ceil(length / 2);
  if (randomPoolUsed + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolUsed = 0;
  }
  const text = randomPool.toString('hex', randomPoolUsed, randomPoolUsed + bytes);
  randomPoolUsed += bytes;
  return text.length === length ? text : text.slice(0, length);
}

export class SimulatedNodes extends Controller {
  readonly name = 'simulated-nodes';
  readonly nodeNames: string[];
  private readonly index = new Map<string, number>();
  /** Pod IPs in use per node (last octet offsets). */
  private readonly usedIps = new Map<string, Set<number>>();
  private timers: NodeJS.Timeout[] = [];
  private renewing = false;

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly options: SimulatedNodeOptions,
  ) {
    super();
    if (!Number.isInteger(options.count) || options.count < 1 || options.count > maxSimulatedNodes) {
      throw new Error(`--simulated-nodes must be a whole number from 1 to ${maxSimulatedNodes}, not ${options.count}`);
    }
    this.workers = 16;
    const width = String(options.count - 1).length;
    this.nodeNames = Array.from({ length: options.count }, (_, i) => `${options.prefix ?? 'k2-sim-'}${String(i).padStart(width, '0')}`);
    this.nodeNames.forEach((name, i) => this.index.set(name, i));
  }

  setup(): void {
    this.informers.informer('', 'pods').addIndex('spec.nodeName', (pod) => ((pod.spec as Json | undefined)?.nodeName ? [(pod.spec as Json).nodeName] : []));
    const podChanged = (pod: KubeObject) => {
      const node = (pod.spec as Json | undefined)?.nodeName;
      if (node && this.index.has(node)) this.queue.add(objectKey(pod));
    };
    this.informers.informer('', 'pods').addHandlers({
      add: podChanged,
      update: (_old, pod) => podChanged(pod),
      delete: (pod) => this.releaseIp(pod),
    });
    this.informers.informer('', 'nodes').addHandlers({
      // The node lifecycle controller marked one of ours Unknown: post status again, as a kubelet would.
      update: (_old, node) => this.index.has(node.metadata.name!) && nodeCondition(node, 'Ready')?.status !== 'True' && this.queue.add(`node:${node.metadata.name}`),
    });
  }

  override start(log: Parameters<Controller['start']>[0]): void {
    super.start(log);
    void this.register().catch((error) => this.log.error({ err: error }, 'could not register simulated nodes'));
    const renew = setInterval(() => void this.renewLeases(), Math.min(leaseRenewMs, (this.options.gracePeriodMs ?? 40_000) / 4));
    const report = setInterval(() => this.nodeNames.forEach((n) => this.queue.add(`node:${n}`)), statusReportMs);
    for (const timer of [renew, report]) timer.unref?.();
    this.timers.push(renew, report);
  }

  override async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await super.stop();
  }

  private nodeObject(name: string): KubeObject {
    const i = this.index.get(name)!;
    const zones = this.options.zones ?? 3;
    const capacity = { cpu: this.options.cpu ?? '32', memory: this.options.memory ?? '256Gi', pods: this.options.pods ?? '110', 'ephemeral-storage': '500Gi' };
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64',
          'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'node.kubernetes.io/instance-type': 'k2-simulated',
          'topology.kubernetes.io/zone': `zone-${String.fromCharCode(97 + (i % zones))}`,
        },
        annotations: { [simulatedNodeAnnotation]: 'true', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: { podCIDR: podCidr(i).cidr, podCIDRs: [podCidr(i).cidr] },
      status: {
        capacity,
        allocatable: capacity,
        addresses: [
          { type: 'InternalIP', address: this.nodeIp(name) },
          { type: 'Hostname', address: name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          architecture: 'amd64',
          bootID: '',
          containerRuntimeVersion: 'simulated://0.0.0',
          kernelVersion: '',
          kubeProxyVersion: '',
          kubeletVersion: this.options.kubeletVersion ?? 'v1.33.0-k2-simulated',
          machineID: '',
          operatingSystem: 'linux',
          osImage: 'k2 simulated node',
          systemUUID: '',
        },
        conditions: this.conditions(),
      },
    };
  }

  /** Loopback addresses: nothing is ever sent to a simulated node, and if it were it stays on this host. */
  private nodeIp(name: string): string {
    const i = this.index.get(name)!;
    return `127.1.${i >> 8}.${(i & 255) + 1}`;
  }

  private conditions(before: Json[] = []): Json[] {
    const now = timestamp();
    const condition = (type: string, status: string, reason: string, message: string) => {
      const old = before.find((c) => c.type === type);
      return { type, status, lastHeartbeatTime: now, lastTransitionTime: old?.status === status ? old.lastTransitionTime : now, reason, message };
    };
    return [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
  }

  private async register(): Promise<void> {
    const nodes = this.client.resource('', 'nodes');
    await this.inParallel(this.nodeNames, async (name) => {
      const existing = this.informers.informer('', 'nodes').get(undefined, name);
      if (!existing) {
        try {
          await nodes.create(this.nodeObject(name));
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 409)) throw error;
        }
      } else {
        await this.postStatus(name);
      }
      await this.renewLease(name);
    });
    this.log.info({ nodes: this.nodeNames.length }, 'simulated nodes registered');
    // Pods bound to these nodes before a restart are picked up again.
    for (const name of this.nodeNames) for (const pod of this.podsOn(name)) this.queue.add(objectKey(pod));
  }

  private podsOn(node: string): KubeObject[] {
    return this.informers.informer('', 'pods').byIndex('spec.nodeName', node);
  }

  private async inParallel<T>(items: T[], fn: (item: T) => Promise<void>, concurrency = 16): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await fn(item);
        } catch (error) {
          this.log.warn({ err: error }, 'simulated node update failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  }

  private async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.inParallel(this.nodeNames, (name) => this.renewLease(name));
    } finally {
      this.renewing = false;
    }
  }

  private async renewLease(name: string): Promise<void> {
    const leases = this.client.resource('coordination.k8s.io', 'leases');
    const renewTime = microTimestamp();
    const current = this.informers.informer('coordination.k8s.io', 'leases').get(nodeLeaseNamespace, name);
    if (current) {
      await leases.modify(nodeLeaseNamespace, name, (lease) => {
        (lease.spec as Json).renewTime = renewTime;
        return lease;
      });
      return;
    }
    const node = this.informers.informer('', 'nodes').get(undefined, name);
    try {
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: nodeLeaseNamespace, ownerReferences: node ? [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }] : undefined },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
      });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 409)) throw error;
    }
  }

  private async postStatus(name: string): Promise<void> {
    await this.client.resource('', 'nodes').modify(undefined, name, (node) => {
      const status = (node.status ??= {}) as Json;
      const fresh = this.nodeObject(name).status as Json;
      status.conditions = this.conditions(status.conditions ?? []);
      status.capacity ??= fresh.capacity;
      status.allocatable ??= fresh.allocatable;
      status.addresses ??= fresh.addresses;
      status.nodeInfo ??= fresh.nodeInfo;
      return node;
    }, { subresource: 'status' });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith('node:')) {
      await this.postStatus(key.slice(5));
      return;
    }
    const { namespace, name } = splitKey(key);
    const pod = this.informers.informer('', 'pods').get(namespace, name);
    const nodeName = (pod?.spec as Json | undefined)?.nodeName as string | undefined;
    if (!pod || !nodeName || !this.index.has(nodeName)) return;
    const pods = this.client.resource('', 'pods');
    if (pod.metadata.deletionTimestamp) {
      // The containers "stop" at once: finish the graceful deletion, as the kubelet does.
      try {
        await pods.delete(namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      } catch (error) {
        if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
      }
      this.releaseIp(pod);
      return;
    }
    const status: Json = (pod.status as Json | undefined) ?? {};
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return;
    const ephemeralStarted = ((pod.spec as Json).ephemeralContainers ?? []).every((c: Json) => (status.ephemeralContainerStatuses ?? []).some((s: Json) => s.name === c.name));
    const running = status.phase === 'Running' && ((status.conditions ?? []) as Json[]).some((c) => c.type === 'Ready' && c.status === 'True');
    const node = this.informers.informer('', 'nodes').get(undefined, nodeName);
    if (node && nodeCondition(node, 'Ready')?.status !== 'True') return; // a lost node does not report
    if (running && runsToCompletion(pod)) {
      try {
        await pods.modify(namespace, name, (latest) => completedStatus(latest), { subresource: 'status', mutateCopies: true });
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 404)) throw error;
      }
      return;
    }
    const resized = ((pod.spec as Json).containers ?? []).some((c: Json) => !deepEqual((status.containerStatuses ?? []).find((s: Json) => s.name === c.name)?.resources, cpuAndMemoryOf(c)));
    if (running && ephemeralStarted && !resized) return;
    const podIp = (pod.spec as Json).hostNetwork ? this.nodeIp(nodeName) : status.podIP ?? this.allocateIp(pod, nodeName);
    try {
      // The status is built anew and the rest is kept: no copy of the whole pod is needed.
      await pods.modify(namespace, name, (latest) => this.runningStatus(latest, nodeName, podIp), { subresource: 'status', mutateCopies: true });
    } catch (error) {
      if (!status.podIP) this.releaseIp({ ...pod, status: { podIP: podIp } });
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }

  /** The status a kubelet reports for a pod whose containers all started and are ready (and Job pods next). */
  private runningStatus(pod: KubeObject, nodeName: string, podIp: string): KubeObject {
    const spec: Json = (pod.spec as Json | undefined) ?? {};
    const status = cloneObject((pod.status as Json | undefined) ?? {});
    const now = timestamp();
    const hostIp = this.nodeIp(nodeName);
    const previous: Json[] = status.conditions ?? [];
    const trueCondition = (type: string): Json => {
      const existing = previous.find((c) => c.type === type);
      if (!existing) return { type, status: 'True', lastProbeTime: null, lastTransitionTime: now };
      return existing.status === 'True' ? existing : { ...existing, status: 'True', lastTransitionTime: now };
    };
    // A kubelet lists its own conditions first, in this order, then keeps the others (the scheduler's PodScheduled).
    const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(trueCondition);
    for (const condition of previous) if (!conditions.some((c) => c.type === condition.type)) conditions.push(condition);
    const started = status.startTime ?? now;
    const containerStatus = (c: Json, init: boolean) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      containerID: `containerd://${hex(64)}`,
      ready: !init || c.restartPolicy === 'Always',
      started: !init || c.restartPolicy === 'Always',
      restartCount: 0,
      lastState: {},
      state: init && c.restartPolicy !== 'Always' ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: started } } : { running: { startedAt: started } },
    });
    Object.assign(status, {
      phase: 'Running',
      conditions,
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      podIP: podIp,
      podIPs: [{ ip: podIp }],
      startTime: started,
    });
    // Containers keep the status they were started with (their IDs); ephemeral ones added by `kubectl debug` start now.
    const statuses = (field: string, containers: Json[] | undefined, started: (c: Json) => Json) => {
      if (!containers?.length) return;
      const known: Json[] = status[field] ?? [];
      status[field] = containers.map((c) => known.find((s) => s.name === c.name) ?? started(c));
    };
    statuses('containerStatuses', spec.containers, (c) => containerStatus(c, false));
    // In-place resizes take effect at once: each container reports the cpu and memory of its spec.
    for (const [i, container] of ((spec.containers ?? []) as Json[]).entries()) {
      const resources = cpuAndMemoryOf(container);
      if (resources) status.containerStatuses[i] = { ...status.containerStatuses[i], resources };
      else delete status.containerStatuses[i].resources;
    }
    statuses('initContainerStatuses', spec.initContainers, (c) => containerStatus(c, true));
    statuses('ephemeralContainerStatuses', spec.ephemeralContainers, (c) => ({ ...containerStatus(c, false), ready: false, started: undefined }));
    return { ...pod, status };
  }

  private allocateIp(pod: KubeObject, nodeName: string): string {
    const { base } = podCidr(this.index.get(nodeName)!);
    let used = this.usedIps.get(nodeName);
    if (!used) {
      used = new Set();
      for (const other of this.podsOn(nodeName)) {
        const ip = (other.status as Json | undefined)?.podIP as string | undefined;
        if (ip?.startsWith(`10.42.${base[0]}.`)) used.add(Number(ip.split('.')[3]) - base[1]);
      }
      this.usedIps.set(nodeName, used);
    }
    for (let offset = 2; offset < 127; offset++) {
      if (used.has(offset)) continue;
      used.add(offset);
      return `10.42.${base[0]}.${base[1] + offset}`;
    }
    throw new Error(`simulated node ${nodeName} has no pod IPs left for ${pod.metadata.name}`);
  }

  private releaseIp(pod: KubeObject): void {
    const nodeName = (pod.spec as Json | undefined)?.nodeName as string | undefined;
    const ip = (pod.status as Json | undefined)?.podIP as string | undefined;
    if (!nodeName || !ip || !this.index.has(nodeName) || (pod.spec as Json | undefined)?.hostNetwork) return;
    const { base } = podCidr(this.index.get(nodeName)!);
    this.usedIps.get(nodeName)?.delete(Number(ip.split('.')[3]) - base[1]);
  }
}

/** A Job's pod that does not restart its containers: once running, its containers "exit 0". */
function runsToCompletion(pod: KubeObject): boolean {
  const owned = (pod.metadata.ownerReferences ?? []).some((ref) => ref.kind === 'Job' && ref.controller);
  return owned && (pod.spec as Json | undefined)?.restartPolicy !== 'Always';
}

/** The status a kubelet reports once every container of a running pod exited with 0. */
function completedStatus(pod: KubeObject): KubeObject {
  const status = cloneObject((pod.status as Json | undefined) ?? {});
  const now = timestamp();
  const exited = (s: Json): Json => ({ ...s, ready: false, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: s.state?.running?.startedAt ?? now, finishedAt: now, containerID: s.containerID } } });
  status.phase = 'Succeeded';
  status.containerStatuses = ((status.containerStatuses ?? []) as Json[]).map(exited);
  status.conditions = ((status.conditions ?? []) as Json[]).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady' || c.type === 'PodReadyToStartContainers' ? { ...c, status: 'False', lastTransitionTime: now, ...(c.type === 'PodReadyToStartContainers' ? {} : { reason: 'PodCompleted' }) } : c,
  );
  return { ...pod, status };
}
