// The kubelet's Summary API (GET /stats/summary, stats/v1alpha1) and its metrics in the Prometheus text format (GET
// /metrics/resource, /metrics/cadvisor, /metrics), which the API server serves through `nodes/proxy`: what `kubectl
// get --raw /api/v1/nodes/<node>/proxy/stats/summary` and Prometheus' usual node scrape jobs read. The node's figures come
// from /proc and statfs of the kubelet's directory, the containers' from the runtime's CRI stats, networks from
// /proc/<pid>/net/dev, volumes from statfs and a count of their folders. Not reported: container logs and pods'
// ephemeral storage (the kubelet adds them; k2 does not measure them).
import { statfs } from 'node:fs/promises';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { goFloatText } from '../apiserver/tables/jsonpath.ts';
import { nodeNetwork, podNetwork } from './network-stats.ts';
import { processCounts, readText } from './node-status.ts';
import { bootTime, nodeCpuNanoSeconds, nodeMemory, type NodeUsageSampler } from './node-usage.ts';
import type { ContainerUsage, PodUsage } from './pod/metrics.ts';
import { bytes } from './pod/quantity.ts';
import { volumeUsage } from './volume-usage.ts';

type Json = Record<string, any>;

export interface SummarySource {
  nodeName: string;
  /** The kubelet's own directory: its filesystem is the node's `fs`. */
  dataDir: string;
  usage: NodeUsageSampler;
  /** The pods bound to the node, as the node has them. */
  pods(): KubeObject[];
  podUsage(): Promise<PodUsage[]>;
  /** The runtime's image filesystem (CRI ImageFsInfo). */
  imageFs(): Promise<{ mountpoint?: string; usedBytes?: number; inodesUsed?: number } | undefined>;
  /** A process in each pod's network namespace (its sandbox), by pod uid. */
  sandboxPids(): Promise<Map<string, number>>;
  /** The folders of a pod's volumes on the node, by volume name. */
  volumePaths(uid: string): Map<string, string>;
}

const time = (ms: number) => timestamp(new Date(ms));

/** A container's spec and status in its pod (regular or init). */
function containerOf(pod: KubeObject | undefined, name: string): { spec?: Json; status?: Json } {
  const spec = (pod?.spec as Json | undefined) ?? {};
  const status = (pod?.status as Json | undefined) ?? {};
  return {
    spec: [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c: Json) => c.name === name),
    status: [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((c: Json) => c.name === name),
  };
}

async function fsStats(path: string, at: number): Promise<Json | undefined> {
  const fs = await statfs(path).catch(() => undefined);
  if (!fs) return undefined;
  return {
    time: time(at),
    availableBytes: fs.bavail * fs.bsize,
    capacityBytes: fs.blocks * fs.bsize,
    usedBytes: (fs.blocks - fs.bfree) * fs.bsize,
    inodesFree: fs.ffree,
    inodes: fs.files,
    inodesUsed: fs.files - fs.ffree,
  };
}

function processLimits(at: number): Json {
  const { pidMax, threads } = processCounts();
  return { time: time(at), maxpid: pidMax, curproc: threads };
}

