// The Node object a node agent keeps up to date, as the kubelet does: registration (labels, addresses, capacity
// and allocatable from the machine, nodeInfo, the kubelet endpoint), the conditions Ready / MemoryPressure /
// DiskPressure / PIDPressure, and the Lease in kube-node-lease renewed every 10 s. The node's status is written
// when a condition or fact changes, and at least every minute.
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { deepEqual, microTimestamp, timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { gitVersion } from '../apiserver/version.ts';
import { isConflict, isNotFound, type NodeApi } from './api/node-api.ts';
import type { MachineFacts } from './node-runtime.ts';

type Json = Record<string, any>;

export const nodeLeaseNamespace = 'kube-node-lease';
export const leaseDurationSeconds = 40;
export const leaseRenewMs = 10_000;
const statusReportMs = 60_000;
/** The kubelet's default hard eviction thresholds: memory.available < 100Mi, nodefs.available < 10%. */
const memoryPressureBytes = 100 * 2 ** 20;
const diskPressureFraction = 0.1;
const pidPressureFraction = 0.05;
export const maxPods = 110;

export interface NodeRegistration {
  nodeName: string;
  machine: MachineFacts;
  /** Where the node's own HTTPS endpoint (logs, exec, port-forward, stats) listens; 0 when it has none. */
  kubeletPort: number;
  /** The folder whose file system is the node's ephemeral storage. */
  dataDir: string;
  labels?: Record<string, string>;
}

/** Whatever makes the node NotReady, or undefined when it is ready. */
export type ReadinessCheck = () => Promise<string | undefined>;

/** A small /proc or /sys file, trimmed; empty when it cannot be read. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function memInfoBytes(field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readText('/proc/meminfo'));
  return match ? Number(match[1]) * 1024 : undefined;
}

interface Pressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
  storageBytes: number;
}

/** The highest pid the kernel hands out, and the tasks running now (what PID pressure and the Summary API's rlimit read). */
export function processCounts(): { pidMax: number; threads: number } {
  return {
    pidMax: Number(readText('/proc/sys/kernel/pid_max')) || 32768,
    threads: Number(/^(?:\S+\s+){3}\d+\/(\d+)/.exec(readText('/proc/loadavg'))?.[1] ?? 0),
  };
}

async function measurePressure(dataDir: string): Promise<Pressure> {
  const available = memInfoBytes('MemAvailable') ?? Infinity;
  const fs = await statfs(dataDir).catch(() => undefined);
  const disk = fs ? fs.bavail / fs.blocks < diskPressureFraction : false;
  const { pidMax, threads } = processCounts();
  return { memory: available < memoryPressureBytes, disk, pid: (pidMax - threads) / pidMax < pidPressureFraction, storageBytes: fs ? fs.blocks * fs.bsize : 0 };
}

function condition(type: string, status: boolean, reason: string, message: string, previous: Json[] | undefined, now: string): Json {
  const value = status ? 'True' : 'False';
  const before = previous?.find((c) => c.type === type);
  return { type, status: value, lastHeartbeatTime: now, lastTransitionTime: before?.status === value ? before.lastTransitionTime : now, reason, message };
}

/** The node's conditions, as the kubelet words them. */
export function nodeConditions(pressure: Pick<Pressure, 'memory' | 'disk' | 'pid'>, notReady: string | undefined, previous: Json[] | undefined, now = timestamp()): Json[] {
  return [
    condition('MemoryPressure', pressure.memory, pressure.memory ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', pressure.memory ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available', previous, now),
    condition('DiskPressure', pressure.disk, pressure.disk ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', pressure.disk ? 'kubelet has disk pressure' : 'kubelet has no disk pressure', previous, now),
    condition('PIDPressure', pressure.pid, pressure.pid ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID', pressure.pid ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available', previous, now),
    condition('Ready', !notReady, notReady ? 'KubeletNotReady' : 'KubeletReady', notReady ?? 'kubelet is posting ready status', previous, now),
  ];
}

/** The node's status apart from conditions: what the machine has and what runs it. */
export function nodeFacts(registration: NodeRegistration, storageBytes: number): Json {
  const { machine } = registration;
  const resources = {
    cpu: String(machine.cpuCores),
    'ephemeral-storage': `${Math.floor(storageBytes / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(machine.memoryBytes / 1024)}Ki`,
    pods: String(maxPods),
  };
  const machineId = readText('/etc/machine-id');
  return {
    capacity: resources,
    allocatable: { ...resources },
    addresses: [
      { type: 'InternalIP', address: machine.internalIP },
      { type: 'Hostname', address: machine.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: registration.kubeletPort } },
    nodeInfo: {
      machineID: machineId,
      systemUUID: readText('/sys/class/dmi/id/product_uuid') || machineId,
      bootID: readText('/proc/sys/kernel/random/boot_id'),
      kernelVersion: machine.kernelVersion,
      osImage: machine.osImage,
      containerRuntimeVersion: machine.containerRuntimeVersion,
      kubeletVersion: gitVersion,
      kubeProxyVersion: gitVersion,
      operatingSystem: 'linux',
      architecture: machine.architecture,
    },
  };
}

/** The labels every node carries (the kubelet's well-known ones) plus the agent's own. */
export function nodeLabels(registration: NodeRegistration): Record<string, string> {
  const arch = registration.machine.architecture;
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': registration.nodeName,
    'kubernetes.io/os': 'linux',
    ...registration.labels,
  };
}

/** Registers the node and keeps its status and Lease current. */
export class NodeStatusReporter {
  private timer?: NodeJS.Timeout;
  private lastReport = 0;
  private lastSent?: Json;
  private node?: KubeObject;
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly api: NodeApi,
    private readonly registration: NodeRegistration,
    private readonly readiness: ReadinessCheck,
    private readonly log: Logger,
  ) {}

  get nodeName(): string {
    return this.registration.nodeName;
  }

  /** Creates the Node (or takes over an existing one of the same name) and returns it. */
  async register(): Promise<KubeObject> {
    const nodes = this.api.resource('', 'nodes');
    const pressure = await measurePressure(this.registration.dataDir);
    const status = { ...nodeFacts(this.registration, pressure.storageBytes), conditions: nodeConditions(pressure, 'node agent is starting', undefined) };
    const existing = await nodes.find(undefined, this.nodeName);
    if (!existing) {
      try {
        this.node = await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.nodeName, labels: nodeLabels(this.registration), annotations: { 'node.alpha.kubernetes.io/ttl': '0' } }, spec: {}, status });
        this.log.info({ node: this.nodeName }, 'registered the node');
        return this.node;
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    // A node that was registered before (a restart): labels are merged, the status is refreshed.
    this.node = await nodes.modify(undefined, this.nodeName, (node) => {
      node.metadata.labels = { ...node.metadata.labels, ...nodeLabels(this.registration) };
      return node;
    });
    await this.report(true);
    return this.node!;
  }

  /** Waits until the node has a pod CIDR (the node IPAM controller assigns one), for up to `timeoutMs`. */
  async podCidr(timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const node = await this.api.resource('', 'nodes').find(undefined, this.nodeName);
      const cidr = (node?.spec as Json | undefined)?.podCIDR as string | undefined;
      if (cidr) return cidr;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Renews the Lease every 10 s and reports the status when it changes (or every minute). */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.ticking = this.heartbeat().catch((error: Error) => this.log.warn({ err: error }, 'node heartbeat failed'));
    };
    tick();
    this.timer = setInterval(tick, leaseRenewMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  /** Posts the status now if it changed (used when readiness changes between heartbeats). */
  async refresh(): Promise<void> {
    await this.report(false);
  }

  private async heartbeat(): Promise<void> {
    await this.renewLease();
    await this.report(false);
  }

  private async renewLease(): Promise<void> {
    const leases = this.api.resource('coordination.k8s.io', 'leases');
    const renewTime = microTimestamp();
    try {
      await leases.modify(nodeLeaseNamespace, this.nodeName, (lease) => {
        lease.spec = { ...(lease.spec as Json), holderIdentity: this.nodeName, leaseDurationSeconds, renewTime };
        return lease;
      });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const owner = this.node?.metadata.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: this.node.metadata.uid }] : undefined;
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.nodeName, namespace: nodeLeaseNamespace, ...(owner ? { ownerReferences: owner } : {}) },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds, renewTime },
      });
    }
  }

  private async report(force: boolean): Promise<void> {
    const pressure = await measurePressure(this.registration.dataDir);
    const notReady = await this.readiness();
    const facts = nodeFacts(this.registration, pressure.storageBytes);
    const summary = { facts, pressure: { memory: pressure.memory, disk: pressure.disk, pid: pressure.pid }, notReady };
    const due = Date.now() - this.lastReport >= statusReportMs;
    if (!force && !due && deepEqual(summary, this.lastSent)) return;
    this.node = await this.api.resource('', 'nodes').modify(
      undefined,
      this.nodeName,
      (node) => {
        const status = (node.status as Json | undefined) ?? {};
        node.status = { ...status, ...facts, conditions: [...nodeConditions(pressure, notReady, status.conditions), ...((status.conditions as Json[] | undefined) ?? []).filter((c) => !['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type))] };
        return node;
      },
      { subresource: 'status' },
    );
    this.lastSent = summary;
    this.lastReport = Date.now();
  }
}

/** The host name a node is called by default (lower case, as Kubernetes requires). */
export function defaultNodeName(): string {
  return hostname().toLowerCase();
}
