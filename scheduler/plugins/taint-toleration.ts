// TaintToleration (NoSchedule/NoExecute taints must be tolerated; fewer untolerated
// PreferNoSchedule taints score higher) and NodeUnschedulable (cordoned nodes).
import { defaultNormalize, unresolvable, type FilterPlugin, type ScorePlugin } from '../framework.ts';
import { firstUntoleratedTaint, noScheduleOrExecute, nodeTaintKeys, toleratedBy } from '../tolerations.ts';

export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter(state, node) {
    if (!node.taints.length) return undefined;
    const taint = firstUntoleratedTaint(node.taints, state.pod.tolerations, noScheduleOrExecute);
    return taint ? unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`) : undefined;
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  preScore(_state, nodes) {
    // Without PreferNoSchedule taints every node scores the same: nothing to add.
    // Loops, not closures: this runs for every scheduling cycle over every feasible node.
    for (const node of nodes) for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule') return true;
    return false;
  },
  score(state, node) {
    let untolerated = 0;
    for (const taint of node.taints) if (taint.effect === 'PreferNoSchedule' && !toleratedBy(state.pod.tolerations, taint)) untolerated++;
    return untolerated;
  },
  normalize(_state, scores) {
    defaultNormalize(scores, true);
  },
};

const unschedulableTaint = { key: nodeTaintKeys.unschedulable, effect: 'NoSchedule' };

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(state, node) {
    if (!node.unschedulable || toleratedBy(state.pod.tolerations, unschedulableTaint)) return undefined;
    return unresolvable('node(s) were unschedulable');
  },
};
