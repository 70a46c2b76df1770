// The node's own CPU and memory use for `kubectl top node` (metrics.k8s.io NodeMetrics): CPU is the rate of
// non-idle time between two samples of /proc/stat, memory the working set (total minus available, as the
// kubelet's summary reports for the root cgroup on a machine without swap).
import { readFileSync } from 'node:fs';

interface CpuSample {
  busyTicks: number;
  at: number;
}

/** Linux's USER_HZ: /proc/stat counts in 1/100 s. */
const ticksPerSecond = 100;

function cpuSample(): CpuSample {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [, ...fields] = line.trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
  const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0); // guest time is already in user time
  return { busyTicks: total - idle, at: Date.now() };
}

/** The node's memory as the Summary API reports it; the working set is what `kubectl top node` shows. */
export function nodeMemory(): { capacityBytes: number; workingSetBytes: number; usageBytes: number; rssBytes: number; pageFaults: number; majorPageFaults: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const vmstat = readFileSync('/proc/vmstat', 'utf8');
  const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(vmstat)?.[1] ?? 0);
  const capacityBytes = field('MemTotal');
  return {
    capacityBytes,
    workingSetBytes: capacityBytes - field('MemAvailable'),
    usageBytes: capacityBytes - field('MemFree'),
    rssBytes: field('AnonPages'),
    pageFaults: counter('pgfault'),
    majorPageFaults: counter('pgmajfault'),
  };
}

/** The node's CPU time so far (all cores), in nanoseconds. */
export function nodeCpuNanoSeconds(): number {
  return cpuSample().busyTicks * (1e9 / ticksPerSecond);
}

/** When the machine booted (ms since the epoch): the node's start time in the Summary API. */
export function bootTime(): number {
  return Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0) * 1000;
}

export interface NodeUsage {
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

export class NodeUsageSampler {
  private previous = cpuSample();
  private last?: NodeUsage;
  /** The CPU rate of the last sample (the Summary API's usageNanoCores). */
  nanoCores: number | undefined;

  /** Usage since the previous sample; calls less than a second apart get the last result again. */
  sample(): NodeUsage | undefined {
    const now = cpuSample();
    const windowMs = now.at - this.previous.at;
    if (windowMs < 1000) return this.last;
    const nanoCores = Math.max(0, Math.round(((now.busyTicks - this.previous.busyTicks) / ticksPerSecond / (windowMs / 1000)) * 1e9));
    this.previous = now;
    this.nanoCores = nanoCores;
    return (this.last = {
      timestamp: new Date(now.at).toISOString().replace(/\.\d+Z$/, 'Z'),
      window: `${Math.max(1, Math.round(windowMs / 1000))}s`,
      usage: { cpu: `${nanoCores}n`, memory: `${Math.ceil(nodeMemory().workingSetBytes / 1024)}Ki` },
    });
  }
}
