// HorizontalPodAutoscaler (autoscaling/v2) on CPU and memory: every 15 s, reads the target's
// scale, the pods' usage from a metrics source (metrics.k8s.io, which k2 server reads from its nodes)
// and their requests, and computes the replicas with Kubernetes' algorithm — tolerance 0.1,
// missing/unready pods counted conservatively, stabilization windows, scaling policies — then
// writes the target's scale subresource and the HPA status with its conditions and events.
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { writeScale } from '../apiserver/handlers/scale.ts';
import { milliValue } from '../apiserver/quantity.ts';
import { cloneObject, deepEqual, timestamp } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject, parseLabelSelector, type LabelSelector, type LabelSelectorObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { setCondition } from './conditions.ts';
import type { ReconcileResult } from './controller.ts';
import type { EventRecorder } from './events.ts';
import { objectKey, type InformerFactory } from './informer.ts';
import { isPodReady, podPhase } from './pods.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

/** One pod's usage, summed over its containers: CPU in millicores, memory in bytes. */
export interface PodUsage {
  cpu: number;
  memory: number;
  timestamp: Date;
}

/** Where pod metrics come from (metrics.k8s.io PodMetrics: podMetricsSource in k2 server; tests bring their own). */
export interface PodMetricsSource {
  podMetrics(namespace: string, selector: LabelSelector): Promise<Map<string, PodUsage>>;
}

export const tolerance = 0.1;
const syncPeriodMs = 15_000;

interface Policy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

interface Rules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: Policy[];
}

