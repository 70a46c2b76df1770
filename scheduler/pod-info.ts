// A pod as the scheduler sees it: everything filtering and scoring need, parsed once per pod
// version (requests, priority, tolerations, affinity terms, spread constraints, host ports, claims).
import { LabelSelector, labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { CompiledNodeSelector } from './node-selector.ts';
import { podRequests, type Resources } from './resources.ts';
import type { Toleration } from './tolerations.ts';

type Json = Record<string, any>;

export interface AffinityTerm {
  selector: LabelSelector | undefined;
  /** Namespaces named by the term (or the pod's own when neither names nor a selector are given). */
  namespaces: Set<string>;
  namespaceSelector: LabelSelector | undefined;
  topologyKey: string;
  weight: number;
}

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  selector: LabelSelector | undefined;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** Namespace labels, for affinity terms with a namespaceSelector. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

function affinityTerms(pod: KubeObject, terms: Json[] | undefined, weighted: boolean): AffinityTerm[] {
  if (!terms?.length) return [];
  return terms.map((raw) => {
    const term: Json = weighted ? raw.podAffinityTerm ?? {} : raw;
    const selector = labelSelectorFromObject(term.labelSelector);
    const named: string[] = term.namespaces ?? [];
    const namespaceSelector = term.namespaceSelector ? labelSelectorFromObject(term.namespaceSelector) : undefined;
    const namespaces = new Set(named.length || term.namespaceSelector ? named : [pod.metadata.namespace!]);
    // matchLabelKeys/mismatchLabelKeys add the incoming pod's own label values to the selector.
    let withKeys = selector;
    if (selector && (term.matchLabelKeys?.length || term.mismatchLabelKeys?.length)) {
      const labels = pod.metadata.labels ?? {};
      const extra = [
        ...((term.matchLabelKeys ?? []) as string[]).filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: 'in' as const, values: [labels[k]!] })),
        ...((term.mismatchLabelKeys ?? []) as string[]).filter((k) => labels[k] !== undefined).map((k) => ({ key: k, operator: 'notin' as const, values: [labels[k]!] })),
      ];
      withKeys = new LabelSelector([...selector.requirements, ...extra]);
    }
    return { selector: withKeys, namespaces, namespaceSelector, topologyKey: String(term.topologyKey ?? ''), weight: weighted ? Number(raw.weight ?? 0) : 1 };
  });
}

export class PodInfo {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  readonly labels: Record<string, string>;
  readonly requests: Resources;
  readonly nonZeroMilliCpu: number;
  readonly nonZeroMemory: number;
  readonly priority: number;
  readonly preemptionPolicy: string;
  readonly tolerations: Toleration[];
  readonly nodeSelector: Record<string, string> | undefined;
  readonly requiredNodeAffinity: CompiledNodeSelector | undefined;
  readonly preferredNodeAffinity: { weight: number; selector: CompiledNodeSelector }[];
  readonly requiredAffinity: AffinityTerm[];
  readonly requiredAntiAffinity: AffinityTerm[];
  readonly preferredAffinity: AffinityTerm[];
  readonly preferredAntiAffinity: AffinityTerm[];
  readonly spreadConstraints: SpreadConstraint[];
  readonly hostPorts: HostPort[];
  readonly claimNames: string[];
  /** Why the pod cannot be considered at all (an unparsable selector), if so. */
  readonly invalid: string | undefined;

