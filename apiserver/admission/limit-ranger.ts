// LimitRanger: a namespace's LimitRanges give containers default requests and limits, and bound
// what containers, pods and claims may ask for — with Kubernetes' messages and annotation.
import type { ApiCore } from '../core.ts';
import { formatQuantity, parseQuantity } from '../quantity.ts';
import { errors } from '../status.ts';
import type { AdmissionPlugin } from './types.ts';

type Json = Record<string, any>;

function nanosOf(value: unknown): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return parseQuantity(value as string).nanos;
  } catch {
    return undefined;
  }
}

function show(value: unknown): string {
  try {
    return formatQuantity(parseQuantity(value as string));
  } catch {
    return String(value);
  }
}

/** Applies `default` and `defaultRequest` of Container limits to the pod's containers; returns what it set. */
function applyDefaults(spec: Json, limits: Json[]): string[] {
  const notes: string[] = [];
  const containers: [Json, string][] = [...(spec.initContainers ?? []).map((c: Json) => [c, 'init container'] as [Json, string]), ...(spec.containers ?? []).map((c: Json) => [c, 'container'] as [Json, string])];
  for (const [container, label] of containers) {
    const setRequests: string[] = [];
    const setLimits: string[] = [];
    for (const item of limits) {
      if (item.type !== 'Container') continue;
      const resources = (container.resources ??= {});
      for (const [resource, value] of Object.entries((item.default ?? {}) as Json)) {
        resources.limits ??= {};
        if (resources.limits[resource] === undefined) {
          resources.limits[resource] = value;
          setLimits.push(resource);
        }
      }
      for (const [resource, value] of Object.entries((item.defaultRequest ?? {}) as Json)) {
        resources.requests ??= {};
        if (resources.requests[resource] === undefined) {
          resources.requests[resource] = value;
          setRequests.push(resource);
        }
      }
    }
    if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${label} ${container.name}`);
    if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${label} ${container.name}`);
  }
  return notes;
}

function checkBounds(kindLabel: string, item: Json, requests: Json, limits: Json): string[] {
  const problems: string[] = [];
  for (const [resource, min] of Object.entries((item.min ?? {}) as Json)) {
    const request = nanosOf(requests[resource]);
    if (request === undefined) problems.push(`minimum ${resource} usage per ${kindLabel} is ${show(min)}.  No request is specified`);
    else if (request < nanosOf(min)!) problems.push(`minimum ${resource} usage per ${kindLabel} is ${show(min)}, but request is ${show(requests[resource])}`);
  }
  for (const [resource, max] of Object.entries((item.max ?? {}) as Json)) {
    const limit = nanosOf(limits[resource]);
    if (limit === undefined) problems.push(`maximum ${resource} usage per ${kindLabel} is ${show(max)}.  No limit is specified`);
    else if (limit > nanosOf(max)!) problems.push(`maximum ${resource} usage per ${kindLabel} is ${show(max)}, but limit is ${show(limits[resource])}`);
  }
  for (const [resource, ratio] of Object.entries((item.maxLimitRequestRatio ?? {}) as Json)) {
    const limit = nanosOf(limits[resource]);
    const request = nanosOf(requests[resource]);
    if (limit === undefined || request === undefined || request === 0n) continue;
    const actual = Number(limit) / Number(request);
    if (actual > Number(nanosOf(ratio)) / 1e9) problems.push(`${resource} max limit to request ratio per ${kindLabel} is ${show(ratio)}, but provided ratio is ${actual.toFixed(6)}`);
  }
  return problems;
}

function sum(lists: Json[]): Json {
  const totals = new Map<string, bigint>();
  for (const list of lists) for (const [resource, value] of Object.entries(list ?? {})) totals.set(resource, (totals.get(resource) ?? 0n) + (nanosOf(value) ?? 0n));
  return Object.fromEntries([...totals].map(([resource, nanos]) => [resource, formatQuantity({ nanos, format: 'DecimalSI' })]));
}

export function limitRanger(core: ApiCore): AdmissionPlugin {
  const rangesIn = (namespace: string | undefined): Json[] =>
    namespace ? [...core.cache.list(`/registry/limitranges/${namespace}/`)].flatMap((entry) => ((entry.object.spec as Json | undefined)?.limits ?? []) as Json[]) : [];
  return {
    name: 'LimitRanger',
    mutate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== '' || description.plural !== 'pods' || operation !== 'CREATE' || !object || attributes.subresource) return;
      const limits = rangesIn(attributes.namespace);
      if (!limits.length) return;
      const notes = applyDefaults((object.spec ??= {}) as Json, limits);
      if (notes.length) object.metadata.annotations = { ...object.metadata.annotations, 'kubernetes.io/limit-ranger': `LimitRanger plugin set: ${notes.join('; ')}` };
    },
    validate(attributes) {
      const { description, operation, object } = attributes;
      if (!object || operation !== 'CREATE' || description.group !== '' || attributes.subresource) return;
      if (description.plural !== 'pods' && description.plural !== 'persistentvolumeclaims') return;
      const limits = rangesIn(attributes.namespace);
      if (!limits.length) return;
      const problems: string[] = [];
      const spec: Json = (object.spec as Json) ?? {};
      if (description.plural === 'pods') {
        const containers: Json[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
        for (const item of limits) {
          if (item.type === 'Container') for (const c of containers) problems.push(...checkBounds('Container', item, c.resources?.requests ?? {}, c.resources?.limits ?? {}));
          if (item.type === 'Pod') {
            const all: Json[] = spec.containers ?? [];
            problems.push(...checkBounds('Pod', item, sum(all.map((c) => c.resources?.requests ?? {})), sum(all.map((c) => c.resources?.limits ?? {}))));
          }
        }
      } else {
        for (const item of limits) if (item.type === 'PersistentVolumeClaim') problems.push(...checkBounds('PersistentVolumeClaim', item, spec.resources?.requests ?? {}, spec.resources?.limits ?? spec.resources?.requests ?? {}));
      }
      if (problems.length) {
        throw errors.forbidden(`${description.plural} "${object.metadata.name ?? ''}" is forbidden: [${problems.join(', ')}]`.replace(/\[([^,\]]*)\]$/, '$1'), { name: object.metadata.name, kind: description.plural });
      }
    },
  };
}