/** Present values only, as Go's omitempty leaves out nil pointers. */
function defined(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function containerStats(container: ContainerUsage, spec: Json | undefined, status: Json | undefined, podStart: string | undefined, imageFs: Json | undefined): Json {
  const { stats } = container;
  const limit = spec?.resources?.limits?.memory;
  const limitBytes = limit === undefined ? undefined : bytes(limit);
  return defined({
    name: container.name,
    startTime: status?.state?.running?.startedAt ?? podStart,
    cpu: { time: time(stats.cpuAt), usageNanoCores: container.cpuNanoCores, usageCoreNanoSeconds: stats.cpuCoreNanoSeconds },
    memory: defined({
      time: time(stats.memoryAt),
      availableBytes: limitBytes === undefined ? undefined : Math.max(0, limitBytes - container.memoryWorkingSetBytes),
      usageBytes: stats.memoryUsageBytes,
      workingSetBytes: container.memoryWorkingSetBytes,
      rssBytes: stats.memoryRssBytes,
      pageFaults: stats.pageFaults,
      majorPageFaults: stats.majorPageFaults,
    }),
    rootfs:
      stats.rootfsUsedBytes === undefined
        ? undefined
        : defined({
            time: time(stats.rootfsAt),
            availableBytes: imageFs?.availableBytes,
            capacityBytes: imageFs?.capacityBytes,
            usedBytes: stats.rootfsUsedBytes,
            inodesFree: imageFs?.inodesFree,
            inodes: imageFs?.inodes,
            inodesUsed: stats.rootfsInodesUsed,
          }),
  });
}

function sum(values: (number | undefined)[]): number | undefined {
  return values.some((v) => v === undefined) ? undefined : values.reduce<number>((total, v) => total + v!, 0);
}

/**
 * The pod's volumes the kubelet measures (not hostPath ones): their filesystem and what their folder holds, with the
 * claim of a PersistentVolumeClaim volume.
 */
async function volumeStats(pod: KubeObject | undefined, paths: Map<string, string>, at: string): Promise<Json[] | undefined> {
  const volumes = ((pod?.spec as Json | undefined)?.volumes ?? []) as Json[];
  const measured = await Promise.all(
    volumes.map(async (volume) => {
      const path = paths.get(volume.name);
      if (!path || volume.hostPath) return undefined;
      const usage = await volumeUsage(path);
      const claim = volume.persistentVolumeClaim?.claimName;
      return usage && { time: at, ...usage, name: volume.name, ...(claim ? { pvcRef: { name: claim, namespace: pod!.metadata.namespace } } : {}) };
    }),
  );
  const present = measured.filter((v) => v !== undefined);
  return present.length ? present : undefined;
}

function podStats(usage: PodUsage, pod: KubeObject | undefined, imageFs: Json | undefined, network: Json | undefined, volume: Json[] | undefined): Json {
  const status = (pod?.status as Json | undefined) ?? {};
  const containers = usage.containers.map((c) => {
    const { spec, status: containerStatus } = containerOf(pod, c.name);
    return containerStats(c, spec, containerStatus, status.startTime, imageFs);
  });
  const at = time(usage.timestamp);
  return defined({
    podRef: { name: usage.name, namespace: usage.namespace, uid: usage.uid },
    startTime: status.startTime,
    containers,
    cpu: { time: at, usageNanoCores: sum(usage.containers.map((c) => c.cpuNanoCores)), usageCoreNanoSeconds: sum(usage.containers.map((c) => c.stats.cpuCoreNanoSeconds)) },
    memory: defined({
      time: at,
      usageBytes: sum(usage.containers.map((c) => c.stats.memoryUsageBytes)),
      workingSetBytes: sum(usage.containers.map((c) => c.memoryWorkingSetBytes)),
      rssBytes: sum(usage.containers.map((c) => c.stats.memoryRssBytes)),
      pageFaults: sum(usage.containers.map((c) => c.stats.pageFaults)),
      majorPageFaults: sum(usage.containers.map((c) => c.stats.majorPageFaults)),
    }),
    network,
    volume,
  });
}

/** GET /stats/summary: the node, then every pod with running containers. */
export async function statsSummary(source: SummarySource): Promise<Json> {
  const now = Date.now();
  const [usage, imageFsUsage, nodeFs, pids, network] = await Promise.all([
    source.podUsage(),
    source.imageFs().catch(() => undefined),
    fsStats(source.dataDir, now),
    source.sandboxPids().catch(() => new Map<string, number>()),
    nodeNetwork(time(now)).catch(() => undefined),
  ]);
  const imageFsCapacity = (imageFsUsage?.mountpoint && (await fsStats(imageFsUsage.mountpoint, now))) || nodeFs;
  const imageFs = imageFsCapacity && defined({ ...imageFsCapacity, usedBytes: imageFsUsage?.usedBytes ?? imageFsCapacity.usedBytes, inodesUsed: imageFsUsage?.inodesUsed ?? imageFsCapacity.inodesUsed });
  source.usage.sample();
  const memory = nodeMemory();
  const pods = new Map(source.pods().map((pod) => [pod.metadata.uid, pod]));
  // A pod on the host's network has no network of its own to report.
  const podNetworkOf = async (uid: string) => {
    const pid = pids.get(uid);
    return pid && !(pods.get(uid)?.spec as Json | undefined)?.hostNetwork ? podNetwork(pid, time(now)) : undefined;
  };
  const measured = usage.filter((u) => u.containers.length);
  const networks = await Promise.all(measured.map((u) => podNetworkOf(u.uid)));
  const volumes = await Promise.all(measured.map((u) => volumeStats(pods.get(u.uid), source.volumePaths(u.uid), time(now))));
  return {
    node: defined({
      nodeName: source.nodeName,
      startTime: time(bootTime()),
      cpu: defined({ time: time(now), usageNanoCores: source.usage.nanoCores, usageCoreNanoSeconds: nodeCpuNanoSeconds() }),
      memory: {
        time: time(now),
        availableBytes: Math.max(0, memory.capacityBytes - memory.workingSetBytes),
        usageBytes: memory.usageBytes,
        workingSetBytes: memory.workingSetBytes,
        rssBytes: memory.rssBytes,
        pageFaults: memory.pageFaults,
        majorPageFaults: memory.majorPageFaults,
      },
      network,
      fs: nodeFs,
      runtime: imageFs ? { imageFs } : undefined,
      rlimit: processLimits(now),
    }),
    pods: measured.map((u, i) => podStats(u, pods.get(u.uid), imageFs, networks[i], volumes[i])),
  };
}

interface Family {
  name: string;
  /** With the stability level the kubelet's own metrics print first (`[STABLE] …`); cAdvisor's have none. */
  help: string;
  type: 'counter' | 'gauge';
  samples: { labels?: Record<string, string>; value: number; at?: string }[];
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The Prometheus text format, as client_golang writes it: families in the order given, labels as given (sorted). */
function prometheusText(families: Family[]): string {
  let text = '';
  for (const { name, help, type, samples } of families) {
    if (!samples.length) continue;
    text += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    for (const sample of samples) {
      const labels = sample.labels ? `{${Object.entries(sample.labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}` : '';
      text += `${name}${labels} ${goFloatText(sample.value)}${sample.at ? ` ${Date.parse(sample.at)}` : ''}\n`;
    }
  }
  return text;
}

/** GET /metrics/resource: the kubelet's STABLE resource metrics, in the Prometheus text format, from a summary. */
export function resourceMetricsText(summary: Json): string {
  const families: Family[] = [
    { name: 'container_cpu_usage_seconds_total', help: '[STABLE] Cumulative cpu time consumed by the container in core-seconds', type: 'counter', samples: [] },
    { name: 'container_memory_working_set_bytes', help: '[STABLE] Current working set of the container in bytes', type: 'gauge', samples: [] },
    { name: 'container_start_time_seconds', help: '[STABLE] Start time of the container since unix epoch in seconds', type: 'gauge', samples: [] },
    { name: 'node_cpu_usage_seconds_total', help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds', type: 'counter', samples: [] },
    { name: 'node_memory_working_set_bytes', help: '[STABLE] Current working set of the node in bytes', type: 'gauge', samples: [] },
    { name: 'pod_cpu_usage_seconds_total', help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds', type: 'counter', samples: [] },
    { name: 'pod_memory_working_set_bytes', help: '[STABLE] Current working set of the pod in bytes', type: 'gauge', samples: [] },
    { name: 'resource_scrape_error', help: '[STABLE] 1 if there was an error while getting container metrics, 0 otherwise', type: 'gauge', samples: [{ value: 0 }] },
  ];
  const family = (name: string) => families.find((f) => f.name === name)!.samples;
  const node = summary.node as Json;
  if (node.cpu?.usageCoreNanoSeconds !== undefined) family('node_cpu_usage_seconds_total').push({ value: node.cpu.usageCoreNanoSeconds / 1e9, at: node.cpu.time });
  if (node.memory?.workingSetBytes !== undefined) family('node_memory_working_set_bytes').push({ value: node.memory.workingSetBytes, at: node.memory.time });
  for (const pod of summary.pods as Json[]) {
    const { name, namespace } = pod.podRef as Json;
    for (const container of pod.containers as Json[]) {
      const labels = { container: container.name, namespace, pod: name };
      if (container.startTime) family('container_start_time_seconds').push({ labels, value: Date.parse(container.startTime) / 1000 });
      family('container_cpu_usage_seconds_total').push({ labels, value: container.cpu.usageCoreNanoSeconds / 1e9, at: container.cpu.time });
      family('container_memory_working_set_bytes').push({ labels, value: container.memory.workingSetBytes, at: container.memory.time });
    }
    if (pod.cpu?.usageCoreNanoSeconds !== undefined) family('pod_cpu_usage_seconds_total').push({ labels: { namespace, pod: name }, value: pod.cpu.usageCoreNanoSeconds / 1e9, at: pod.cpu.time });
    if (pod.memory?.workingSetBytes !== undefined) family('pod_memory_working_set_bytes').push({ labels: { namespace, pod: name }, value: pod.memory.workingSetBytes, at: pod.memory.time });
  }
  return prometheusText(families);
}

/** GET /metrics: the kubelet's own gauges of what runs on the node, and how full its pods' claims are. */
export async function kubeletMetricsText(source: SummarySource): Promise<string> {
  const summary = await statsSummary(source);
  const pods = summary.pods as Json[];
  const claims = pods.flatMap((pod) => ((pod.volume ?? []) as Json[]).filter((v) => v.pvcRef));
  const claimGauge = (name: string, help: string, field: string): Family => ({
    name: `kubelet_volume_stats_${name}`,
    help: `[ALPHA] ${help}`,
    type: 'gauge',
    samples: claims.map((v) => ({ labels: { namespace: v.pvcRef.namespace, persistentvolumeclaim: v.pvcRef.name }, value: v[field] })),
  });
  return prometheusText([
    { name: 'kubelet_node_name', help: "[ALPHA] The node's name. The count is always 1.", type: 'gauge', samples: [{ labels: { node: source.nodeName }, value: 1 }] },
    { name: 'kubelet_running_containers', help: '[ALPHA] Number of containers currently running', type: 'gauge', samples: [{ labels: { container_state: 'running' }, value: pods.reduce((n, p) => n + (p.containers as Json[]).length, 0) }] },
    { name: 'kubelet_running_pods', help: '[ALPHA] Number of pods that have a running pod sandbox', type: 'gauge', samples: [{ value: pods.length }] },
    claimGauge('available_bytes', 'Number of available bytes in the volume', 'availableBytes'),
    claimGauge('capacity_bytes', 'Capacity in bytes of the volume', 'capacityBytes'),
    claimGauge('inodes', 'Maximum number of inodes in the volume', 'inodes'),
    claimGauge('inodes_free', 'Number of free inodes in the volume', 'inodesFree'),
    claimGauge('inodes_used', 'Number of used inodes in the volume', 'inodesUsed'),
    claimGauge('used_bytes', 'Number of used bytes in the volume', 'usedBytes'),
  ]);
}

/**
 * GET /metrics/cadvisor: cAdvisor's container series that dashboards chart (cpu, memory, limits, start times), per
 * running container, labelled as the kubelet labels them; and the machine's cores and memory.
 */
export async function cadvisorMetricsText(source: SummarySource & { cgroupRoot: string; machine: { cpuCores: number; memoryBytes: number } }): Promise<string> {
  const usage = await source.podUsage();
  const pods = new Map(source.pods().map((pod) => [pod.metadata.uid, pod]));
  const family = (name: string, help: string, type: Family['type']): Family => ({ name, help, type, samples: [] });
  const cpu = family('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed in seconds.', 'counter');
  const rss = family('container_memory_rss', 'Size of RSS in bytes.', 'gauge');
  const memoryUsage = family('container_memory_usage_bytes', 'Current memory usage in bytes, including all memory regardless of when it was accessed', 'gauge');
  const workingSet = family('container_memory_working_set_bytes', 'Current working set in bytes.', 'gauge');
  const memoryLimit = family('container_spec_memory_limit_bytes', 'Memory limit for the container.', 'gauge');
  const started = family('container_start_time_seconds', 'Start time of the container since unix epoch in seconds.', 'gauge');
  for (const podUsage of usage) {
    const pod = pods.get(podUsage.uid);
    for (const container of podUsage.containers) {
      const { spec: containerSpec, status: containerStatus } = containerOf(pod, container.name);
      const id = `${source.cgroupRoot.replace(/\/+$/, '')}/pod${podUsage.uid}/${container.id}`;
      const labels = { container: container.name, id, image: containerStatus?.image ?? containerSpec?.image ?? '', name: container.id, namespace: podUsage.namespace, pod: podUsage.name };
      const { stats } = container;
      cpu.samples.push({ labels: { container: labels.container, cpu: 'total', id, image: labels.image, name: labels.name, namespace: labels.namespace, pod: labels.pod }, value: stats.cpuCoreNanoSeconds / 1e9, at: time(stats.cpuAt) });
      if (stats.memoryRssBytes !== undefined) rss.samples.push({ labels, value: stats.memoryRssBytes, at: time(stats.memoryAt) });
      if (stats.memoryUsageBytes !== undefined) memoryUsage.samples.push({ labels, value: stats.memoryUsageBytes, at: time(stats.memoryAt) });
      workingSet.samples.push({ labels, value: container.memoryWorkingSetBytes, at: time(stats.memoryAt) });
      const limit = containerSpec?.resources?.limits?.memory;
      memoryLimit.samples.push({ labels, value: limit === undefined ? 0 : bytes(limit) });
      const startedAt = containerStatus?.state?.running?.startedAt;
      if (startedAt) started.samples.push({ labels, value: Date.parse(startedAt) / 1000 });
    }
  }
  const machine = { boot_id: readText('/proc/sys/kernel/random/boot_id'), machine_id: readText('/etc/machine-id'), system_uuid: readText('/sys/class/dmi/id/product_uuid') };
  return prometheusText([
    cpu,
    rss,
    memoryUsage,
    workingSet,
    memoryLimit,
    started,
    { name: 'machine_cpu_cores', help: 'Number of logical CPU cores.', type: 'gauge', samples: [{ labels: machine, value: source.machine.cpuCores }] },
    { name: 'machine_memory_bytes', help: 'Amount of memory installed on the machine.', type: 'gauge', samples: [{ labels: machine, value: source.machine.memoryBytes }] },
  ]);
}
