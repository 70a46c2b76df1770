// DefaultPreemption: when a pod fits nowhere, find a node where evicting lower-priority pods makes
// room — the fewest and least important victims, PodDisruptionBudgets respected where possible —
// as kube-scheduler's PostFilter does. The scheduler then deletes the victims and nominates the node.
import { labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { Code, fitErrorMessage, unresolvable, type CycleState, type Diagnosis, type Status } from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import type { Nominator, Profile } from './profile.ts';

type Json = Record<string, any>;

export interface PreemptionOutcome {
  /** The node the pod is nominated to, with the pods to evict there. */
  node?: string;
  victims: PodInfo[];
  /** The PostFilter message for the FitError ("preemption: …"). */
  message?: string;
  /** Clear the pod's nominatedNodeName (no candidate at all). */
  clearNomination: boolean;
}

interface Candidate {
  node: string;
  victims: PodInfo[];
  pdbViolations: number;
}

function podStartTime(pod: PodInfo): number {
  const start = (pod.pod.status as Json | undefined)?.startTime ?? pod.pod.metadata.creationTimestamp;
  return start ? Date.parse(start as string) : Date.now();
}

/** More important first: higher priority, then the one running longer. */
function moreImportant(a: PodInfo, b: PodInfo): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return podStartTime(a) - podStartTime(b);
}

/** Whether the pod is already going because the scheduler preempted it. */
export function terminatingByPreemption(pod: KubeObject): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  const condition = ((pod.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === 'DisruptionTarget');
  return condition?.status === 'True' && condition.reason === 'PreemptionByScheduler';
}

export class DefaultPreemption {
  constructor(
    private readonly profile: Profile,
    private readonly nominator: Nominator,
  ) {}

  preempt(state: CycleState, diagnosis: Diagnosis, nodes: NodeInfo[], pdbs: KubeObject[]): PreemptionOutcome {
    const pod = state.pod;
    if (pod.preemptionPolicy === 'Never') return { victims: [], message: 'preemption: not eligible due to preemptionPolicy=Never.', clearNomination: false };
    const nominatedName = (pod.pod.status as Json | undefined)?.nominatedNodeName as string | undefined;
    if (nominatedName && diagnosis.nodeStatuses.get(nominatedName)?.code !== Code.UnschedulableAndUnresolvable) {
      const nominatedNode = nodes.find((n) => n.name === nominatedName);
      if (nominatedNode?.pods.some((p) => p.priority < pod.priority && terminatingByPreemption(p.pod))) {
        return { victims: [], message: 'preemption: not eligible due to a terminating pod on the nominated node.', clearNomination: false };
      }
    }
    const statuses = new Map<string, Status>();
    const candidates: Candidate[] = [];
    for (const node of nodes) {
      if (diagnosis.nodeStatuses.get(node.name)?.code !== Code.Unschedulable) continue;
      const result = this.selectVictims(state, node, pdbs);
      if ('status' in result) statuses.set(node.name, result.status);
      else candidates.push(result);
    }
    if (!candidates.length) {
      const message = fitErrorMessage(nodes.length, { nodeStatuses: statuses, absentStatus: unresolvable('Preemption is not helpful for scheduling'), unschedulablePlugins: new Set() });
      return { victims: [], message: `preemption: ${message}`, clearNomination: true };
    }
    const best = pickCandidate(candidates);
    return { node: best.node, victims: best.victims, clearNomination: false };
  }

  /** The fewest victims on `node` that make room for the pod (SelectVictimsOnNode). */
  private selectVictims(state: CycleState, node: NodeInfo, pdbs: KubeObject[]): Candidate | { status: Status } {
    const pod = state.pod;
    const potential = node.pods.filter((p) => p.priority < pod.priority);
    if (!potential.length) return { status: unresolvable('No preemption victims found for incoming pod') };
    const what = node.clone();
    const whatState = state.clone();
    const remove = (p: PodInfo) => {
      what.removePod(p.uid);
      for (const plugin of this.profile.filters) plugin.removePod?.(whatState, p, what);
    };
    const add = (p: PodInfo) => {
      what.addPod(p);
      for (const plugin of this.profile.filters) plugin.addPod?.(whatState, p, what);
    };
    for (const p of potential) remove(p);
    const fits = () => !this.profile.filterWithNominated(whatState, what, this.nominator);
    const status = this.profile.filterWithNominated(whatState, what, this.nominator);
    if (status) return { status };
    potential.sort(moreImportant);
    const { violating, nonViolating } = splitByDisruptionBudgets(potential, pdbs);
    const victims: PodInfo[] = [];
    let pdbViolations = 0;
    const reprieve = (p: PodInfo): boolean => {
      add(p);
      if (fits()) return true;
      remove(p);
      victims.push(p);
      return false;
    };
    for (const p of violating) if (!reprieve(p)) pdbViolations++;
    for (const p of nonViolating) reprieve(p);
    if (!victims.length) return { status: unresolvable('No preemption victims found for incoming pod') };
    victims.sort(moreImportant);
    return { node: node.name, victims, pdbViolations };
  }
}

/** Victims whose eviction would break a PodDisruptionBudget, and the others (stable order). */
function splitByDisruptionBudgets(pods: PodInfo[], pdbs: KubeObject[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((pdb) => Number((pdb.status as Json | undefined)?.disruptionsAllowed ?? 0));
  const selectors = pdbs.map((pdb) => {
    try {
      return labelSelectorFromObject((pdb.spec as Json | undefined)?.selector);
    } catch {
      return undefined;
    }
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pod of pods) {
    let violated = false;
    if (Object.keys(pod.labels).length) {
      pdbs.forEach((pdb, i) => {
        const selector = selectors[i];
        if (pdb.metadata.namespace !== pod.namespace || !selector || selector.empty || !selector.matches(pod.labels)) return;
        if ((pdb.status as Json | undefined)?.disruptedPods?.[pod.name]) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

/** kube-scheduler's tie-breaks: fewest PDB violations, lowest top victim priority, lowest priority sum, fewest victims, latest start. */
function pickCandidate(candidates: Candidate[]): Candidate {
  const criteria: ((c: Candidate) => number)[] = [
    (c) => -c.pdbViolations,
    (c) => -c.victims[0]!.priority,
    (c) => -c.victims.reduce((sum, v) => sum + v.priority + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => Math.min(...c.victims.filter((v) => v.priority === c.victims[0]!.priority).map(podStartTime)),
  ];
  let remaining = candidates;
  for (const score of criteria) {
    let best = -Infinity;
    let selected: Candidate[] = [];
    for (const c of remaining) {
      const s = score(c);
      if (s > best) {
        best = s;
        selected = [c];
      } else if (s === best) selected.push(c);
    }
    if (selected.length === 1) return selected[0]!;
    remaining = selected;
  }
  return remaining[0]!;
}
