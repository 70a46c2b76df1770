// The taint eviction controller: pods on a node with NoExecute taints they do not tolerate are
// deleted at once; pods that tolerate them for tolerationSeconds are deleted when that time has
// passed since the controller first saw them there (cancelled if the taint goes first). Each
// eviction gets a DisruptionTarget condition and a TaintManagerEviction event, as in Kubernetes.
import type { ApiClient } from '../apiserver/client.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { EventSink } from './events.ts';
import { tolerates, type Taint, type Toleration } from '../scheduler/tolerations.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';

type Json = Record<string, any>;

function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return (((node?.spec as Json | undefined)?.taints ?? []) as Taint[]).filter((t) => t.effect === 'NoExecute');
}

/**
 * How long the pod may stay: 0 when a taint is not tolerated (or a toleration says ≤ 0), Infinity
 * when every matching toleration is unbounded, else the smallest tolerationSeconds that applies.
 */
export function tolerationMs(taints: Taint[], tolerations: Toleration[]): number {
  let min = Infinity;
  for (const taint of taints) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (!matching.length) return 0;
    for (const t of matching) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      if (t.tolerationSeconds <= 0) return 0;
      min = Math.min(min, t.tolerationSeconds * 1000);
    }
  }
  return min;
}

export class TaintEvictionController extends Controller {
  readonly name = 'taint-eviction-controller';
  /** When each pod's toleration window started. */
  private readonly since = new Map<string, number>();

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly events: EventSink,
  ) {
    super();
  }

  setup(): void {
    const pods = this.informers.informer('', 'pods');
    pods.addIndex('spec.nodeName', (pod) => ((pod.spec as Json | undefined)?.nodeName ? [(pod.spec as Json).nodeName] : []));
    const podChanged = (pod: KubeObject) => {
      const node = (pod.spec as Json | undefined)?.nodeName;
      if (node && (noExecuteTaints(this.informers.informer('', 'nodes').get(undefined, node)).length || this.since.has(objectKey(pod)))) this.queue.add(objectKey(pod));
    };
    pods.addHandlers({ add: podChanged, update: (_old, pod) => podChanged(pod), delete: (pod) => this.since.delete(objectKey(pod)) });
    const nodeChanged = (node: KubeObject, old?: KubeObject) => {
      if (!noExecuteTaints(node).length && !noExecuteTaints(old).length) return;
      if (JSON.stringify(noExecuteTaints(node)) === JSON.stringify(noExecuteTaints(old))) return;
      for (const pod of pods.byIndex('spec.nodeName', node.metadata.name!)) this.queue.add(objectKey(pod));
    };
    this.informers.informer('', 'nodes').addHandlers({ add: (node) => nodeChanged(node), update: (old, node) => nodeChanged(node, old) });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const pod = this.informers.informer('', 'pods').get(namespace, name);
    const nodeName = (pod?.spec as Json | undefined)?.nodeName;
    if (!pod || !nodeName || pod.metadata.deletionTimestamp) {
      this.since.delete(key);
      return;
    }
    const taints = noExecuteTaints(this.informers.informer('', 'nodes').get(undefined, nodeName));
    const allowed = taints.length ? tolerationMs(taints, ((pod.spec as Json).tolerations ?? []) as Toleration[]) : Infinity;
    if (allowed === Infinity) {
      if (this.since.delete(key)) this.events.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
      return;
    }
    const now = Date.now();
    const started = this.since.get(key) ?? now;
    this.since.set(key, started);
    const due = started + allowed;
    if (due > now) return { requeueAfterMs: due - now };
    await this.evict(pod, key);
  }

  private async evict(pod: KubeObject, key: string): Promise<void> {
    this.events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    const pods = this.client.resource('', 'pods');
    try {
      await pods.modify(pod.metadata.namespace, pod.metadata.name!, (latest) => {
        const status = (latest.status ??= {}) as Json;
        const conditions: Json[] = (status.conditions ??= []);
        const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(), reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' };
        const at = conditions.findIndex((c) => c.type === 'DisruptionTarget');
        if (at >= 0) conditions[at] = condition;
        else conditions.push(condition);
        return latest;
      }, { subresource: 'status' });
      await pods.delete(pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
    this.since.delete(key);
  }
}
