// Resource usage for `kubectl top` (metrics.k8s.io): CPU and memory working set per container from CRI container
// stats. CPU is a rate: the difference of two cumulative samples over the time between them (the runtime's own
// usage_nano_cores when there is no earlier sample yet).
import type { CriClient } from '../cri/client.ts';
import { labels, managedByValue, nodeSelector } from './cri-config.ts';

export interface ContainerUsage {
  name: string;
  /** The runtime's container id. */
  id: string;
  cpuNanoCores: number;
  memoryWorkingSetBytes: number;
  /** The runtime's own figures, for the Summary API (stats/summary) and the kubelet's resource metrics. */
  stats: {
    cpuAt: number;
    cpuCoreNanoSeconds: number;
    memoryAt: number;
    memoryUsageBytes?: number;
    memoryRssBytes?: number;
    pageFaults?: number;
    majorPageFaults?: number;
    /** The writable layer. */
    rootfsAt: number;
    rootfsUsedBytes?: number;
    rootfsInodesUsed?: number;
  };
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  /** When the samples were taken (ms since the epoch). */
  timestamp: number;
  /** The span the CPU rate covers (ms). */
  windowMs: number;
  containers: ContainerUsage[];
}

interface Sample {
  cpuNanoSeconds: number;
  at: number;
}

export class PodMetricsCollector {
  private readonly previous = new Map<string, Sample>();

  /** `nodeName`: only this node's containers (several nodes may share one runtime). */
  constructor(
    private readonly cri: CriClient,
    private readonly nodeName?: string,
  ) {}

  /** One sample of every running k2 container, grouped by pod. */
  async collect(): Promise<PodUsage[]> {
    const { stats } = await this.cri.call('ListContainerStats', { filter: { labelSelector: this.nodeName ? nodeSelector(this.nodeName) : { [labels.managedBy]: managedByValue } } });
    const pods = new Map<string, PodUsage>();
    const seen = new Set<string>();
    for (const stat of stats) {
      const attributes = stat.attributes;
      if (!attributes) continue;
      const uid = attributes.labels[labels.podUid];
      const name = attributes.labels[labels.containerName] ?? attributes.metadata?.name ?? '';
      if (!uid) continue;
      seen.add(attributes.id);
      const at = (stat.cpu?.timestamp ?? 0) / 1e6 || Date.now();
      const cumulative = stat.cpu?.usageCoreNanoSeconds?.value ?? 0;
      const before = this.previous.get(attributes.id);
      this.previous.set(attributes.id, { cpuNanoSeconds: cumulative, at });
      const windowMs = before ? at - before.at : 0;
      const cpuNanoCores = before && windowMs > 0 ? Math.max(0, ((cumulative - before.cpuNanoSeconds) / windowMs) * 1e3) : (stat.cpu?.usageNanoCores?.value ?? 0);
      const pod = pods.get(uid) ?? {
        namespace: attributes.labels[labels.podNamespace] ?? 'default',
        name: attributes.labels[labels.podName] ?? '',
        uid,
        timestamp: at,
        windowMs: windowMs || 0,
        containers: [],
      };
      const memory = stat.memory;
      const layer = stat.writableLayer;
      pod.containers.push({
        name,
        id: attributes.id,
        cpuNanoCores: Math.round(cpuNanoCores),
        memoryWorkingSetBytes: memory?.workingSetBytes?.value ?? 0,
        stats: {
          cpuAt: at,
          cpuCoreNanoSeconds: cumulative,
          memoryAt: (memory?.timestamp ?? 0) / 1e6 || at,
          memoryUsageBytes: memory?.usageBytes?.value,
          memoryRssBytes: memory?.rssBytes?.value,
          pageFaults: memory?.pageFaults?.value,
          majorPageFaults: memory?.majorPageFaults?.value,
          rootfsAt: (layer?.timestamp ?? 0) / 1e6 || at,
          rootfsUsedBytes: layer?.usedBytes?.value,
          rootfsInodesUsed: layer?.inodesUsed?.value,
        },
      });
      pods.set(uid, pod);
    }
    for (const id of this.previous.keys()) if (!seen.has(id)) this.previous.delete(id);
    return [...pods.values()];
  }
}

/** A PodMetrics item as metrics.k8s.io/v1beta1 serves it (`kubectl top pod` reads `usage.cpu`/`usage.memory`). */
export function podMetricsItem(usage: PodUsage): Record<string, unknown> {
  return {
    metadata: { name: usage.name, namespace: usage.namespace, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    timestamp: new Date(usage.timestamp).toISOString().replace(/\.\d+Z$/, 'Z'),
    window: `${Math.max(1, Math.round(usage.windowMs / 1000))}s`,
    containers: usage.containers.map((c) => ({ name: c.name, usage: { cpu: `${c.cpuNanoCores}n`, memory: `${Math.ceil(c.memoryWorkingSetBytes / 1024)}Ki` } })),
  };
}
