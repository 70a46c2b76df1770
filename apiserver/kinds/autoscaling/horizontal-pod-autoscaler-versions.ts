// HorizontalPodAutoscalers in every version Kubernetes served, around the autoscaling/v2 stored
// form: autoscaling/v2beta2 (same shape), autoscaling/v2beta1 and v2alpha1 (flat metric targets),
// autoscaling/v1 (one CPU target; the rest rides in Kubernetes' autoscaling.alpha.kubernetes.io/*
// annotations) and extensions/v1beta1 (1.1–1.5: v1 with scaleRef and cpuUtilization).
import { setAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

export const hpaAnnotations = {
  metrics: 'autoscaling.alpha.kubernetes.io/metrics',
  currentMetrics: 'autoscaling.alpha.kubernetes.io/current-metrics',
  conditions: 'autoscaling.alpha.kubernetes.io/conditions',
  behavior: 'autoscaling.alpha.kubernetes.io/behavior',
};

const allAnnotations = Object.values(hpaAnnotations);

/** Drops the round-trip annotations: autoscaling/v2 and v2beta2 never carry them, in either direction. */
export function dropRoundTripAnnotations(hpa: KubeObject): void {
  for (const key of allAnnotations) setAnnotation(hpa, key, undefined);
}

function defined(entries: Json): Json {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

// ---------------------------------------------------------------------------------------------
// Metric specs and statuses: autoscaling/v2 ↔ the flat v2beta1 shape (also the v1 annotations')

/**
 * Specs say `target` (v2) and `targetAverageValue`… (v2beta1); statuses `current` and
 * `currentAverageValue`…: one conversion serves both, named by the side.
 */
type Side = 'target' | 'current';

/** An autoscaling/v2 metric spec or status in the flat v2beta1 shape. */
function flatten(metric: Json, side: Side): Json {
  const out: Json = { type: metric.type };
  const average = `${side}AverageValue`;
  for (const source of ['resource', 'containerResource'] as const) {
    if (!metric[source]) continue;
    const { [side]: values = {}, ...rest } = metric[source];
    out[source] = defined({ ...rest, [`${side}AverageUtilization`]: values.averageUtilization, [average]: values.averageValue });
  }
  if (metric.pods) {
    const { metric: id = {}, [side]: values = {} } = metric.pods;
    out.pods = defined({ metricName: id.name, selector: id.selector, [average]: values.averageValue });
  }
  if (metric.object) {
    const { metric: id = {}, [side]: values = {}, describedObject } = metric.object;
    out.object = defined({ target: describedObject, metricName: id.name, selector: id.selector, [`${side}Value`]: values.value, averageValue: values.averageValue });
  }
  if (metric.external) {
    const { metric: id = {}, [side]: values = {} } = metric.external;
    out.external = defined({ metricName: id.name, metricSelector: id.selector, [`${side}Value`]: values.value, [average]: values.averageValue });
  }
  return out;
}

/** A flat v2beta1 metric spec or status in the autoscaling/v2 shape (targets get the type their values imply). */
function nest(metric: Json, side: Side): Json {
  const out: Json = { type: metric.type };
  const typed = (type: string, values: Json): Json => (side === 'target' ? defined({ type, ...values }) : defined(values));
  const average = `${side}AverageValue`;
  for (const source of ['resource', 'containerResource'] as const) {
    if (!metric[source]) continue;
    const { [`${side}AverageUtilization`]: utilization, [average]: value, ...rest } = metric[source];
    out[source] = { ...rest, [side]: typed(utilization !== undefined ? 'Utilization' : 'AverageValue', { averageUtilization: utilization, averageValue: value }) };
  }
  if (metric.pods) {
    const { metricName, selector, [average]: value } = metric.pods;
    out.pods = { metric: defined({ name: metricName, selector }), [side]: typed('AverageValue', { averageValue: value }) };
  }
  if (metric.object) {
    const { target, metricName, selector, [`${side}Value`]: value, averageValue } = metric.object;
    out.object = defined({ describedObject: target, metric: defined({ name: metricName, selector }), [side]: typed(averageValue !== undefined ? 'AverageValue' : 'Value', { value, averageValue }) });
  }
  if (metric.external) {
    const { metricName, metricSelector, [`${side}Value`]: value, [average]: averageValue } = metric.external;
    out.external = { metric: defined({ name: metricName, selector: metricSelector }), [side]: typed(value !== undefined ? 'Value' : 'AverageValue', { value, averageValue }) };
  }
  return out;
}

export const metricToV2beta1 = (metric: Json) => flatten(metric, 'target');
export const metricFromV2beta1 = (metric: Json) => nest(metric, 'target');
export const metricStatusToV2beta1 = (status: Json) => flatten(status, 'current');
export const metricStatusFromV2beta1 = (status: Json) => nest(status, 'current');

// ---------------------------------------------------------------------------------------------
// Behavior in the annotation: Kubernetes writes its internal struct, which has no JSON tags, so the
// keys are Go field names ({"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max",…}}).

function rulesToGo(rules: Json | undefined): Json | null {
  if (!rules) return null;
  return {
    StabilizationWindowSeconds: rules.stabilizationWindowSeconds ?? null,
    SelectPolicy: rules.selectPolicy ?? null,
    Policies: rules.policies ? (rules.policies as Json[]).map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
  };
}

function rulesFromGo(rules: Json | null | undefined): Json | undefined {
  if (!rules || typeof rules !== 'object') return undefined;
  return defined({
    stabilizationWindowSeconds: rules.StabilizationWindowSeconds ?? undefined,
    selectPolicy: rules.SelectPolicy ?? undefined,
    policies: Array.isArray(rules.Policies) ? rules.Policies.map((p: Json) => ({ type: p.Type, value: p.Value, periodSeconds: p.PeriodSeconds })) : undefined,
  });
}

export function behaviorToAnnotation(behavior: Json): string {
  return JSON.stringify({ ScaleUp: rulesToGo(behavior.scaleUp), ScaleDown: rulesToGo(behavior.scaleDown) });
}

export function behaviorFromAnnotation(text: string): Json | undefined {
  const parsed = parseJson(text);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const behavior = defined({ scaleUp: rulesFromGo(parsed.ScaleUp), scaleDown: rulesFromGo(parsed.ScaleDown) });
  return Object.keys(behavior).length ? behavior : undefined;
}

/** Malformed annotation JSON is ignored, as Kubernetes ignores it. */
function parseJson(text: string | undefined): any {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults

/** autoscaling/v2 and v2beta2: behavior parts left out get the controller's rules, only when behavior is given. */
export function defaultBehavior(spec: Json): void {
  const behavior = spec.behavior as Json | undefined;
  if (!behavior) return;
  behavior.scaleUp ??= {};
  behavior.scaleUp.stabilizationWindowSeconds ??= 0;
  behavior.scaleUp.selectPolicy ||= 'Max';
  behavior.scaleUp.policies ??= [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ];
  behavior.scaleDown ??= {};
  behavior.scaleDown.selectPolicy ||= 'Max';
  behavior.scaleDown.policies ??= [{ type: 'Percent', value: 100, periodSeconds: 15 }];
}

function defaultMinReplicas(hpa: KubeObject): Json {
  const spec: Json = ((hpa.spec as Json | undefined) ??= {});
  spec.minReplicas ??= 1;
  return spec;
}

const cpuUtilizationV2 = (percent: number): Json => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } });

