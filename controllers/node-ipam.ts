// Node IPAM (kube-controller-manager's node-ipam-controller with the range allocator): every Node without a
// pod CIDR gets the next free /24 of the cluster CIDR (10.42.0.0/16 by default), which its agent then uses
// for the pods' bridge network. CIDRs in use are read from the Nodes themselves, so a deleted node frees its own.
import type { ApiClient } from '../apiserver/client.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { nodePodSubnet, parseCidr } from '../kubelet-bridge/network/cni.ts';
import { Controller } from './controller.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

export class NodeIpamController extends Controller {
  readonly name = 'node-ipam-controller';
  private readonly subnetCount: number;
  /** What this controller assigned, until the cache shows it (a write reaches the informer a moment later). */
  private readonly assigned = new Map<string, string>();

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly clusterCidr: string,
    private readonly nodeMaskSize = 24,
  ) {
    super();
    this.workers = 1; // one allocator: two workers could hand out the same subnet
    this.subnetCount = 2 ** (nodeMaskSize - parseCidr(clusterCidr).prefix);
  }

  setup(): void {
    this.informers.informer('', 'nodes').addHandlers({
      add: (node) => this.queue.add(node.metadata.name!),
      update: (_old, node) => this.queue.add(node.metadata.name!),
    });
  }

  private inUse(): Set<string> {
    const used = new Set<string>();
    const nodes = this.informers.informer('', 'nodes');
    for (const node of nodes.list()) {
      const spec = (node.spec as Json | undefined) ?? {};
      for (const cidr of [spec.podCIDR, ...(spec.podCIDRs ?? [])]) if (cidr) used.add(cidr);
    }
    for (const [name, cidr] of this.assigned) {
      if (nodes.get(undefined, name)) used.add(cidr);
      else this.assigned.delete(name);
    }
    return used;
  }

  async reconcile(name: string): Promise<void> {
    const node = this.informers.informer('', 'nodes').get(undefined, name);
    if (!node || (node.spec as Json | undefined)?.podCIDR) return;
    // A subnet picked for this node before (a write that lost a race) is picked again.
    let cidr: string | undefined = this.assigned.get(name);
    this.assigned.delete(name);
    const used = this.inUse();
    if (cidr && used.has(cidr)) cidr = undefined;
    for (let i = 0; i < this.subnetCount && !cidr; i++) {
      const candidate = nodePodSubnet(this.clusterCidr, i, this.nodeMaskSize);
      if (!used.has(candidate)) cidr = candidate;
    }
    if (!cidr) {
      this.log.error({ node: name, clusterCidr: this.clusterCidr }, 'no free pod CIDR left for the node');
      return;
    }
    const chosen = cidr;
    this.assigned.set(name, chosen);
    await this.client.resource('', 'nodes').modify(undefined, name, (current: KubeObject) => {
      const spec = (current.spec as Json | undefined) ?? {};
      if (spec.podCIDR) return current;
      current.spec = { ...spec, podCIDR: chosen, podCIDRs: [chosen] };
      return current;
    });
    this.log.info({ node: name, podCIDR: chosen }, 'assigned a pod CIDR');
  }
}
