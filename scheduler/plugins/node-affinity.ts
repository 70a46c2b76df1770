// NodeName, and NodeAffinity (spec.nodeSelector plus required and preferred node affinity), with
// kube-scheduler's reasons. A required affinity pinned to node names (DaemonSet pods) lets PreFilter
// hand the scheduler just those nodes.
import { defaultNormalize, unresolvable, type FilterPlugin, type ScorePlugin } from '../framework.ts';
import { nodeSelectorMapMatches } from '../node-selector.ts';

const nodeNameReason = "node(s) didn't match the requested node name";
const affinityReason = "node(s) didn't match Pod's node affinity/selector";

export const nodeName: FilterPlugin = {
  name: 'NodeName',
  preFilter(state) {
    return { skip: !(state.pod.pod.spec as { nodeName?: string } | undefined)?.nodeName };
  },
  filter(state, node) {
    const wanted = (state.pod.pod.spec as { nodeName?: string } | undefined)?.nodeName;
    return wanted && wanted !== node.name ? unresolvable(nodeNameReason) : undefined;
  },
};

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  preFilter(state) {
    const pod = state.pod;
    if (!pod.nodeSelector && !pod.requiredNodeAffinity) return { skip: true };
    const pinned = pod.requiredNodeAffinity?.pinnedNodeNames();
    return pinned ? { nodeNames: pinned } : undefined;
  },
  filter(state, node) {
    const pod = state.pod;
    if (!nodeSelectorMapMatches(pod.nodeSelector, node.labels)) return unresolvable(affinityReason);
    if (pod.requiredNodeAffinity && !pod.requiredNodeAffinity.matches(node)) return unresolvable(affinityReason);
    return undefined;
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  preScore(state) {
    return state.pod.preferredNodeAffinity.length > 0;
  },
  score(state, node) {
    let total = 0;
    for (const preference of state.pod.preferredNodeAffinity) if (preference.selector.matches(node)) total += preference.weight;
    return total;
  },
  normalize(_state, scores) {
    defaultNormalize(scores, false);
  },
};