// ---------------------------------------------------------------------------------------------
// autoscaling/v2beta1 (and v2alpha1) ↔ v2

function v2beta1ToStored(hpa: KubeObject): KubeObject {
  const spec = (hpa.spec ?? {}) as Json;
  const status = hpa.status as Json | undefined;
  if (spec.metrics) spec.metrics = (spec.metrics as Json[]).map(metricFromV2beta1);
  if (status?.currentMetrics) status.currentMetrics = (status.currentMetrics as Json[]).map(metricStatusFromV2beta1);
  const behavior = behaviorFromAnnotation(hpa.metadata.annotations?.[hpaAnnotations.behavior] ?? '');
  if (behavior) spec.behavior = behavior;
  dropRoundTripAnnotations(hpa);
  return hpa;
}

function v2beta1FromStored(stored: KubeObject): KubeObject {
  const hpa = cloneObject(stored);
  dropRoundTripAnnotations(hpa);
  const spec = (hpa.spec ?? {}) as Json;
  const status = hpa.status as Json | undefined;
  if (spec.metrics) spec.metrics = (spec.metrics as Json[]).map(metricToV2beta1);
  if (status?.currentMetrics) status.currentMetrics = (status.currentMetrics as Json[]).map(metricStatusToV2beta1);
  if (spec.behavior) {
    setAnnotation(hpa, hpaAnnotations.behavior, behaviorToAnnotation(spec.behavior));
    delete spec.behavior;
  }
  return hpa;
}

