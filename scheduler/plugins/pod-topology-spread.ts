// PodTopologySpread: DoNotSchedule constraints filter (skew of matching pods across topology
// domains may not exceed maxSkew), ScheduleAnyway constraints score; pods without constraints get
// the system defaults (hostname maxSkew 3, zone maxSkew 5) over the pods of their Services and
// controllers, as kube-scheduler's default profile does.
import { LabelSelector, labelSelectorFromObject } from '../../apiserver/registry/selectors.ts';
import { maxNodeScore, unresolvable, unschedulable, type ClusterLister, type CycleState, type FilterPlugin, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { nodeSelectorMapMatches } from '../node-selector.ts';
import type { PodInfo, SpreadConstraint } from '../pod-info.ts';
import { firstUntoleratedTaint, noScheduleOrExecute } from '../tolerations.ts';

type Json = Record<string, any>;

const hostnameKey = 'kubernetes.io/hostname';
const zoneKey = 'topology.kubernetes.io/zone';
const skewReason = "node(s) didn't match pod topology spread constraints";
const missingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)";

function countMatching(node: NodeInfo, namespace: string, selector: LabelSelector | undefined): number {
  if (!selector) return 0;
  let n = 0;
  for (const pod of node.pods) if (pod.namespace === namespace && !pod.terminating && selector.matches(pod.labels)) n++;
  return n;
}

/** Whether a node counts for a constraint under its nodeAffinityPolicy and nodeTaintsPolicy. */
function nodeCounts(pod: PodInfo, constraint: SpreadConstraint, node: NodeInfo): boolean {
  if (constraint.nodeAffinityPolicy === 'Honor') {
    if (!nodeSelectorMapMatches(pod.nodeSelector, node.labels)) return false;
    if (pod.requiredNodeAffinity && !pod.requiredNodeAffinity.matches(node)) return false;
  }
  if (constraint.nodeTaintsPolicy === 'Honor' && firstUntoleratedTaint(node.taints, pod.tolerations, noScheduleOrExecute)) return false;
  return true;
}

function hasAllKeys(node: NodeInfo, constraints: SpreadConstraint[]): boolean {
  for (const c of constraints) if (node.labels?.[c.topologyKey] === undefined) return false;
  return true;
}

class SpreadState {
  private mins: (number | undefined)[];

  constructor(
    readonly constraints: SpreadConstraint[],
    /** Per constraint: domain value → matching pods. */
    readonly counts: Map<string, number>[],
  ) {
    this.mins = constraints.map(() => undefined);
  }

  min(i: number): number {
    let min = this.mins[i];
    if (min === undefined) {
      const domains = this.counts[i]!;
      min = domains.size < this.constraints[i]!.minDomains ? 0 : Infinity;
      for (const n of domains.values()) if (n < min) min = n;
      if (min === Infinity) min = 0;
      this.mins[i] = min;
    }
    return min;
  }

  bump(i: number, value: string, delta: number): void {
    const domains = this.counts[i]!;
    if (!domains.has(value)) return; // not an eligible domain
    domains.set(value, domains.get(value)! + delta);
    this.mins[i] = undefined;
  }

  clone(): SpreadState {
    return new SpreadState(this.constraints, this.counts.map((m) => new Map(m)));
  }
}

const stateKey = 'PodTopologySpread';

export const podTopologySpread: FilterPlugin = {
  name: 'PodTopologySpread',
  preFilter(state) {
    const pod = state.pod;
    const constraints = pod.spreadConstraints.filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    if (!constraints.length) return { skip: true };
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of state.cluster.nodes()) {
      if (!hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        if (!nodeCounts(pod, c, node)) return;
        const value = node.labels![c.topologyKey]!;
        counts[i]!.set(value, (counts[i]!.get(value) ?? 0) + countMatching(node, pod.namespace, c.selector));
      });
    }
    state.write(stateKey, new SpreadState(constraints, counts));
    return undefined;
  },
  filter(state, node) {
    const spread = state.read<SpreadState>(stateKey)!;
    const pod = state.pod;
    for (let i = 0; i < spread.constraints.length; i++) {
      const c = spread.constraints[i]!;
      const value = node.labels?.[c.topologyKey];
      if (value === undefined) return unresolvable(missingLabelReason);
      const self = c.selector?.matches(pod.labels) ? 1 : 0;
      const skew = (spread.counts[i]!.get(value) ?? 0) + self - spread.min(i);
      if (skew > c.maxSkew) return unschedulable(skewReason);
    }
    return undefined;
  },
  addPod(state, pod, node) {
    adjust(state, pod, node, 1);
  },
  removePod(state, pod, node) {
    adjust(state, pod, node, -1);
  },
};

function adjust(state: CycleState, pod: PodInfo, node: NodeInfo, delta: number): void {
  const spread = state.read<SpreadState>(stateKey);
  if (!spread || pod.namespace !== state.pod.namespace || !hasAllKeys(node, spread.constraints)) return;
  spread.constraints.forEach((c, i) => {
    if (nodeCounts(state.pod, c, node) && c.selector?.matches(pod.labels)) spread.bump(i, node.labels![c.topologyKey]!, delta);
  });
}

