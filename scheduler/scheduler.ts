// The default scheduler, in process: pods with `schedulerName: default-scheduler` and no node are
// queued by priority, filtered and scored against an incrementally kept cluster view, assumed onto
// the chosen node (so the next pod sees it at once) and bound through pods/binding in the background.
// Pods that fit nowhere get PodScheduled=False with kube-scheduler's message and a FailedScheduling
// event, may preempt lower-priority pods, and are retried when the cluster changes.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { UserInfo } from '../apiserver/authn.ts';
import { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { bindPod } from '../apiserver/handlers/binding.ts';
import { deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { Informer, InformerFactory, InformerHandlers } from '../controllers/informer.ts';
import { occupiesNode, SchedulerCache } from './cache.ts';
import { EventRecorder } from '../controllers/events.ts';
import { Code, CycleState, fitErrorMessage, noNodesAvailableMessage, Status, unresolvable, type ClusterLister, type Diagnosis } from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import { PodInfo } from './pod-info.ts';
import type { AttemptResult, SchedulerMetrics } from './metrics.ts';
import { DefaultPreemption } from './preemption.ts';
import { Profile } from './profile.ts';
import { SchedulingQueue, type QueuedPod } from './queue.ts';

type Json = Record<string, any>;

export const defaultSchedulerName = 'default-scheduler';

export const schedulerUser: UserInfo = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };

export interface SchedulerOptions {
  /** Host name for the events' reporting instance. */
  host: string;
  /** Percentage of nodes to find feasible before scoring (0: kube-scheduler's adaptive default). */
  percentageOfNodesToScore?: number;
  /** Bindings in flight at once; the scheduling loop waits when this many are outstanding. */
  maxBindingsInFlight?: number;
  /** kube-scheduler's metrics (served on /metrics); they outlive a scheduler that stops leading. */
  metrics?: SchedulerMetrics;
}

/** Which plugins' rejections a cluster event may resolve (kube-scheduler's EventsToRegister, coarsely). */
const eventPlugins = {
  nodeAdd: new Set(['NodeResourcesFit', 'NodeAffinity', 'NodeName', 'TaintToleration', 'NodePorts', 'NodeUnschedulable', 'PodTopologySpread', 'InterPodAffinity', 'VolumeBinding']),
  nodeAllocatable: new Set(['NodeResourcesFit']),
  nodeLabels: new Set(['NodeAffinity', 'PodTopologySpread', 'InterPodAffinity', 'VolumeBinding']),
  nodeTaints: new Set(['TaintToleration', 'PodTopologySpread']),
  nodeUnschedulable: new Set(['NodeUnschedulable']),
  assignedPodDelete: new Set(['NodeResourcesFit', 'NodePorts', 'InterPodAffinity', 'PodTopologySpread']),
  assignedPodAddOrLabels: new Set(['InterPodAffinity', 'PodTopologySpread']),
  volumes: new Set(['VolumeBinding']),
  namespaceLabels: new Set(['InterPodAffinity']),
};

/** Whether the scheduler should place this pod: ours, unbound, not going, not finished. */
export function needsScheduling(pod: KubeObject, schedulerName = defaultSchedulerName): boolean {
  const spec: Json = (pod.spec as Json | undefined) ?? {};
  const phase = (pod.status as Json | undefined)?.phase;
  return !spec.nodeName && (spec.schedulerName ?? defaultSchedulerName) === schedulerName && !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

function gated(pod: KubeObject): boolean {
  return Boolean(((pod.spec as Json | undefined)?.schedulingGates as unknown[] | undefined)?.length);
}

/**
 * The index of the highest score; ties are broken at random, each tied index alike. kube-scheduler draws once per
 * tie (reservoir sampling); one draw among the counted ties picks from the same distribution, and hundreds of nodes
 * tie in a uniform cluster.
 */
export function highestScoreIndex(scores: Float64Array, random: () => number = Math.random): number {
  let best = scores[0]!;
  let ties = 1;
  for (let i = 1; i < scores.length; i++) {
    const score = scores[i]!;
    if (score > best) {
      best = score;
      ties = 1;
    } else if (score === best) ties++;
  }
  let pick = Math.floor(random() * ties);
  for (let i = 0; i < scores.length; i++) if (scores[i] === best && pick-- === 0) return i;
  return 0; // not reached: `pick` is below the number of ties
}

/** kube-scheduler's numFeasibleNodesToFind: all nodes up to 100, then an adaptive share (at least 100). */
export function feasibleNodesToFind(allNodes: number, percentage = 0): number {
  if (allNodes < 100 || percentage >= 100) return allNodes;
  const adaptive = percentage > 0 ? percentage : Math.max(5, 50 - allNodes / 125);
  return Math.max(100, Math.floor((allNodes * adaptive) / 100));
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue = new SchedulingQueue();
  readonly profile: Profile;
  readonly events: EventRecorder;
  private readonly preemption: DefaultPreemption;
  private readonly client: ApiClient;
  private readonly lister: ClusterLister;
  private readonly log: Logger;
  private nextStartNodeIndex = 0;
  private bindingsInFlight = 0;
  private bindingDone: (() => void) | undefined;
  private readonly bindings = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** Pods whose SchedulingGated status was written. */
  private readonly gatedReported = new Set<string>();
  /** Counters for tests. */
  readonly stats = { scheduled: 0, bound: 0, failed: 0, preempted: 0 };
  private readonly metrics: SchedulerMetrics | undefined;

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    log: Logger,
    private readonly options: SchedulerOptions,
  ) {
    this.log = log.child({ module: 'scheduler' });
    this.client = new ApiClient(core, schedulerUser, 'kube-scheduler');
    this.profile = new Profile(this.client);
    this.preemption = new DefaultPreemption(this.profile, this.queue);
    this.events = new EventRecorder(this.client, defaultSchedulerName, { host: options.host, log: this.log });
    this.metrics = options.metrics;
    const informer = (group: string, plural: string) => this.informers.informer(group, plural);
    this.lister = {
      nodes: () => this.cache.nodes(),
      node: (name) => this.cache.node(name),
      podsWithAffinity: () => this.cache.podsWithAffinity,
      podsWithRequiredAntiAffinity: () => this.cache.podsWithRequiredAntiAffinity,
      namespaceLabels: (namespace) => informer('', 'namespaces').get(undefined, namespace)?.metadata.labels,
      get: (group, plural, namespace, name) => informer(group, plural).get(namespace, name),
      list: (group, plural, namespace) => informer(group, plural).list(namespace),
    };
  }

  start(): void {
    const used: Informer[] = [];
    const inform = (group: string, plural: string, handlers?: InformerHandlers) => {
      const informer = this.informers.informer(group, plural);
      if (handlers) informer.addHandlers(handlers);
      used.push(informer);
    };
    inform('', 'nodes', {
      add: (node) => this.guard(() => this.nodeAdded(node)),
      update: (old, node) => this.guard(() => this.nodeUpdated(old, node)),
      delete: (node) => this.guard(() => this.cache.removeNode(node.metadata.name!)),
    });
    inform('', 'pods', {
      add: (pod) => this.guard(() => this.podChanged(undefined, pod)),
      update: (old, pod) => this.guard(() => this.podChanged(old, pod)),
      delete: (pod) => this.guard(() => this.podDeleted(pod)),
    });
    const volumeEvent = () =>
      this.guard(() => {
        this.profile.volumeBinding.claimChanged();
        this.moveFor(eventPlugins.volumes);
      });
    for (const [group, plural] of [['', 'persistentvolumeclaims'], ['', 'persistentvolumes'], ['storage.k8s.io', 'storageclasses']] as const) inform(group, plural, { add: volumeEvent, update: volumeEvent });
    inform('', 'namespaces', { update: (old, ns) => this.guard(() => !deepEqual(old.metadata.labels, ns.metadata.labels) && this.moveFor(eventPlugins.namespaceLabels)) });
    // Informers the plugins read without needing their events.
    for (const [group, plural] of [['', 'services'], ['', 'replicationcontrollers'], ['apps', 'replicasets'], ['apps', 'statefulsets'], ['policy', 'poddisruptionbudgets']] as const) inform(group, plural);
    for (const informer of used) informer.start();
    if (this.metrics) this.metrics.pending = () => this.queue.counts();
    this.loop = this.run();
    this.log.info('scheduler started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.metrics) this.metrics.pending = undefined;
    this.queue.close();
    this.bindingDone?.();
    await this.loop;
    await Promise.allSettled([...this.bindings]);
    await this.events.flush();
  }

  private guard(fn: () => unknown): void {
    if (this.stopped) return;
    try {
      fn();
    } catch (error) {
      this.log.error({ err: error }, 'scheduler event handler failed');
    }
  }

  private moveFor(plugins: Set<string>): void {
    this.queue.moveAllToActiveOrBackoff((item) => !item.unschedulablePlugins.size || [...item.unschedulablePlugins].some((p) => plugins.has(p)));
  }

  private nodeAdded(node: KubeObject): void {
    this.cache.setNode(node);
    this.moveFor(eventPlugins.nodeAdd);
  }

  private nodeUpdated(old: KubeObject, node: KubeObject): void {
    this.cache.setNode(node);
    const oldSpec: Json = (old.spec as Json | undefined) ?? {};
    const spec: Json = (node.spec as Json | undefined) ?? {};
    const plugins = new Set<string>();
    const add = (set: Set<string>) => set.forEach((p) => plugins.add(p));
    if (!deepEqual((old.status as Json | undefined)?.allocatable, (node.status as Json | undefined)?.allocatable)) add(eventPlugins.nodeAllocatable);
    if (!deepEqual(old.metadata.labels, node.metadata.labels)) add(eventPlugins.nodeLabels);
    if (!deepEqual(oldSpec.taints, spec.taints)) add(eventPlugins.nodeTaints);
    if (Boolean(oldSpec.unschedulable) !== Boolean(spec.unschedulable)) add(eventPlugins.nodeUnschedulable);
    if (plugins.size) this.moveFor(plugins);
  }

  private podChanged(old: KubeObject | undefined, pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    const nominated = (pod.status as Json | undefined)?.nominatedNodeName as string | undefined;
    if ((pod.spec as Json | undefined)?.nodeName) {
      const wasAssigned = Boolean((old?.spec as Json | undefined)?.nodeName);
      this.queue.delete(uid);
      this.gatedReported.delete(uid);
      this.cache.setPod(pod);
      if (!wasAssigned || !deepEqual(old?.metadata.labels, pod.metadata.labels)) this.moveFor(eventPlugins.assignedPodAddOrLabels);
      if (old && !occupiesNode(pod) && occupiesNode(old)) this.moveFor(eventPlugins.assignedPodDelete);
      return;
    }
    if (!needsScheduling(pod)) {
      this.queue.delete(uid);
      this.cache.forget(uid);
      return;
    }
    if (this.cache.isAssumed(uid)) return; // its binding is in flight
    if (gated(pod)) {
      this.queue.delete(uid);
      if (!this.gatedReported.has(uid)) {
        this.gatedReported.add(uid);
        void this.writeCondition(pod, { reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' });
      }
      return;
    }
    this.gatedReported.delete(uid);
    const info = new PodInfo(pod);
    if (nominated) this.queue.setNominated(uid, nominated, info);
    else this.queue.setNominated(uid, undefined, undefined);
    if (!old || !this.queue.has(uid)) {
      this.queue.add(info);
      return;
    }
    const changed = !deepEqual(old.spec, pod.spec) || !deepEqual(old.metadata.labels, pod.metadata.labels) || !deepEqual(old.metadata.annotations, pod.metadata.annotations);
    this.queue.update(info, changed);
  }

  private podDeleted(pod: KubeObject): void {
    const uid = pod.metadata.uid!;
    this.queue.delete(uid);
    this.gatedReported.delete(uid);
    if ((pod.spec as Json | undefined)?.nodeName || this.cache.isAssumed(uid)) {
      this.cache.removePod(uid);
      this.moveFor(eventPlugins.assignedPodDelete);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.queue.waitForPods();
      if (this.stopped) break;
      // Schedule in slices so informer events and binding writes keep flowing.
      const sliceEnd = performance.now() + 8;
      while (!this.stopped && performance.now() < sliceEnd) {
        if (this.bindingsInFlight >= (this.options.maxBindingsInFlight ?? 512)) break;
        const item = this.queue.tryPop();
        if (!item) break;
        const started = performance.now();
        let result: AttemptResult | undefined;
        try {
          result = this.scheduleOne(item);
        } catch (error) {
          this.log.error({ err: error, pod: item.info.key }, 'scheduling attempt failed');
          this.queue.addBackoff(item);
          result = 'error';
        }
        if (result) this.metrics?.attempt(result, (performance.now() - started) / 1000);
      }
      if (this.bindingsInFlight >= (this.options.maxBindingsInFlight ?? 512)) {
        await new Promise<void>((resolve) => (this.bindingDone = resolve));
      } else {
        await nextTurn();
      }
    }
  }

  /** One scheduling cycle; returns its result (undefined when the pod no longer needs one). */
  private scheduleOne(item: QueuedPod): AttemptResult | undefined {
    const pod = item.info;
    const current = this.informers.informer('', 'pods').get(pod.namespace, pod.name);
    if (!current || current.metadata.uid !== pod.uid || !needsScheduling(current) || gated(current)) {
      this.queue.done(pod.uid);
      return undefined;
    }
    const cycle = this.queue.cycle;
    if (pod.invalid) {
      this.fail(item, cycle, new Status(Code.Error, [pod.invalid]), pod.invalid);
      return 'error';
    }
    const state = new CycleState(pod, this.lister);
    const nodes = this.cache.nodes();
    if (!nodes.length) {
      this.fail(item, cycle, unresolvable(noNodesAvailableMessage), noNodesAvailableMessage);
      return 'unschedulable';
    }
    const diagnosis: Diagnosis = { nodeStatuses: new Map(), unschedulablePlugins: new Set() };
    const pre = this.profile.preFilter(state);
    let feasible: NodeInfo[] = [];
    if (pre.status) {
      diagnosis.preFilterMessage = pre.status.message();
      diagnosis.unschedulablePlugins.add(pre.status.plugin);
      for (const node of nodes) diagnosis.nodeStatuses.set(node.name, pre.status);
    } else {
      const candidates = pre.nodeNames ? nodes.filter((n) => pre.nodeNames!.has(n.name)) : nodes;
      if (pre.nodeNames) diagnosis.absentStatus = unresolvable(`node(s) didn't satisfy plugin(s) [${pre.narrowedBy.join(' ')}]`);
      feasible = this.findNodesThatFit(state, candidates, diagnosis);
    }
    if (!feasible.length) {
      this.unschedulable(item, cycle, state, diagnosis, nodes);
      return 'unschedulable';
    }
    const chosen = feasible.length === 1 ? feasible[0]! : this.selectHost(feasible, this.profile.score(state, feasible));
    this.cache.assume(pod, chosen.name);
    this.queue.done(pod.uid);
    this.stats.scheduled++;
    const binding = this.bind(item, state, chosen.name);
    this.bindings.add(binding);
    void binding.finally(() => this.bindings.delete(binding));
    return 'scheduled';
  }

  private findNodesThatFit(state: CycleState, candidates: NodeInfo[], diagnosis: Diagnosis): NodeInfo[] {
    const total = candidates.length;
    if (!total) return [];
    const wanted = feasibleNodesToFind(total, this.options.percentageOfNodesToScore);
    const start = this.nextStartNodeIndex % total;
    const withNominated = this.queue.hasNominatedPods();
    // Sized once: growing it by push took several copies per cycle (7 KB of garbage per pod at 230 feasible nodes).
    const feasible = new Array<NodeInfo>(Math.min(wanted, total));
    let found = 0;
    let processed = 0;
    for (let i = 0; i < total && found < wanted; i++) {
      const node = candidates[(start + i) % total]!;
      processed++;
      const status = withNominated ? this.profile.filterWithNominated(state, node, this.queue) : this.profile.filter(state, node);
      if (status) {
        diagnosis.nodeStatuses.set(node.name, status);
        diagnosis.unschedulablePlugins.add(status.plugin);
      } else feasible[found++] = node;
    }
    this.nextStartNodeIndex = (start + processed) % total;
    feasible.length = found;
    return feasible;
  }

  private selectHost(nodes: NodeInfo[], scores: Float64Array): NodeInfo {
    return nodes[highestScoreIndex(scores)]!;
  }

  /** No node fits: try preemption, then report and park the pod. */
  private unschedulable(item: QueuedPod, cycle: number, state: CycleState, diagnosis: Diagnosis, nodes: NodeInfo[]): void {
    const pdbs = [...this.lister.list('policy', 'poddisruptionbudgets')];
    const outcome = this.preemption.preempt(state, diagnosis, nodes, pdbs);
    const pod = item.info;
    let nominate: string | null | undefined;
    if (outcome.node) {
      nominate = outcome.node;
      this.queue.setNominated(pod.uid, outcome.node, pod);
      this.stats.preempted += outcome.victims.length;
      void this.evict(pod, outcome.node, outcome.victims);
    } else if (outcome.clearNomination && (pod.pod.status as Json | undefined)?.nominatedNodeName) {
      nominate = null;
      this.queue.setNominated(pod.uid, undefined, undefined);
    }
    const message = fitErrorMessage(nodes.length, diagnosis, outcome.message);
    item.unschedulablePlugins = diagnosis.unschedulablePlugins;
    this.fail(item, cycle, unresolvable(message), message, nominate);
  }

  /** Deletes preemption victims (DisruptionTarget condition first), and clears weaker nominations there. */
  private async evict(preemptor: PodInfo, nodeName: string, victims: PodInfo[]): Promise<void> {
    const pods = this.client.resource('', 'pods');
    await Promise.all(
      victims.map(async (victim) => {
        if (victim.terminating) return;
        try {
          await pods.modify(victim.namespace, victim.name, (pod) => {
            const status = (pod.status ??= {}) as Json;
            const conditions: Json[] = (status.conditions ??= []);
            const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(), reason: 'PreemptionByScheduler', message: `${defaultSchedulerName}: preempting to accommodate a higher priority pod` };
            const at = conditions.findIndex((c) => c.type === 'DisruptionTarget');
            if (at >= 0) conditions[at] = condition;
            else conditions.push(condition);
            return pod;
          }, { subresource: 'status' });
          await pods.delete(victim.namespace, victim.name, { preconditions: { uid: victim.uid } });
          this.events.event(victim.pod, 'Normal', 'Preempted', `Preempted by pod ${preemptor.uid} on node ${nodeName}`);
        } catch (error) {
          if (!(error instanceof StatusError && error.code === 404)) this.log.warn({ err: error, victim: victim.key }, 'could not preempt a pod');
        }
      }),
    );
    for (const other of this.queue.nominatedPods(nodeName) ?? []) {
      if (other.priority >= preemptor.priority || other.uid === preemptor.uid) continue;
      this.queue.setNominated(other.uid, undefined, undefined);
      void this.writeCondition(other.pod, undefined, null);
    }
  }

  /** Records a failed attempt: queue placement, FailedScheduling event, PodScheduled=False. */
  private fail(item: QueuedPod, cycle: number, status: Status, message: string, nominate?: string | null): void {
    this.stats.failed++;
    const pod = item.info;
    if (status.rejected) this.queue.addUnschedulable(item, cycle);
    else this.queue.addBackoff(item);
    this.events.event(pod.pod, 'Warning', 'FailedScheduling', message);
    void this.writeCondition(pod.pod, { reason: status.rejected ? 'Unschedulable' : 'SchedulerError', message }, nominate);
  }

  /** PodScheduled=False with a reason and message, and the nominated node, when they differ from what the pod shows. */
  private async writeCondition(pod: KubeObject, condition: { reason: string; message: string } | undefined, nominate?: string | null): Promise<void> {
    const current = this.informers.informer('', 'pods').get(pod.metadata.namespace, pod.metadata.name!);
    if (!current || current.metadata.uid !== pod.metadata.uid) return;
    const status: Json = (current.status as Json | undefined) ?? {};
    const shown = ((status.conditions ?? []) as Json[]).find((c) => c.type === 'PodScheduled');
    const sameCondition = !condition || (shown?.status === 'False' && shown.reason === condition.reason && shown.message === condition.message);
    const sameNomination = nominate === undefined || (nominate === null ? !status.nominatedNodeName : status.nominatedNodeName === nominate);
    if (sameCondition && sameNomination) return;
    try {
      await this.client.resource('', 'pods').modify(pod.metadata.namespace, pod.metadata.name!, (latest) => {
        if (latest.metadata.uid !== pod.metadata.uid || (latest.spec as Json | undefined)?.nodeName) return latest;
        const status = (latest.status ??= {}) as Json;
        if (nominate === null) delete status.nominatedNodeName;
        else if (nominate) status.nominatedNodeName = nominate;
        if (condition) {
          const conditions: Json[] = (status.conditions ??= []);
          const at = conditions.findIndex((c) => c.type === 'PodScheduled');
          const before = at >= 0 ? conditions[at] : undefined;
          const next = {
            type: 'PodScheduled',
            status: 'False',
            lastProbeTime: null,
            lastTransitionTime: before?.status === 'False' ? before.lastTransitionTime : timestamp(),
            reason: condition.reason,
            message: condition.message,
          };
          if (at >= 0) conditions[at] = next;
          else conditions.push(next);
        }
        return latest;
      }, { subresource: 'status' });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) this.log.debug({ err: error, pod: pod.metadata.name }, 'could not update the pod status');
    }
  }

  /** The binding cycle: volumes first (PreBind), then pods/binding; failures put the pod back. */
  private async bind(item: QueuedPod, state: CycleState, nodeName: string): Promise<void> {
    const pod = item.info;
    this.bindingsInFlight++;
    try {
      let stage = 'PreBind';
      try {
        if (pod.claimNames.length) await this.profile.preBind(state, nodeName);
        stage = 'Bind';
        await bindPod(this.core, schedulerUser, pod.namespace, pod.name, { node: nodeName, uid: pod.uid }, { authorize: true });
      } catch (error) {
        this.cache.forget(pod.uid);
        this.moveFor(eventPlugins.assignedPodDelete);
        if (this.stopped) return;
        if (error instanceof StatusError && (error.code === 404 || (error.code === 409 && /already assigned|being deleted/.test(error.message)))) return;
        const message = stage === 'PreBind' ? `running PreBind plugin "VolumeBinding": ${(error as Error).message}` : `binding rejected: ${(error as Error).message}`;
        this.log.debug({ pod: pod.key, node: nodeName, err: error }, 'binding failed');
        this.fail(item, this.queue.cycle, new Status(Code.Error, [message]), message);
        return;
      }
      this.stats.bound++;
      this.queue.setNominated(pod.uid, undefined, undefined);
      this.events.event(pod.pod, 'Normal', 'Scheduled', `Successfully assigned ${pod.namespace}/${pod.name} to ${nodeName}`);
    } finally {
      this.bindingsInFlight--;
      const done = this.bindingDone;
      this.bindingDone = undefined;
      done?.();
    }
  }
}
