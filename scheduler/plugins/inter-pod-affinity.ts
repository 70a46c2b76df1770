// InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, the required
// anti-affinity of pods already running, and the preferred terms of both for scoring — counted per
// topology domain (label key and value) in PreFilter, as kube-scheduler does.
import { unresolvable, unschedulable, type CycleState, type FilterPlugin, type ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { termMatches, type AffinityTerm, type NamespaceLabels, type PodInfo } from '../pod-info.ts';

const stateKey = 'InterPodAffinity';
const affinityReason = "node(s) didn't match pod affinity rules";
const antiAffinityReason = "node(s) didn't match pod anti-affinity rules";
const existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules";

/** Counts of matching pods per topology pair `key=value`. */
class TopologyCounts extends Map<string, number> {
  bump(key: string, value: string, delta: number): void {
    const pair = `${key}=${value}`;
    const n = (this.get(pair) ?? 0) + delta;
    if (n === 0) this.delete(pair);
    else this.set(pair, n);
  }

  of(key: string, value: string): number {
    return this.get(`${key}=${value}`) ?? 0;
  }
}

class AffinityState {
  constructor(
    readonly existingAntiAffinity: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly antiAffinity: TopologyCounts,
  ) {}

  clone(): AffinityState {
    return new AffinityState(new TopologyCounts(this.existingAntiAffinity), new TopologyCounts(this.affinity), new TopologyCounts(this.antiAffinity));
  }
}

function matchesAll(terms: AffinityTerm[], pod: PodInfo, namespaceLabels: NamespaceLabels): boolean {
  if (!terms.length) return false;
  for (const term of terms) if (!termMatches(term, pod, namespaceLabels)) return false;
  return true;
}

/** Adds (delta 1) or removes (-1) what `existing` on `node` contributes to the counts for `incoming`. */
function account(state: AffinityState, incoming: PodInfo, existing: PodInfo, node: NodeInfo, namespaceLabels: NamespaceLabels, delta: number): void {
  const labels = node.labels ?? {};
  for (const term of existing.requiredAntiAffinity) {
    const value = labels[term.topologyKey];
    if (value !== undefined && termMatches(term, incoming, namespaceLabels)) state.existingAntiAffinity.bump(term.topologyKey, value, delta);
  }
  if (incoming.requiredAffinity.length && matchesAll(incoming.requiredAffinity, existing, namespaceLabels)) {
    for (const term of incoming.requiredAffinity) {
      const value = labels[term.topologyKey];
      if (value !== undefined) state.affinity.bump(term.topologyKey, value, delta);
    }
  }
  for (const term of incoming.requiredAntiAffinity) {
    const value = labels[term.topologyKey];
    if (value !== undefined && termMatches(term, existing, namespaceLabels)) state.antiAffinity.bump(term.topologyKey, value, delta);
  }
}

export const interPodAffinity: FilterPlugin = {
  name: 'InterPodAffinity',
  preFilter(state) {
    const incoming = state.pod;
    const ownTerms = incoming.requiredAffinity.length + incoming.requiredAntiAffinity.length > 0;
    const counts = new AffinityState(new TopologyCounts(), new TopologyCounts(), new TopologyCounts());
    state.write(stateKey, counts);
    if (!ownTerms && !state.cluster.podsWithRequiredAntiAffinity()) return { skip: true };
    for (const node of state.cluster.nodes()) {
      if (!ownTerms && node.podsWithRequiredAntiAffinity === 0) continue;
      for (const existing of node.pods) {
        if (!ownTerms && !existing.requiredAntiAffinity.length) continue;
        account(counts, incoming, existing, node, state.cluster.namespaceLabels, 1);
      }
    }
    return { skip: !ownTerms && counts.existingAntiAffinity.size === 0 };
  },
  filter(state, node) {
    const counts = state.read<AffinityState>(stateKey)!;
    const incoming = state.pod;
    const labels = node.labels ?? {};
    if (incoming.requiredAffinity.length) {
      let podsExist = true;
      for (const term of incoming.requiredAffinity) {
        const value = labels[term.topologyKey];
        if (value === undefined) return unresolvable(affinityReason);
        if (counts.affinity.of(term.topologyKey, value) <= 0) podsExist = false;
      }
      // The first pod of a group that selects itself may go anywhere the topology keys exist.
      if (!podsExist && !(counts.affinity.size === 0 && matchesAll(incoming.requiredAffinity, incoming, state.cluster.namespaceLabels))) return unresolvable(affinityReason);
    }
    for (const term of incoming.requiredAntiAffinity) {
      const value = labels[term.topologyKey];
      if (value !== undefined && counts.antiAffinity.of(term.topologyKey, value) > 0) return unschedulable(antiAffinityReason);
    }
    if (counts.existingAntiAffinity.size) {
      for (const pair of counts.existingAntiAffinity.keys()) {
        const eq = pair.indexOf('=');
        if (labels[pair.slice(0, eq)] === pair.slice(eq + 1)) return unschedulable(existingAntiAffinityReason);
      }
    }
    return undefined;
  },
  addPod(state, pod, node) {
    const counts = state.read<AffinityState>(stateKey);
    if (counts) account(counts, state.pod, pod, node, state.cluster.namespaceLabels, 1);
  },
  removePod(state, pod, node) {
    const counts = state.read<AffinityState>(stateKey);
    if (counts) account(counts, state.pod, pod, node, state.cluster.namespaceLabels, -1);
  },
};

const scoreKey = 'InterPodAffinityScore';

/** The weight of an existing pod's required affinity towards the incoming pod (hardPodAffinityWeight). */
const hardPodAffinityWeight = 1;

export const interPodAffinityScore: ScorePlugin = {
  name: 'InterPodAffinity',
  weight: 2,
  preScore(state: CycleState, nodes: NodeInfo[]) {
    const incoming = state.pod;
    const ownPreferences = incoming.preferredAffinity.length + incoming.preferredAntiAffinity.length > 0;
    if (!ownPreferences && !state.cluster.podsWithAffinity()) return false;
    const scores = new TopologyCounts();
    const namespaceLabels = state.cluster.namespaceLabels;
    const add = (term: AffinityTerm, node: NodeInfo, weight: number) => {
      const value = node.labels?.[term.topologyKey];
      if (value !== undefined) scores.bump(term.topologyKey, value, weight);
    };
    for (const node of state.cluster.nodes()) {
      if (!ownPreferences && node.podsWithAffinity === 0) continue;
      for (const existing of node.pods) {
        for (const term of incoming.preferredAffinity) if (termMatches(term, existing, namespaceLabels)) add(term, node, term.weight);
        for (const term of incoming.preferredAntiAffinity) if (termMatches(term, existing, namespaceLabels)) add(term, node, -term.weight);
        if (!existing.hasAffinityTerms) continue;
        for (const term of existing.requiredAffinity) if (termMatches(term, incoming, namespaceLabels)) add(term, node, hardPodAffinityWeight);
        for (const term of existing.preferredAffinity) if (termMatches(term, incoming, namespaceLabels)) add(term, node, term.weight);
        for (const term of existing.preferredAntiAffinity) if (termMatches(term, incoming, namespaceLabels)) add(term, node, -term.weight);
      }
    }
    state.write(scoreKey, scores);
    return scores.size > 0 && nodes.length > 0;
  },
  score(state, node) {
    const scores = state.read<TopologyCounts>(scoreKey)!;
    let total = 0;
    for (const [pair, weight] of scores) {
      const eq = pair.indexOf('=');
      if (node.labels?.[pair.slice(0, eq)] === pair.slice(eq + 1)) total += weight;
    }
    return total;
  },
  normalize(_state, scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const range = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = range > 0 ? Math.floor((100 * (scores[i]! - min)) / range) : 0;
  },
};