  constructor(public pod: KubeObject) {
    const meta = pod.metadata;
    const spec: Json = (pod.spec as Json | undefined) ?? {};
    this.uid = meta.uid ?? '';
    this.namespace = meta.namespace ?? '';
    this.name = meta.name ?? '';
    this.key = `${this.namespace}/${this.name}`;
    this.labels = meta.labels ?? {};
    const computed = podRequests(spec);
    this.requests = computed.requests;
    this.nonZeroMilliCpu = computed.nonZeroMilliCpu;
    this.nonZeroMemory = computed.nonZeroMemory;
    this.priority = typeof spec.priority === 'number' ? spec.priority : 0;
    this.preemptionPolicy = spec.preemptionPolicy ?? 'PreemptLowerPriority';
    this.tolerations = spec.tolerations ?? [];
    this.nodeSelector = spec.nodeSelector && Object.keys(spec.nodeSelector).length ? spec.nodeSelector : undefined;
    const affinity: Json = spec.affinity ?? {};
    let invalid: string | undefined;
    const guard = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch (error) {
        invalid ??= (error as Error).message;
        return fallback;
      }
    };
    this.requiredNodeAffinity = CompiledNodeSelector.compile(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
    this.preferredNodeAffinity = ((affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Json[])
      .filter((p) => p.weight && p.preference)
      .map((p) => ({ weight: Number(p.weight), selector: CompiledNodeSelector.compile({ nodeSelectorTerms: [p.preference] })! }));
    this.requiredAffinity = guard(() => affinityTerms(pod, affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, false), []);
    this.requiredAntiAffinity = guard(() => affinityTerms(pod, affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, false), []);
    this.preferredAffinity = guard(() => affinityTerms(pod, affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, true), []);
    this.preferredAntiAffinity = guard(() => affinityTerms(pod, affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, true), []);
    this.spreadConstraints = guard(() => ((spec.topologySpreadConstraints ?? []) as Json[]).map((c) => this.spreadConstraint(c)), []);
    this.hostPorts = [];
    for (const container of [...((spec.initContainers ?? []) as Json[]), ...((spec.containers ?? []) as Json[])]) {
      for (const port of (container.ports ?? []) as Json[]) {
        if (port.hostPort > 0) this.hostPorts.push({ ip: port.hostIP || '0.0.0.0', protocol: port.protocol || 'TCP', port: port.hostPort });
      }
    }
    this.claimNames = [];
    for (const volume of (spec.volumes ?? []) as Json[]) {
      if (volume.persistentVolumeClaim?.claimName) this.claimNames.push(volume.persistentVolumeClaim.claimName);
      else if (volume.ephemeral) this.claimNames.push(`${this.name}-${volume.name}`);
    }
    this.invalid = invalid;
  }

  private spreadConstraint(c: Json): SpreadConstraint {
    let selector = labelSelectorFromObject(c.labelSelector);
    // matchLabelKeys narrow the selector to pods sharing the incoming pod's values (e.g. pod-template-hash).
    const keys = ((c.matchLabelKeys ?? []) as string[]).filter((k) => this.labels[k] !== undefined);
    if (selector && keys.length) selector = new LabelSelector([...selector.requirements, ...keys.map((k) => ({ key: k, operator: 'in' as const, values: [this.labels[k]!] }))]);
    return {
      maxSkew: Number(c.maxSkew ?? 1),
      topologyKey: String(c.topologyKey ?? ''),
      whenUnsatisfiable: c.whenUnsatisfiable === 'ScheduleAnyway' ? 'ScheduleAnyway' : 'DoNotSchedule',
      selector,
      minDomains: Number(c.minDomains ?? 1),
      nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
    };
  }

  get hasAffinityTerms(): boolean {
    return this.requiredAffinity.length + this.requiredAntiAffinity.length + this.preferredAffinity.length + this.preferredAntiAffinity.length > 0;
  }

  get terminating(): boolean {
    return Boolean(this.pod.metadata.deletionTimestamp);
  }
}

/** Whether an affinity term selects `pod` (namespace by name or selector, then labels). */
export function termMatches(term: AffinityTerm, pod: PodInfo, namespaceLabels: NamespaceLabels): boolean {
  if (!term.namespaces.has(pod.namespace)) {
    if (!term.namespaceSelector || !term.namespaceSelector.matches(namespaceLabels(pod.namespace))) return false;
  }
  return term.selector !== undefined && term.selector.matches(pod.labels);
}
