// The default-scheduler profile: kube-scheduler's default plugins in their order, and how they run
// for one pod — PreFilter, Filter (also with the pods nominated to a node by preemption), the
// weighted Score sum, and PreBind.
import type { ApiClient } from '../apiserver/client.ts';
import { Code, CycleState, maxNodeScore, Status, type FilterPlugin, type PreFilterResult, type ScorePlugin } from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { interPodAffinity, interPodAffinityScore } from './plugins/inter-pod-affinity.ts';
import { nodeAffinity, nodeAffinityScore, nodeName } from './plugins/node-affinity.ts';
import { nodePorts } from './plugins/node-ports.ts';
import { balancedAllocationScore, leastAllocatedScore, nodeResourcesFit } from './plugins/node-resources.ts';
import { podTopologySpread, podTopologySpreadScore } from './plugins/pod-topology-spread.ts';
import { nodeUnschedulable, taintToleration, taintTolerationScore } from './plugins/taint-toleration.ts';
import { VolumeBinding } from './plugins/volume-binding.ts';

/** Pods nominated to nodes (by preemption) that the filters must leave room for. */
export interface Nominator {
  nominatedPods(nodeName: string): Iterable<PodInfo> | undefined;
}

export interface PreFilterOutcome {
  status?: Status;
  /** Only these nodes (PreFilter narrowed them), with the plugins that did so. */
  nodeNames?: Set<string>;
  narrowedBy: string[];
}

export class Profile {
  readonly volumeBinding: VolumeBinding;
  readonly filters: FilterPlugin[];
  readonly scores: ScorePlugin[];

  constructor(client: ApiClient) {
    this.volumeBinding = new VolumeBinding(client);
    this.filters = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, this.volumeBinding, podTopologySpread, interPodAffinity];
    this.scores = [taintTolerationScore, nodeAffinityScore, leastAllocatedScore, podTopologySpreadScore, interPodAffinityScore, balancedAllocationScore];
  }

  preFilter(state: CycleState): PreFilterOutcome {
    const outcome: PreFilterOutcome = { narrowedBy: [] };
    for (const plugin of this.filters) {
      if (!plugin.preFilter) continue;
      const result: PreFilterResult | void = plugin.preFilter(state);
      if (!result) continue;
      if (result.status) {
        result.status.plugin = plugin.name;
        return { status: result.status, narrowedBy: [] };
      }
      if (result.skip) state.skipFilter.add(plugin.name);
      if (result.nodeNames) {
        outcome.nodeNames = outcome.nodeNames ? new Set([...outcome.nodeNames].filter((n) => result.nodeNames!.has(n))) : result.nodeNames;
        outcome.narrowedBy.push(plugin.name);
      }
    }
    return outcome;
  }

  /** Runs the filters in order; the first that rejects the node decides its status. */
  filter(state: CycleState, node: NodeInfo): Status | undefined {
    const active = (state.activeFilters ??= this.filters.filter((p) => !state.skipFilter.has(p.name)));
    for (let i = 0; i < active.length; i++) {
      const plugin = active[i]!;
      const status = plugin.filter(state, node);
      if (status && status.code !== Code.Success) {
        status.plugin = plugin.name;
        return status;
      }
    }
    return undefined;
  }

  /**
   * Filters as kube-scheduler's RunFilterPluginsWithNominatedPods: the pod must fit both with the
   * pods nominated to the node that are at least as important, and without them.
   */
  filterWithNominated(state: CycleState, node: NodeInfo, nominator: Nominator): Status | undefined {
    const nominated = nominator.nominatedPods(node.name);
    if (nominated) {
      let withNominated: NodeInfo | undefined;
      let stateWith: CycleState | undefined;
      for (const other of nominated) {
        if (other.uid === state.pod.uid || other.priority < state.pod.priority) continue;
        withNominated ??= node.clone();
        stateWith ??= state.clone();
        withNominated.addPod(other);
        for (const plugin of this.filters) plugin.addPod?.(stateWith, other, withNominated);
      }
      if (withNominated) {
        const status = this.filter(stateWith!, withNominated);
        if (status) return status;
      }
    }
    return this.filter(state, node);
  }

  /** The weighted sum of every score plugin's normalized scores, per node. */
  score(state: CycleState, nodes: NodeInfo[]): Float64Array {
    const totals = new Float64Array(nodes.length);
    const scores = new Float64Array(nodes.length);
    for (const plugin of this.scores) {
      if (plugin.preScore && !plugin.preScore(state, nodes)) continue;
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, nodes[i]!);
      plugin.normalize?.(state, scores, nodes);
      const weight = plugin.weight;
      for (let i = 0; i < nodes.length; i++) {
        const s = scores[i]!;
        totals[i] += (s > maxNodeScore ? maxNodeScore : s < 0 ? 0 : s) * weight;
      }
    }
    return totals;
  }

  async preBind(state: CycleState, nodeName: string): Promise<void> {
    await this.volumeBinding.preBind(state, nodeName);
  }
}

