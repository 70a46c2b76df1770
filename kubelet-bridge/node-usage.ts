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

function memoryWorkingSetBytes(): number {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return field('MemTotal') - field('MemAvailable');
}

export interface NodeUsage {
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

export class NodeUsageSampler {
  private previous = cpuSample();
  private last?: NodeUsage;

  /** Usage since the previous sample; calls less than a second apart get the last result again. */
  sample(): NodeUsage | undefined {
    const now = cpuSample();
    const windowMs = now.at - this.previous.at;
    if (windowMs < 1000) return this.last;
    const nanoCores = Math.max(0, Math.round(((now.busyTicks - this.previous.busyTicks) / ticksPerSecond / (windowMs / 1000)) * 1e9));
    this.previous = now;
    return (this.last = {
      timestamp: new Date(now.at).toISOString().replace(/\.\d+Z$/, 'Z'),
      window: `${Math.max(1, Math.round(windowMs / 1000))}s`,
      usage: { cpu: `${nanoCores}n`, memory: `${Math.ceil(memoryWorkingSetBytes() / 1024)}Ki` },
    });
  }
}