/** Behavior with Kubernetes' defaults filled in. */
export function behaviorRules(behavior: Json | undefined): { scaleUp: Rules; scaleDown: Rules } {
  const up: Json = behavior?.scaleUp ?? {};
  const down: Json = behavior?.scaleDown ?? {};
  return {
    scaleUp: {
      stabilizationWindowSeconds: up.stabilizationWindowSeconds ?? 0,
      selectPolicy: up.selectPolicy ?? 'Max',
      policies: up.policies ?? [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: down.stabilizationWindowSeconds ?? 300,
      selectPolicy: down.selectPolicy ?? 'Max',
      policies: down.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
  };
}

interface MetricResult {
  replicas: number;
  status: Json;
  description: string;
}

/**
 * Replicas for one resource metric (GetResourceReplicas + calcPlainMetricReplicas): ready pods
 * with metrics set the ratio; pods without metrics count as 100% when scaling down and 0% when
 * scaling up, unready pods as 0% when scaling up; no change within the tolerance.
 */
export function resourceReplicas(current: number, pods: KubeObject[], usage: Map<string, PodUsage>, resource: 'cpu' | 'memory', target: Json): MetricResult {
  const requests = new Map<string, number>();
  const live = pods.filter((p) => !p.metadata.deletionTimestamp && podPhase(p) !== 'Failed');
  if (!live.length) throw new Error(`no pods`);
  for (const pod of live) {
    let total = 0;
    for (const container of ((pod.spec as Json | undefined)?.containers ?? []) as Json[]) {
      const request = container.resources?.requests?.[resource];
      if (request === undefined) {
        if (target.type === 'Utilization') throw new Error(`missing request for ${resource} in container ${container.name} of Pod ${pod.metadata.name}`);
        continue;
      }
      total += resource === 'cpu' ? milliValue(request) : milliValue(request) / 1000;
    }
    requests.set(pod.metadata.name!, total);
  }
  const value = (u: PodUsage) => (resource === 'cpu' ? u.cpu : u.memory);
  const ready: string[] = [];
  const unready: string[] = [];
  const missing: string[] = [];
  for (const pod of live) {
    const name = pod.metadata.name!;
    if (!usage.has(name)) missing.push(name);
    else if (resource === 'cpu' && (podPhase(pod) === 'Pending' || !isPodReady(pod))) unready.push(name);
    else ready.push(name);
  }
  if (!ready.length && !unready.length) throw new Error(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
  const sumUsage = (names: string[]) => names.reduce((s, n) => s + value(usage.get(n)!), 0);
  const sumRequests = (names: string[]) => names.reduce((s, n) => s + (requests.get(n) ?? 0), 0);
  const utilization = target.type === 'Utilization';
  const averageUsage = ready.length ? sumUsage(ready) / ready.length : 0;
  const ratioOf = (usageTotal: number, requestTotal: number, count: number) => (utilization ? (usageTotal * 100) / requestTotal / target.averageUtilization : usageTotal / count / milliValue(target.averageValue) / (resource === 'cpu' ? 1 : 1 / 1000));
  const ratio = ready.length ? ratioOf(sumUsage(ready), sumRequests(ready), ready.length) : 0;
  const currentUtilization = ready.length && sumRequests(ready) ? Math.floor((sumUsage(ready) * 100) / sumRequests(ready)) : 0;
  const status: Json = {
    type: 'Resource',
    resource: {
      name: resource,
      current: utilization ? { averageUtilization: currentUtilization, averageValue: resource === 'cpu' ? `${Math.round(averageUsage)}m` : `${Math.round(averageUsage)}` } : { averageValue: resource === 'cpu' ? `${Math.round(averageUsage)}m` : `${Math.round(averageUsage)}` },
    },
  };
  const description = utilization ? `${resource} resource utilization (percentage of request)` : `${resource} resource`;
  if (!missing.length && !unready.length) {
    if (Math.abs(1 - ratio) <= tolerance) return { replicas: current, status, description };
    return { replicas: Math.ceil(ratio * ready.length), status, description };
  }
  const scaleUp = ratio > 1;
  const names = [...ready];
  let usageTotal = sumUsage(ready);
  for (const name of missing) {
    names.push(name);
    if (!scaleUp) usageTotal += utilization ? requests.get(name) ?? 0 : milliValue(target.averageValue) * (resource === 'cpu' ? 1 : 1 / 1000);
  }
  if (scaleUp) names.push(...unready);
  const newRatio = ratioOf(usageTotal, sumRequests(names), names.length);
  if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return { replicas: current, status, description };
  const replicas = Math.ceil(newRatio * names.length);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return { replicas: current, status, description };
  return { replicas, status, description };
}

interface ScaleEvent {
  at: number;
  change: number;
}

export class HorizontalPodAutoscalerController extends WorkloadController {
  readonly name = 'horizontal-pod-autoscaler';
  private readonly recommendations = new Map<string, { at: number; replicas: number }[]>();
  private readonly scaleUps = new Map<string, ScaleEvent[]>();
  private readonly scaleDowns = new Map<string, ScaleEvent[]>();

  constructor(
    core: ApiCore,
    informers: InformerFactory,
    client: ApiClient,
    recorder: EventRecorder,
    private readonly metrics: PodMetricsSource | undefined,
    private readonly syncMs = syncPeriodMs,
  ) {
    super(core, informers, client, recorder);
  }

  setup(): void {
    const hpas = this.informers.informer('autoscaling', 'horizontalpodautoscalers');
    hpas.addHandlers({
      add: (h) => this.queue.add(objectKey(h)),
      update: (old, h) => !deepEqual(old.spec, h.spec) && this.queue.add(objectKey(h)),
      delete: (h) => {
        this.recommendations.delete(objectKey(h));
        this.scaleUps.delete(objectKey(h));
        this.scaleDowns.delete(objectKey(h));
      },
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const cached = this.informers.informer('autoscaling', 'horizontalpodautoscalers').getByKey(key);
    if (!cached) return;
    const hpa = cloneObject(cached);
    const spec = hpa.spec as Json;
    const old = (hpa.status ?? {}) as Json;
    const status: Json = { ...cloneObject(old) };
    let conditions: Json[] = old.conditions ?? [];
    const set = (type: string, value: 'True' | 'False', reason: string, message: string) => {
      conditions = setCondition(conditions, { type, status: value, reason, message }, { compareMessage: true });
    };
    const namespace = hpa.metadata.namespace!;
    const ref = spec.scaleTargetRef as Json;
    const now = Date.now();

    const [group, version] = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion ?? 'v1'];
    const served = this.core.registry.lookupKind(group, version, ref.kind);
    let target: KubeObject | undefined;
    if (served?.description.scale) target = await this.core.store(served.description).find(namespace, ref.name);
    if (!served?.description.scale || !target) {
      const message = `the HPA controller was unable to get the target's current scale: ${served?.description.scale ? `${served.description.plural}${served.description.group ? `.${served.description.group}` : ''} "${ref.name}" not found` : `no matches for kind "${ref.kind}" in group "${group}"`}`;
      set('AbleToScale', 'False', 'FailedGetScale', message);
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', message.replace('the HPA controller was unable to get the target\'s current scale: ', ''));
      await this.writeStatus(hpa, { ...status, conditions });
      return { requeueAfterMs: this.syncMs };
    }
    const scale = served.description.scale;
    const at = (path: string[]) => path.reduce<unknown>((o, k) => (o as Json | undefined)?.[k], target);
    const current = (at(scale.specReplicasPath) as number | undefined) ?? 0;
    const rawSelector = scale.labelSelectorPath ? at(scale.labelSelectorPath) : undefined;
    const selector = typeof rawSelector === 'string' ? parseLabelSelector(rawSelector) : labelSelectorFromObject(rawSelector as LabelSelectorObject);
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas;
    status.currentReplicas = current;

    let desired: number;
    let reason = '';
    let computed = true;
    if (current === 0 && minReplicas !== 0) {
      desired = 0;
      set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
      computed = false;
    } else if (current > maxReplicas) {
      desired = maxReplicas;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < minReplicas) {
      desired = minReplicas;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      try {
        const pods = selector ? this.informers.informer('', 'pods').list(namespace).filter((p) => selector.matches(p.metadata.labels)) : [];
        if (!this.metrics || !selector) throw new Error('unable to get metrics for resource cpu: no metrics returned from resource metrics API');
        const usage = await this.metrics.podMetrics(namespace, selector);
        let best: MetricResult | undefined;
        const currentMetrics: Json[] = [];
        for (const metric of (spec.metrics ?? []) as Json[]) {
          if (metric.type !== 'Resource' || !['cpu', 'memory'].includes(metric.resource?.name)) continue;
          let result: MetricResult;
          try {
            result = resourceReplicas(current, pods, usage, metric.resource.name, metric.resource.target);
          } catch (error) {
            throw new Error(`failed to get ${metric.resource.name} utilization: ${(error as Error).message}`);
          }
          currentMetrics.push(result.status);
          if (!best || result.replicas > best.replicas) best = result;
        }
        if (!best) throw new Error('no supported metrics (Resource cpu or memory) in spec.metrics');
        status.currentMetrics = currentMetrics;
        desired = best.replicas;
        reason = desired > current ? `${best.description} above target` : 'All metrics below target';
        set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${best.description}`);
      } catch (error) {
        const message = `the HPA was unable to compute the replica count: ${(error as Error).message}`;
        set('ScalingActive', 'False', 'FailedGetResourceMetric', message);
        this.recorder.event(hpa, 'Warning', 'FailedGetResourceMetric', (error as Error).message);
        this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${(spec.metrics ?? []).length} invalid out of ${(spec.metrics ?? []).length}), first error is: ${(error as Error).message}`);
        await this.writeStatus(hpa, { ...status, desiredReplicas: old.desiredReplicas ?? current, conditions });
        return { requeueAfterMs: this.syncMs };
      }
    }
    if (computed) {
      const limited = this.normalize(key, hpa, current, desired, minReplicas, maxReplicas, now);
      desired = limited.replicas;
      set('AbleToScale', 'True', limited.ableReason, limited.ableMessage);
      set('ScalingLimited', limited.limited ? 'True' : 'False', limited.limitReason, limited.limitMessage);
    }
    if (desired !== current) {
      try {
        await writeScale(this.core.store(served.description), served, namespace, ref.name, (s) => ({ ...s, spec: { replicas: desired } }), { user: this.client.user });
      } catch (error) {
        const message = `the HPA controller was unable to update the target scale: ${(error as Error).message}`;
        set('AbleToScale', 'False', 'FailedUpdateScale', message);
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${(error as Error).message}`);
        await this.writeStatus(hpa, { ...status, conditions });
        throw error;
      }
      this.recordScale(key, current, desired, now);
      set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      status.lastScaleTime = timestamp(new Date(now));
    }
    status.desiredReplicas = desired;
    status.conditions = conditions;
    await this.writeStatus(hpa, status);
    return { requeueAfterMs: this.syncMs };
  }

  private async writeStatus(hpa: KubeObject, status: Json): Promise<void> {
    if (deepEqual(hpa.status ?? {}, status)) return;
    try {
      await this.client.resource('autoscaling', 'horizontalpodautoscalers').modify(hpa.metadata.namespace, hpa.metadata.name!, (latest) => {
        if (latest.metadata.uid !== hpa.metadata.uid) throw new StatusError(409, 'Conflict', 'replaced');
        latest.status = status;
        return latest;
      }, { subresource: 'status' });
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }

  private recordScale(key: string, from: number, to: number, now: number): void {
    const list = to > from ? this.scaleUps : this.scaleDowns;
    list.set(key, [...(list.get(key) ?? []), { at: now, change: Math.abs(to - from) }]);
  }

  /** Stabilization windows, then the scale-up/down policies, then min/max (normalizeDesiredReplicasWithBehaviors). */
  private normalize(key: string, hpa: KubeObject, current: number, desired: number, min: number, max: number, now: number) {
    const rules = behaviorRules((hpa.spec as Json).behavior);
    const history = [...(this.recommendations.get(key) ?? []), { at: now, replicas: desired }];
    const longest = Math.max(rules.scaleUp.stabilizationWindowSeconds, rules.scaleDown.stabilizationWindowSeconds) * 1000;
    this.recommendations.set(key, history.filter((r) => r.at > now - longest - 1));
    const within = (seconds: number) => history.filter((r) => r.at >= now - seconds * 1000);
    const upRecommendation = Math.min(...within(rules.scaleUp.stabilizationWindowSeconds).map((r) => r.replicas));
    const downRecommendation = Math.max(...within(rules.scaleDown.stabilizationWindowSeconds).map((r) => r.replicas));
    let stabilized = current;
    if (upRecommendation > current) stabilized = upRecommendation;
    if (downRecommendation < current) stabilized = downRecommendation;
    let ableReason = 'ReadyForNewScale';
    let ableMessage = 'recommended size matches current size';
    if (stabilized !== desired) {
      if (stabilized > desired) {
        ableReason = 'ScaleDownStabilized';
        ableMessage = 'recent recommendations were higher than current one, applying the highest recent recommendation';
      } else {
        ableReason = 'ScaleUpStabilized';
        ableMessage = 'recent recommendations were lower than current one, applying the lowest recent recommendation';
      }
    }
    const changesIn = (events: ScaleEvent[] | undefined, periodSeconds: number) => (events ?? []).filter((e) => e.at > now - periodSeconds * 1000).reduce((s, e) => s + e.change, 0);
    let replicas = stabilized;
    let limitReason = 'DesiredWithinRange';
    let limitMessage = 'the desired count is within the acceptable range';
    if (stabilized > current) {
      const limits = rules.scaleUp.policies.map((p) => {
        const start = current - changesIn(this.scaleUps.get(key), p.periodSeconds) + changesIn(this.scaleDowns.get(key), p.periodSeconds);
        return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      });
      const limit = rules.scaleUp.selectPolicy === 'Disabled' ? current : rules.scaleUp.selectPolicy === 'Min' ? Math.min(...limits) : Math.max(...limits);
      const upper = Math.min(limit, max);
      if (replicas > upper) {
        replicas = upper;
        [limitReason, limitMessage] = limit < max ? ['ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'] : ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
      }
    } else if (stabilized < current) {
      const limits = rules.scaleDown.policies.map((p) => {
        const start = current + changesIn(this.scaleDowns.get(key), p.periodSeconds) - changesIn(this.scaleUps.get(key), p.periodSeconds);
        return p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
      });
      const limit = rules.scaleDown.selectPolicy === 'Disabled' ? current : rules.scaleDown.selectPolicy === 'Min' ? Math.max(...limits) : Math.min(...limits);
      const lower = Math.max(limit, min);
      if (replicas < lower) {
        replicas = lower;
        [limitReason, limitMessage] = limit > min ? ['ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate'] : ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
      }
    }
    if (replicas > max) {
      replicas = max;
      [limitReason, limitMessage] = ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    } else if (replicas < min) {
      replicas = min;
      [limitReason, limitMessage] = ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    }
    return { replicas, ableReason, ableMessage, limited: limitReason !== 'DesiredWithinRange', limitReason, limitMessage };
  }
}