function v2beta1Defaults(hpa: KubeObject): void {
  const spec = defaultMinReplicas(hpa);
  if (!spec.metrics?.length) spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', targetAverageUtilization: 80 } }];
}

// ---------------------------------------------------------------------------------------------
// autoscaling/v1 ↔ v2

function isCpuUtilization(metric: Json): boolean {
  return metric.type === 'Resource' && metric.resource?.name === 'cpu' && metric.resource?.target?.averageUtilization !== undefined;
}

function v1ToStored(hpa: KubeObject): KubeObject {
  const annotations = hpa.metadata.annotations ?? {};
  const spec = (hpa.spec ?? {}) as Json;
  const status = hpa.status as Json | undefined;
  const fromAnnotation = parseJson(annotations[hpaAnnotations.metrics]);
  const metrics: Json[] = Array.isArray(fromAnnotation) ? fromAnnotation.map(metricFromV2beta1) : [];
  // The CPU target takes the place of the annotation's first CPU target (k2 writes one there to keep
  // the order), else it goes last, as in Kubernetes; no CPU target removes that one.
  const target = spec.targetCPUUtilizationPercentage;
  const cpu = metrics.findIndex(isCpuUtilization);
  if (target !== undefined && target !== null) {
    if (cpu >= 0) metrics[cpu] = cpuUtilizationV2(target);
    else metrics.push(cpuUtilizationV2(target));
  } else if (cpu >= 0) metrics.splice(cpu, 1);
  delete spec.targetCPUUtilizationPercentage;
  spec.metrics = metrics.length ? metrics : [cpuUtilizationV2(80)];
  const behavior = behaviorFromAnnotation(annotations[hpaAnnotations.behavior] ?? '');
  if (behavior) spec.behavior = behavior;
  if (status) {
    const current = status.currentCPUUtilizationPercentage;
    delete status.currentCPUUtilizationPercentage;
    const currentMetrics = parseJson(annotations[hpaAnnotations.currentMetrics]);
    if (Array.isArray(currentMetrics)) status.currentMetrics = currentMetrics.map(metricStatusFromV2beta1);
    else if (current !== undefined && current !== null) status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }];
    const conditions = parseJson(annotations[hpaAnnotations.conditions]);
    if (Array.isArray(conditions)) status.conditions = conditions;
  }
  dropRoundTripAnnotations(hpa);
  return hpa;
}

