// NodeResourcesFit (requests against allocatable, pod count included), its LeastAllocated score,
// and NodeResourcesBalancedAllocation — kube-scheduler's default resource plugins.
import { Code, Status, type CycleState, type FilterPlugin, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';

/** The reasons a pod does not fit a node's remaining resources, in kube-scheduler's words. */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const reasons: string[] = [];
  if (node.pods.length + 1 > node.allocatable.pods) reasons.push('Too many pods');
  const want = pod.requests;
  if (!want.milliCpu && !want.memory && !want.ephemeralStorage && !want.scalars?.size) return reasons;
  const have = node.allocatable;
  const used = node.requested;
  if (want.milliCpu > 0 && want.milliCpu > have.milliCpu - used.milliCpu) reasons.push('Insufficient cpu');
  if (want.memory > 0 && want.memory > have.memory - used.memory) reasons.push('Insufficient memory');
  if (want.ephemeralStorage > 0 && want.ephemeralStorage > have.ephemeralStorage - used.ephemeralStorage) reasons.push('Insufficient ephemeral-storage');
  if (want.scalars) {
    for (const [name, quantity] of want.scalars) {
      if (quantity > 0 && quantity > (have.scalars?.get(name) ?? 0) - (used.scalars?.get(name) ?? 0)) reasons.push(`Insufficient ${name}`);
    }
  }
  return reasons;
}

/** Whether the pod fits, without building reasons (the common case on the hot path). */
function fits(pod: PodInfo, node: NodeInfo): boolean {
  if (node.pods.length + 1 > node.allocatable.pods) return false;
  const want = pod.requests;
  const have = node.allocatable;
  const used = node.requested;
  if (want.milliCpu > 0 && want.milliCpu > have.milliCpu - used.milliCpu) return false;
  if (want.memory > 0 && want.memory > have.memory - used.memory) return false;
  if (want.ephemeralStorage > 0 && want.ephemeralStorage > have.ephemeralStorage - used.ephemeralStorage) return false;
  if (want.scalars) for (const [name, quantity] of want.scalars) if (quantity > 0 && quantity > (have.scalars?.get(name) ?? 0) - (used.scalars?.get(name) ?? 0)) return false;
  return true;
}

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(state, node) {
    if (fits(state.pod, node)) return undefined;
    return new Status(Code.Unschedulable, insufficientResources(state.pod, node));
  },
};

function leastAllocated(requested: number, allocatable: number): number {
  if (allocatable === 0 || requested > allocatable) return 0;
  return ((allocatable - requested) * 100) / allocatable;
}

/** LeastAllocated: prefer nodes with more free CPU and memory (equal weights). */
export const leastAllocatedScore: ScorePlugin = {
  name: 'NodeResourcesFit',
  weight: 1,
  score(state: CycleState, node: NodeInfo) {
    // Scoring counts the scheduler's defaults for containers that request nothing.
    const cpu = leastAllocated(node.nonZeroMilliCpu + state.pod.nonZeroMilliCpu, node.allocatable.milliCpu);
    const memory = leastAllocated(node.nonZeroMemory + state.pod.nonZeroMemory, node.allocatable.memory);
    return Math.floor((cpu + memory) / 2);
  },
};

/** BalancedAllocation: prefer nodes where CPU and memory would be used in similar proportions. */
export const balancedAllocationScore: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  weight: 1,
  score(state: CycleState, node: NodeInfo) {
    const pod = state.pod;
    const allocatable = node.allocatable;
    const cpu = allocatable.milliCpu ? Math.min(1, (node.nonZeroMilliCpu + pod.nonZeroMilliCpu) / allocatable.milliCpu) : 1;
    const memory = allocatable.memory ? Math.min(1, (node.nonZeroMemory + pod.nonZeroMemory) / allocatable.memory) : 1;
    // The standard deviation of two fractions is half their distance.
    const deviation = Math.abs(cpu - memory) / 2;
    return Math.floor((1 - deviation) * 100);
  },
};
