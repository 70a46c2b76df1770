// The node lifecycle controller: a node is healthy while its kubelet (or k2's node agent) renews its
// Lease in kube-node-lease or posts status. After the grace period without either (40 s, as
// kube-controller-manager's --node-monitor-grace-period) its conditions turn Unknown with
// "Kubelet stopped posting node status.", its pods turn Ready=False, and it gets the
// node.kubernetes.io/unreachable taints (not-ready for Ready=False) that keep new pods off and
// let the taint eviction controller evict after tolerationSeconds. Conditions also map to the
// NoSchedule taints of TaintNodesByCondition (pressure, network, cordon).
import type { ApiClient } from '../apiserver/client.ts';
import { deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { EventSink } from './events.ts';
import { nodeTaintKeys, type Taint } from '../scheduler/tolerations.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

export const nodeLeaseNamespace = 'kube-node-lease';
export const defaultNodeMonitorGracePeriodMs = 40_000;

const managedTaintKeys = new Set<string>(Object.values(nodeTaintKeys));
const pressureConditions = ['MemoryPressure', 'DiskPressure', 'PIDPressure'];

export function nodeCondition(node: KubeObject, type: string): Json | undefined {
  return ((node.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === type);
}

/** The taints a node's conditions and cordon call for (keys managed by the node controllers). */
export function conditionTaints(node: KubeObject, existing: Taint[]): Taint[] {
  const wanted: Taint[] = [];
  const keep = (key: string, effect: string) => {
    const before = existing.find((t) => t.key === key && t.effect === effect);
    wanted.push(before ?? (effect === 'NoExecute' ? { key, effect, timeAdded: timestamp() } : { key, effect }));
  };
  const ready = nodeCondition(node, 'Ready')?.status;
  if (ready === 'False') {
    keep(nodeTaintKeys.notReady, 'NoSchedule');
    keep(nodeTaintKeys.notReady, 'NoExecute');
  } else if (ready === 'Unknown') {
    keep(nodeTaintKeys.unreachable, 'NoSchedule');
    keep(nodeTaintKeys.unreachable, 'NoExecute');
  }
  if (nodeCondition(node, 'MemoryPressure')?.status === 'True') keep(nodeTaintKeys.memoryPressure, 'NoSchedule');
  if (nodeCondition(node, 'DiskPressure')?.status === 'True') keep(nodeTaintKeys.diskPressure, 'NoSchedule');
  if (nodeCondition(node, 'PIDPressure')?.status === 'True') keep(nodeTaintKeys.pidPressure, 'NoSchedule');
  if (nodeCondition(node, 'NetworkUnavailable')?.status === 'True') keep(nodeTaintKeys.networkUnavailable, 'NoSchedule');
  if ((node.spec as Json | undefined)?.unschedulable) keep(nodeTaintKeys.unschedulable, 'NoSchedule');
  return wanted;
}

interface Health {
  /** Local time the controller last heard from the node (lease renewal or status heartbeat). */
  probeMs: number;
  renewTime?: string;
  heartbeat?: string;
  ready?: string;
}

export class NodeLifecycleController extends Controller {
  readonly name = 'node-lifecycle-controller';
  private readonly health = new Map<string, Health>();
  private monitor: NodeJS.Timeout | undefined;

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly events: EventSink,
    private readonly gracePeriodMs = defaultNodeMonitorGracePeriodMs,
    private readonly monitorPeriodMs = Math.min(5000, Math.max(200, gracePeriodMs / 8)),
  ) {
    super();
    this.workers = 4;
  }

  setup(): void {
    const pods = this.informers.informer('', 'pods');
    pods.addIndex('spec.nodeName', (pod) => ((pod.spec as Json | undefined)?.nodeName ? [(pod.spec as Json).nodeName] : []));
    this.informers.informer('', 'nodes').addHandlers({
      add: (node) => this.queue.add(node.metadata.name!),
      update: (_old, node) => this.queue.add(node.metadata.name!),
      delete: (node) => this.health.delete(node.metadata.name!),
    });
    const leaseChanged = (lease: KubeObject) => {
      if (lease.metadata.namespace !== nodeLeaseNamespace) return;
      const renewTime = (lease.spec as Json | undefined)?.renewTime as string | undefined;
      const health = this.health.get(lease.metadata.name!);
      if (health && renewTime && renewTime !== health.renewTime) {
        health.renewTime = renewTime;
        health.probeMs = Date.now();
        if (health.ready !== 'True') this.queue.add(lease.metadata.name!);
      }
    };
    this.informers.informer('coordination.k8s.io', 'leases').addHandlers({ add: leaseChanged, update: (_old, lease) => leaseChanged(lease) });
  }

  override start(log: Parameters<Controller['start']>[0]): void {
    super.start(log);
    this.monitor = setInterval(() => {
      for (const node of this.informers.informer('', 'nodes').list()) this.queue.add(node.metadata.name!);
    }, this.monitorPeriodMs);
    this.monitor.unref?.();
  }

  override async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    await super.stop();
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const node = this.informers.informer('', 'nodes').get(undefined, name);
    if (!node) {
      this.health.delete(name);
      return;
    }
    const now = Date.now();
    const ready = nodeCondition(node, 'Ready');
    let health = this.health.get(name);
    if (!health) {
      // First sight (or a restart): the node gets a full grace period from now.
      const lease = this.informers.informer('coordination.k8s.io', 'leases').get(nodeLeaseNamespace, name);
      health = { probeMs: now, renewTime: (lease?.spec as Json | undefined)?.renewTime, heartbeat: ready?.lastHeartbeatTime, ready: ready?.status };
      this.health.set(name, health);
    } else if (ready?.lastHeartbeatTime && ready.lastHeartbeatTime !== health.heartbeat) {
      health.heartbeat = ready.lastHeartbeatTime;
      health.probeMs = now;
    }
    let current = node;
    if (now - health.probeMs > this.gracePeriodMs && ready?.status !== 'Unknown') current = await this.markUnknown(node);
    const readyNow = nodeCondition(current, 'Ready')?.status;
    if (readyNow !== health.ready) {
      const wasReady = health.ready === 'True';
      health.ready = readyNow;
      if (readyNow === 'True') this.events.event(current, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
      else if (wasReady || readyNow === 'Unknown') {
        this.events.event(current, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        await this.markPodsNotReady(name);
      }
    }
    await this.reconcileTaints(current);
    if (readyNow === 'Unknown') return;
    return { requeueAfterMs: Math.max(100, health.probeMs + this.gracePeriodMs - now + 50) };
  }

  /** Conditions the kubelet owns turn Unknown (or appear Unknown if it never posted them). */
  private markUnknown(node: KubeObject): Promise<KubeObject> {
    return this.client.resource('', 'nodes').modify(undefined, node.metadata.name!, (latest) => {
      const status = (latest.status ??= {}) as Json;
      const conditions: Json[] = (status.conditions ??= []);
      const now = timestamp();
      for (const type of ['Ready', ...pressureConditions]) {
        const condition = conditions.find((c) => c.type === type);
        if (!condition) {
          conditions.push({ type, status: 'Unknown', lastHeartbeatTime: latest.metadata.creationTimestamp, lastTransitionTime: now, reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
        } else if (condition.status !== 'Unknown') {
          Object.assign(condition, { status: 'Unknown', lastTransitionTime: now, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
        }
      }
      return latest;
    }, { subresource: 'status' });
  }

  private async reconcileTaints(node: KubeObject): Promise<void> {
    const taints: Taint[] = ((node.spec as Json | undefined)?.taints ?? []) as Taint[];
    const managed = taints.filter((t) => managedTaintKeys.has(t.key));
    const wanted = conditionTaints(node, managed);
    const key = (t: Taint) => `${t.key}:${t.effect}`;
    if (deepEqual(managed.map(key).sort(), wanted.map(key).sort())) return;
    await this.client.resource('', 'nodes').modify(undefined, node.metadata.name!, (latest) => {
      const spec = (latest.spec ??= {}) as Json;
      const others = ((spec.taints ?? []) as Taint[]).filter((t) => !managedTaintKeys.has(t.key));
      const fresh = conditionTaints(latest, ((spec.taints ?? []) as Taint[]).filter((t) => managedTaintKeys.has(t.key)));
      spec.taints = [...others, ...fresh];
      if (!spec.taints.length) delete spec.taints;
      return latest;
    });
  }

  /** MarkPodsNotReady: pods on a lost node stop counting as ready (endpoints drop them). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const pods = this.client.resource('', 'pods');
    for (const pod of this.informers.informer('', 'pods').byIndex('spec.nodeName', nodeName)) {
      const ready = ((pod.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      try {
        await pods.modify(pod.metadata.namespace, pod.metadata.name!, (latest) => {
          for (const condition of ((latest.status as Json | undefined)?.conditions ?? []) as Json[]) {
            if (condition.type === 'Ready' && condition.status !== 'False') Object.assign(condition, { status: 'False', lastTransitionTime: timestamp() });
          }
          return latest;
        }, { subresource: 'status' });
        this.events.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 404)) throw error;
      }
    }
  }
}
