// A node as the scheduler sees it: its parsed labels, taints and allocatable, and the running sums
// of the pods on it (requested resources, host ports, pods with affinity terms). Kept current
// incrementally as pods come and go, so a scheduling decision never rescans the cluster.
import type { KubeObject } from '../apiserver/registry/types.ts';
import type { NodeLike } from './node-selector.ts';
import type { HostPort, PodInfo } from './pod-info.ts';
import { addResources, emptyResources, nodeAllocatable, type Resources } from './resources.ts';
import type { Taint } from './tolerations.ts';

type Json = Record<string, any>;

function portKey(port: HostPort): string {
  return `${port.protocol}/${port.port}/${port.ip}`;
}

export class NodeInfo implements NodeLike {
  node: KubeObject | undefined;
  labels: Record<string, string> | undefined;
  taints: Taint[] = [];
  unschedulable = false;
  allocatable: Resources = emptyResources();
  readonly requested: Resources = emptyResources();
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;
  readonly pods: PodInfo[] = [];
  private readonly podIndex = new Map<string, number>();
  private readonly usedPorts = new Map<string, number>();
  /** Pods with any affinity term, and with required anti-affinity terms. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Bumped on every change (tests and diagnostics). */
  generation = 0;

  constructor(readonly name: string) {}

  setNode(node: KubeObject): void {
    const spec: Json = (node.spec as Json | undefined) ?? {};
    this.node = node;
    this.labels = node.metadata.labels;
    this.taints = spec.taints ?? [];
    this.unschedulable = Boolean(spec.unschedulable);
    this.allocatable = nodeAllocatable(node as Json);
    this.generation++;
  }

  addPod(pod: PodInfo): void {
    if (this.podIndex.has(pod.uid)) return;
    this.podIndex.set(pod.uid, this.pods.length);
    this.pods.push(pod);
    this.account(pod, 1);
  }

  removePod(uid: string): PodInfo | undefined {
    const at = this.podIndex.get(uid);
    if (at === undefined) return undefined;
    const pod = this.pods[at]!;
    const last = this.pods.pop()!;
    if (last !== pod) {
      this.pods[at] = last;
      this.podIndex.set(last.uid, at);
    }
    this.podIndex.delete(uid);
    this.account(pod, -1);
    return pod;
  }

  hasPod(uid: string): boolean {
    return this.podIndex.has(uid);
  }

  private account(pod: PodInfo, sign: 1 | -1): void {
    addResources(this.requested, pod.requests, sign);
    this.nonZeroMilliCpu += sign * pod.nonZeroMilliCpu;
    this.nonZeroMemory += sign * pod.nonZeroMemory;
    for (const port of pod.hostPorts) {
      const key = portKey(port);
      const count = (this.usedPorts.get(key) ?? 0) + sign;
      if (count > 0) this.usedPorts.set(key, count);
      else this.usedPorts.delete(key);
    }
    if (pod.hasAffinityTerms) this.podsWithAffinity += sign;
    if (pod.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity += sign;
    this.generation++;
  }

  /** Whether a host port is taken (0.0.0.0 conflicts with every address of the same protocol and port). */
  portInUse(port: HostPort): boolean {
    if (!this.usedPorts.size) return false;
    if (port.ip === '0.0.0.0') {
      const prefix = `${port.protocol}/${port.port}/`;
      for (const key of this.usedPorts.keys()) if (key.startsWith(prefix)) return true;
      return false;
    }
    return this.usedPorts.has(portKey(port)) || this.usedPorts.has(`${port.protocol}/${port.port}/0.0.0.0`);
  }

  /** A private copy for what-if evaluation (nominated pods, preemption). */
  clone(): NodeInfo {
    const copy = new NodeInfo(this.name);
    copy.node = this.node;
    copy.labels = this.labels;
    copy.taints = this.taints;
    copy.unschedulable = this.unschedulable;
    copy.allocatable = this.allocatable;
    for (const pod of this.pods) copy.addPod(pod);
    return copy;
  }
}
