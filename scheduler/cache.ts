// The scheduler's view of the cluster: a NodeInfo per node holding the pods bound to it and the pods
// the scheduler has assumed onto it while their bindings are in flight (so the next decision sees
// them). Fed by the node and pod informers; never rescans.
import type { KubeObject } from '../apiserver/registry/types.ts';
import { NodeInfo } from './node-info.ts';
import { PodInfo } from './pod-info.ts';

type Json = Record<string, any>;

interface CachedPod {
  info: PodInfo;
  node: string;
  /** Placed by the scheduler, not yet seen bound by the informer. */
  assumed: boolean;
}

/** Pods that hold node resources: bound and not finished (the scheduler's informer filter). */
export function occupiesNode(pod: KubeObject): boolean {
  const phase = (pod.status as Json | undefined)?.phase;
  return Boolean((pod.spec as Json | undefined)?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

function sameLabels(a: Record<string, string>, b: Record<string, string> | undefined): boolean {
  const other = b ?? {};
  let n = 0;
  for (const key in a) {
    if (a[key] !== other[key]) return false;
    n++;
  }
  return n === Object.keys(other).length;
}

/** Whether two specs hold the very same values (cached objects never change in place), spec.nodeName aside. */
function sameSpecButNode(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  for (const key in a) if (key !== 'nodeName' && a[key] !== b[key]) return false;
  for (const key in b) if (key !== 'nodeName' && !(key in a)) return false;
  return true;
}

export class SchedulerCache {
  private readonly nodeInfos = new Map<string, NodeInfo>();
  private nodeList: NodeInfo[] | undefined;
  private readonly pods = new Map<string, CachedPod>();
  /** Cluster-wide counts that let affinity plugins skip their scans when nothing has affinity. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;

  private place(info: PodInfo, nodeName: string, assumed: boolean): void {
    this.nodeInfo(nodeName).addPod(info);
    this.pods.set(info.uid, { info, node: nodeName, assumed });
    if (info.hasAffinityTerms) this.podsWithAffinity++;
    if (info.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity++;
  }

  private nodeInfo(name: string): NodeInfo {
    let info = this.nodeInfos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.nodeInfos.set(name, info);
    }
    return info;
  }

  /** Nodes with a Node object, in a stable order (the scheduler rotates its starting point). */
  nodes(): NodeInfo[] {
    if (!this.nodeList) this.nodeList = [...this.nodeInfos.values()].filter((n) => n.node).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.nodeList;
  }

  node(name: string): NodeInfo | undefined {
    const info = this.nodeInfos.get(name);
    return info?.node ? info : undefined;
  }

  setNode(node: KubeObject): void {
    const info = this.nodeInfo(node.metadata.name!);
    if (!info.node) this.nodeList = undefined;
    info.setNode(node);
  }

  removeNode(name: string): void {
    const info = this.nodeInfos.get(name);
    if (!info) return;
    info.node = undefined;
    // Pods still bound to a deleted node keep their NodeInfo until they go.
    if (!info.pods.length) this.nodeInfos.delete(name);
    this.nodeList = undefined;
  }

  /** A pod the informer reports (add or update): bound pods are accounted, others dropped. */
  setPod(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    const cached = this.pods.get(uid);
    if (!occupiesNode(pod)) {
      // Unbound pods only live here while assumed; finished ones free their node.
      const finished = ['Succeeded', 'Failed'].includes((pod.status as Json | undefined)?.phase);
      if (cached && (!cached.assumed || finished)) this.removePod(uid);
      return;
    }
    const nodeName = (pod.spec as Json).nodeName as string;
    // The parsed form holds nothing a binding or a status write changes (they share the rest of the spec): it is
    // kept then, and a pod already counted on its node stays as it is.
    const unchanged = cached !== undefined && sameLabels(cached.info.labels, pod.metadata.labels) && sameSpecButNode(cached.info.pod.spec as Json | undefined, pod.spec as Json | undefined);
    if (unchanged && cached.node === nodeName && !cached.assumed) {
      cached.info.pod = pod;
      return;
    }
    const info = unchanged ? cached!.info : new PodInfo(pod);
    if (cached) this.removePod(uid);
    info.pod = pod;
    this.place(info, nodeName, false);
  }

  removePod(uid: string): void {
    const cached = this.pods.get(uid);
    if (!cached) return;
    this.pods.delete(uid);
    if (cached.info.hasAffinityTerms) this.podsWithAffinity--;
    if (cached.info.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity--;
    const info = this.nodeInfos.get(cached.node);
    info?.removePod(uid);
    if (info && !info.node && !info.pods.length) this.nodeInfos.delete(cached.node);
  }

  /** Places a pod on a node before its binding is confirmed. */
  assume(pod: PodInfo, nodeName: string): void {
    this.removePod(pod.uid);
    this.place(pod, nodeName, true);
  }

  /** Undoes an assumption whose binding failed (unless the informer already saw it bound). */
  forget(uid: string): void {
    if (this.pods.get(uid)?.assumed) this.removePod(uid);
  }

  isAssumed(uid: string): boolean {
    return this.pods.get(uid)?.assumed === true;
  }

  podCount(): number {
    return this.pods.size;
  }
}