function v1FromStored(stored: KubeObject): KubeObject {
  const hpa = cloneObject(stored);
  dropRoundTripAnnotations(hpa);
  const spec = (hpa.spec ?? {}) as Json;
  const status = hpa.status as Json | undefined;
  const metrics = (spec.metrics ?? []) as Json[];
  const cpu = metrics.findIndex(isCpuUtilization);
  if (cpu >= 0) spec.targetCPUUtilizationPercentage = metrics[cpu]!.resource.target.averageUtilization;
  // The annotation carries every metric but the CPU target (also a second CPU target, which Kubernetes
  // drops); when the CPU target is not last, it stays in its place there too, so the order survives.
  const carried = cpu === metrics.length - 1 ? metrics.slice(0, -1) : metrics;
  if (carried.length) setAnnotation(hpa, hpaAnnotations.metrics, JSON.stringify(carried.map(metricToV2beta1)));
  delete spec.metrics;
  if (spec.behavior) setAnnotation(hpa, hpaAnnotations.behavior, behaviorToAnnotation(spec.behavior));
  delete spec.behavior;
  if (status) {
    const currentMetrics = (status.currentMetrics ?? []) as Json[];
    const currentCpu = currentMetrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource?.current?.averageUtilization !== undefined);
    if (currentCpu) status.currentCPUUtilizationPercentage = currentCpu.resource.current.averageUtilization;
    if (currentMetrics.length) setAnnotation(hpa, hpaAnnotations.currentMetrics, JSON.stringify(currentMetrics.map(metricStatusToV2beta1)));
    delete status.currentMetrics;
    if (status.conditions?.length) setAnnotation(hpa, hpaAnnotations.conditions, JSON.stringify(status.conditions));
    delete status.conditions;
  }
  return hpa;
}

// ---------------------------------------------------------------------------------------------
// extensions/v1beta1 (1.1–1.5) ↔ v1 ↔ v2: scaleRef and cpuUtilization.targetPercentage

function extensionsToStored(hpa: KubeObject): KubeObject {
  const spec = (hpa.spec ?? {}) as Json;
  if (spec.scaleRef) {
    const { subresource: _subresource, ...ref } = spec.scaleRef;
    spec.scaleTargetRef = ref;
    delete spec.scaleRef;
  }
  if (spec.cpuUtilization) spec.targetCPUUtilizationPercentage = spec.cpuUtilization.targetPercentage;
  delete spec.cpuUtilization;
  return v1ToStored(hpa);
}

function extensionsFromStored(stored: KubeObject): KubeObject {
  const hpa = v1FromStored(stored);
  const spec = (hpa.spec ?? {}) as Json;
  if (spec.scaleTargetRef) spec.scaleRef = { ...spec.scaleTargetRef, subresource: 'scale' };
  delete spec.scaleTargetRef;
  if (spec.targetCPUUtilizationPercentage !== undefined) spec.cpuUtilization = { targetPercentage: spec.targetCPUUtilizationPercentage };
  delete spec.targetCPUUtilizationPercentage;
  return hpa;
}

export const horizontalPodAutoscalerVersions: VersionDescription[] = [
  { version: 'v1', defaults: defaultMinReplicas, toStored: v1ToStored, fromStored: v1FromStored },
  {
    version: 'v2beta2',
    defaults(hpa) {
      const spec = defaultMinReplicas(hpa);
      if (!spec.metrics?.length) spec.metrics = [cpuUtilizationV2(80)];
      defaultBehavior(spec);
    },
    toStored(hpa) {
      dropRoundTripAnnotations(hpa);
      return hpa;
    },
  },
  { version: 'v2beta1', defaults: v2beta1Defaults, toStored: v2beta1ToStored, fromStored: v2beta1FromStored },
  {
    // 1.6–1.8; v2beta1 is a copy of it.
    version: 'v2alpha1',
    defaults: v2beta1Defaults,
    toStored: v2beta1ToStored,
    fromStored: v2beta1FromStored,
  },
  {
    group: 'extensions',
    version: 'v1beta1',
    // No CPU target and no other metric: the conversion gives CPU 80%, as for autoscaling/v1.
    defaults: defaultMinReplicas,
    toStored: extensionsToStored,
    fromStored: extensionsFromStored,
  },
];
