// The pod garbage collector (kube-controller-manager's podgc), for what node loss leaves behind:
// pods bound to a Node that no longer exists (after a 40 s quarantine) and terminating pods on a
// node tainted node.kubernetes.io/out-of-service are marked Failed with a DisruptionTarget
// condition and deleted at once — nobody else would ever finish their deletion.
import type { ApiClient } from '../apiserver/client.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';
import { nodeCondition } from './node-lifecycle.ts';

type Json = Record<string, any>;

export const orphanQuarantineMs = 40_000;
const checkPeriodMs = 20_000;
const outOfServiceTaint = 'node.kubernetes.io/out-of-service';

export class PodGarbageCollector extends Controller {
  readonly name = 'pod-garbage-collector';
  /** When each missing node was first found missing. */
  private readonly missingSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly quarantineMs = orphanQuarantineMs,
  ) {
    super();
  }

  setup(): void {
    this.informers.informer('', 'pods').addIndex('spec.nodeName', (pod) => ((pod.spec as Json | undefined)?.nodeName ? [(pod.spec as Json).nodeName] : []));
    this.informers.informer('', 'nodes').addHandlers({
      delete: (node) => this.queue.addAfter(`node:${node.metadata.name}`, this.quarantineMs),
      update: (_old, node) => this.hasOutOfServiceTaint(node) && this.queue.add(`node:${node.metadata.name}`),
    });
  }

  override start(log: Parameters<Controller['start']>[0]): void {
    super.start(log);
    this.timer = setInterval(() => this.sweep(), Math.min(checkPeriodMs, this.quarantineMs));
    this.timer.unref?.();
  }

  override async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await super.stop();
  }

  /** Nodes that pods name but that do not exist (pods bound before the node was deleted, or never existed). */
  private sweep(): void {
    const nodes = this.informers.informer('', 'nodes');
    const named = new Set<string>();
    for (const pod of this.informers.informer('', 'pods').list()) {
      const node = (pod.spec as Json | undefined)?.nodeName as string | undefined;
      if (node && !named.has(node)) named.add(node);
    }
    for (const node of named) if (!nodes.get(undefined, node)) this.queue.add(`node:${node}`);
  }

  private hasOutOfServiceTaint(node: KubeObject): boolean {
    return (((node.spec as Json | undefined)?.taints ?? []) as Json[]).some((t) => t.key === outOfServiceTaint && t.effect === 'NoExecute');
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (!key.startsWith('node:')) return this.forceDelete(key, 'PodGC: node no longer exists');
    const name = key.slice(5);
    const node = this.informers.informer('', 'nodes').get(undefined, name);
    const pods = this.informers.informer('', 'pods').byIndex('spec.nodeName', name);
    if (node) {
      this.missingSince.delete(name);
      // Terminating pods on a node declared out of service (and not Ready) go now.
      if (this.hasOutOfServiceTaint(node) && nodeCondition(node, 'Ready')?.status !== 'True') {
        for (const pod of pods) if (pod.metadata.deletionTimestamp) await this.forceDelete(objectKey(pod), 'PodGC: node is out of service');
      }
      return;
    }
    if (!pods.length) {
      this.missingSince.delete(name);
      return;
    }
    const since = this.missingSince.get(name) ?? Date.now();
    this.missingSince.set(name, since);
    const wait = since + this.quarantineMs - Date.now();
    if (wait > 0) return { requeueAfterMs: wait };
    for (const pod of pods) this.queue.add(objectKey(pod));
    this.missingSince.delete(name);
  }

  private async forceDelete(key: string, message: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pod = this.informers.informer('', 'pods').get(namespace, name);
    const nodeName = (pod?.spec as Json | undefined)?.nodeName as string | undefined;
    if (!pod || !nodeName) return;
    const node = this.informers.informer('', 'nodes').get(undefined, nodeName);
    if (node && !this.hasOutOfServiceTaint(node)) return; // its node came back
    const pods = this.client.resource('', 'pods');
    try {
      await pods.modify(namespace, name, (latest) => {
        const status = (latest.status ??= {}) as Json;
        if (status.phase !== 'Succeeded' && status.phase !== 'Failed') status.phase = 'Failed';
        const conditions: Json[] = (status.conditions ??= []);
        const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(), reason: 'DeletionByPodGC', message };
        const at = conditions.findIndex((c) => c.type === 'DisruptionTarget');
        if (at >= 0) conditions[at] = condition;
        else conditions.push(condition);
        return latest;
      }, { subresource: 'status' });
      await pods.delete(namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}