/**
 * The selector of the Services, ReplicationControllers, ReplicaSets and StatefulSets that select
 * the pod, ANDed (helper.DefaultSelector); undefined when none does.
 */
export function defaultSpreadSelector(pod: PodInfo, cluster: ClusterLister): LabelSelector | undefined {
  const requirements: LabelSelector['requirements'] = [];
  const selects = (selector: LabelSelector | undefined) => selector && !selector.empty && selector.matches(pod.labels);
  for (const svc of cluster.list('', 'services', pod.namespace)) {
    const selector = (svc.spec as Json | undefined)?.selector as Record<string, string> | undefined;
    if (!selector || !Object.keys(selector).length) continue;
    const compiled = labelSelectorFromObject({ matchLabels: selector });
    if (selects(compiled)) requirements.push(...compiled!.requirements);
  }
  for (const rc of cluster.list('', 'replicationcontrollers', pod.namespace)) {
    const selector = (rc.spec as Json | undefined)?.selector as Record<string, string> | undefined;
    const compiled = selector && Object.keys(selector).length ? labelSelectorFromObject({ matchLabels: selector }) : undefined;
    if (selects(compiled)) requirements.push(...compiled!.requirements);
  }
  for (const [group, plural] of [['apps', 'replicasets'], ['apps', 'statefulsets']] as const) {
    for (const owner of cluster.list(group, plural, pod.namespace)) {
      let compiled: LabelSelector | undefined;
      try {
        compiled = labelSelectorFromObject((owner.spec as Json | undefined)?.selector);
      } catch {
        continue;
      }
      if (selects(compiled)) requirements.push(...compiled!.requirements);
    }
  }
  return requirements.length ? new LabelSelector(requirements) : undefined;
}

interface SpreadScoreState {
  constraints: SpreadConstraint[];
  requireAllTopologies: boolean;
  ignored: Set<string>;
  /** Per non-hostname constraint: domain value → matching pods. */
  pairCounts: (Map<string, number> | undefined)[];
  weights: number[];
}

const scoreKey = 'PodTopologySpreadScore';

export const podTopologySpreadScore: ScorePlugin = {
  name: 'PodTopologySpread',
  weight: 2,
  preScore(state, nodes) {
    const pod = state.pod;
    let constraints = pod.spreadConstraints.filter((c) => c.whenUnsatisfiable === 'ScheduleAnyway');
    const systemDefaulted = pod.spreadConstraints.length === 0;
    if (systemDefaulted) {
      const selector = defaultSpreadSelector(pod, state.cluster);
      if (!selector) return false;
      const base = { whenUnsatisfiable: 'ScheduleAnyway' as const, selector, minDomains: 1, nodeAffinityPolicy: 'Honor' as const, nodeTaintsPolicy: 'Ignore' as const };
      constraints = [
        { ...base, maxSkew: 3, topologyKey: hostnameKey },
        { ...base, maxSkew: 5, topologyKey: zoneKey },
      ];
    }
    if (!constraints.length || !nodes.length) return false;
    const requireAllTopologies = !systemDefaulted;
    const ignored = new Set<string>();
    const domains = constraints.map(() => new Set<string>());
    for (const node of nodes) {
      if (requireAllTopologies && !hasAllKeys(node, constraints)) {
        ignored.add(node.name);
        continue;
      }
      constraints.forEach((c, i) => {
        const value = node.labels?.[c.topologyKey];
        if (value !== undefined) domains[i]!.add(c.topologyKey === hostnameKey ? node.name : value);
      });
    }
    const pairCounts = constraints.map((c, i) => (c.topologyKey === hostnameKey ? undefined : new Map([...domains[i]!].map((v) => [v, 0]))));
    for (const node of state.cluster.nodes()) {
      if (requireAllTopologies && !hasAllKeys(node, constraints)) continue;
      constraints.forEach((c, i) => {
        const counts = pairCounts[i];
        const value = node.labels?.[c.topologyKey];
        if (!counts || value === undefined || !counts.has(value) || !nodeCounts(pod, c, node)) return;
        counts.set(value, counts.get(value)! + countMatching(node, pod.namespace, c.selector));
      });
    }
    const weights = domains.map((d) => Math.log(d.size + 2));
    state.write(scoreKey, { constraints, requireAllTopologies, ignored, pairCounts, weights } satisfies SpreadScoreState);
    return true;
  },
  score(state, node) {
    const s = state.read<SpreadScoreState>(scoreKey)!;
    if (s.ignored.has(node.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const value = node.labels?.[c.topologyKey];
      if (value === undefined) return;
      const count = c.topologyKey === hostnameKey ? countMatching(node, state.pod.namespace, c.selector) : s.pairCounts[i]!.get(value) ?? 0;
      score += count * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  },
  normalize(state, scores, nodes) {
    const s = state.read<SpreadScoreState>(scoreKey)!;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!.name)) continue;
      if (scores[i]! < min) min = scores[i]!;
      if (scores[i]! > max) max = scores[i]!;
    }
    for (let i = 0; i < scores.length; i++) {
      if (s.ignored.has(nodes[i]!.name)) scores[i] = 0;
      else scores[i] = max === 0 ? maxNodeScore : Math.floor((maxNodeScore * (max + min - scores[i]!)) / max);
    }
  },
};
