// The scheduling framework's shapes: plugin interfaces (PreFilter/Filter/Score with the PreFilter
// extensions preemption needs), statuses with kube-scheduler's codes, the per-attempt cycle state,
// and the FitError message ("0/3 nodes are available: …") built from a diagnosis.
import type { KubeObject } from '../apiserver/registry/types.ts';
import type { NodeInfo } from './node-info.ts';
import type { NamespaceLabels, PodInfo } from './pod-info.ts';

export const Code = {
  Success: 0,
  /** The node may fit after preemption. */
  Unschedulable: 1,
  /** Preemption cannot help on this node. */
  UnschedulableAndUnresolvable: 2,
  Error: 3,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export class Status {
  plugin = '';
  constructor(
    readonly code: Code,
    readonly reasons: string[],
  ) {}

  get rejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  message(): string {
    return this.reasons.join(', ');
  }
}

export const unschedulable = (...reasons: string[]) => new Status(Code.Unschedulable, reasons);
export const unresolvable = (...reasons: string[]) => new Status(Code.UnschedulableAndUnresolvable, reasons);

/** What plugins read about the cluster besides nodes (claims, volumes, services, namespaces). */
export interface ClusterLister {
  nodes(): NodeInfo[];
  /** Bound or assumed pods with any affinity term, and with required anti-affinity, cluster-wide. */
  podsWithAffinity(): number;
  podsWithRequiredAntiAffinity(): number;
  node(name: string): NodeInfo | undefined;
  namespaceLabels: NamespaceLabels;
  get(group: string, plural: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(group: string, plural: string, namespace?: string): Iterable<KubeObject>;
}

/** One scheduling attempt of one pod: plugins keep their PreFilter/PreScore results here. */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose Filter has nothing to check for this pod. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();
  /** The filters to run for this pod (those PreFilter did not skip), computed once. */
  activeFilters: FilterPlugin[] | undefined;

  constructor(
    readonly pod: PodInfo,
    readonly cluster: ClusterLister,
  ) {}

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /** A copy whose plugin states can be changed (preemption's what-if): states with `clone()` are cloned. */
  clone(): CycleState {
    const copy = new CycleState(this.pod, this.cluster);
    for (const [key, value] of this.data) copy.data.set(key, (value as { clone?: () => unknown })?.clone ? (value as { clone: () => unknown }).clone() : value);
    for (const name of this.skipFilter) copy.skipFilter.add(name);
    for (const name of this.skipScore) copy.skipScore.add(name);
    copy.activeFilters = this.activeFilters;
    return copy;
  }
}

export interface PreFilterResult {
  /** The pod cannot go anywhere: every node gets this status. */
  status?: Status;
  /** Only these nodes can fit (e.g. node affinity pinned to names). */
  nodeNames?: Set<string>;
  /** Filter has nothing to check for this pod. */
  skip?: boolean;
}

export interface FilterPlugin {
  readonly name: string;
  preFilter?(state: CycleState): PreFilterResult | void;
  filter(state: CycleState, node: NodeInfo): Status | undefined;
  /** PreFilter extensions: keep the PreFilter state right when `pod` is added to or removed from `node` (what-if). */
  addPod?(state: CycleState, pod: PodInfo, node: NodeInfo): void;
  removePod?(state: CycleState, pod: PodInfo, node: NodeInfo): void;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** Returns false when the plugin has nothing to say for this pod (its scores are skipped). */
  preScore?(state: CycleState, nodes: NodeInfo[]): boolean;
  score(state: CycleState, node: NodeInfo): number;
  /** Maps the raw scores (of `nodes`, in order) onto 0…100 in place. */
  normalize?(state: CycleState, scores: Float64Array, nodes: NodeInfo[]): void;
}

export const maxNodeScore = 100;

/** Scales scores so the highest is 100 (or reversed: the lowest is 100), as DefaultNormalizeScore. */
export function defaultNormalize(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxNodeScore);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = (maxNodeScore * scores[i]!) / max;
    scores[i] = reverse ? maxNodeScore - s : s;
  }
}

/** Why a pod fits nowhere: per-node statuses, or one PreFilter message for all. */
export interface Diagnosis {
  nodeStatuses: Map<string, Status>;
  preFilterMessage?: string;
  /** Status of nodes PreFilter ruled out without looking at them. */
  absentStatus?: Status;
  unschedulablePlugins: Set<string>;
}

/** kube-scheduler's FitError text: "0/N nodes are available: <prefilter or sorted reason counts>. <postfilter>" */
export function fitErrorMessage(numAllNodes: number, diagnosis: Diagnosis, postFilterMessage?: string): string {
  let message = `0/${numAllNodes} nodes are available:`;
  if (diagnosis.preFilterMessage) {
    message += ` ${diagnosis.preFilterMessage}.`;
  } else {
    const counts = new Map<string, number>();
    for (const status of diagnosis.nodeStatuses.values()) for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    const absent = numAllNodes - diagnosis.nodeStatuses.size;
    if (absent > 0 && diagnosis.absentStatus) for (const reason of diagnosis.absentStatus.reasons) counts.set(reason, (counts.get(reason) ?? 0) + absent);
    const histogram = [...counts].map(([reason, n]) => `${n} ${reason}`).sort();
    if (histogram.length) message += ` ${histogram.join(', ')}.`;
  }
  if (postFilterMessage) message += ` ${postFilterMessage}`;
  return message;
}

export const noNodesAvailableMessage = 'no nodes available to schedule pods';
