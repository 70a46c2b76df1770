// ResourceQuota: what a namespace uses (object counts, compute requests and limits, storage),
// measured from the stored objects, and admission that refuses a create that would exceed a
// quota — with Kubernetes' message. The resource-quota controller writes the same usage to status.
import type { ApiCore } from '../core.ts';
import { formatQuantity, parseQuantity } from '../quantity.ts';
import { storageResource } from '../registry/registry.ts';
import type { KubeObject, ResourceDescription } from '../registry/types.ts';
import { errors } from '../status.ts';
import type { AdmissionPlugin } from './types.ts';

type Json = Record<string, any>;
type Usage = Map<string, bigint>; // resource name → nanos

const legacyCounts: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  secrets: 'secrets',
  configmaps: 'configmaps',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

const one = 10n ** 9n;

function nanos(value: unknown): bigint {
  try {
    return parseQuantity(value as string).nanos;
  } catch {
    return 0n;
  }
}

function podIsTerminal(pod: KubeObject): boolean {
  const phase = (pod.status as Json | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** What one object adds to a namespace's usage. */
export function objectUsage(description: ResourceDescription, object: KubeObject): Usage {
  const usage: Usage = new Map();
  const add = (name: string, value: bigint) => usage.set(name, (usage.get(name) ?? 0n) + value);
  add(`count/${storageResource(description)}`, one);
  if (description.group === '' && legacyCounts[description.plural]) add(legacyCounts[description.plural]!, one);
  if (description.group === '' && description.plural === 'pods') {
    if (podIsTerminal(object)) return new Map([[`count/pods`, one]]);
    const spec: Json = (object.spec as Json) ?? {};
    // A pod needs the larger of its containers' sum and its largest init container.
    const total = (kind: 'requests' | 'limits', resource: string) => {
      const sum = (spec.containers ?? []).reduce((n: bigint, c: Json) => n + nanos(c.resources?.[kind]?.[resource] ?? 0), 0n);
      const init = (spec.initContainers ?? []).reduce((m: bigint, c: Json) => {
        const v = nanos(c.resources?.[kind]?.[resource] ?? 0);
        return v > m ? v : m;
      }, 0n);
      return sum > init ? sum : init;
    };
    for (const resource of ['cpu', 'memory', 'ephemeral-storage']) {
      const requests = total('requests', resource);
      const limits = total('limits', resource);
      add(`requests.${resource}`, requests);
      add(`limits.${resource}`, limits);
      if (resource !== 'ephemeral-storage') add(resource, requests);
    }
  }
  if (description.group === '' && description.plural === 'services') {
    const spec: Json = (object.spec as Json) ?? {};
    if (spec.type === 'LoadBalancer') add('services.loadbalancers', one);
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') add('services.nodeports', BigInt((spec.ports ?? []).length) * one);
  }
  if (description.group === '' && description.plural === 'persistentvolumeclaims') {
    const storage = nanos((object.spec as Json | undefined)?.resources?.requests?.storage ?? 0);
    add('requests.storage', storage);
    const className = (object.spec as Json | undefined)?.storageClassName;
    if (className) {
      add(`${className}.storageclass.storage.k8s.io/requests.storage`, storage);
      add(`${className}.storageclass.storage.k8s.io/persistentvolumeclaims`, one);
    }
  }
  return usage;
}

/** The namespace's current usage of every resource named in `hard`. */
export function namespaceUsage(core: ApiCore, namespace: string, hard: Record<string, unknown>): Usage {
  const wanted = new Set(Object.keys(hard));
  const totals: Usage = new Map([...wanted].map((name) => [name, 0n]));
  for (const description of core.registry.all()) {
    if (!description.namespaced || description.virtual) continue;
    const resource = storageResource(description);
    const relevant =
      wanted.has(`count/${resource}`) ||
      (description.group === '' && ['pods', 'services', 'persistentvolumeclaims', 'secrets', 'configmaps', 'replicationcontrollers', 'resourcequotas'].includes(description.plural));
    if (!relevant) continue;
    for (const entry of core.cache.list(`/registry/${resource}/${namespace}/`)) {
      for (const [name, value] of objectUsage(description, entry.object)) if (wanted.has(name)) totals.set(name, totals.get(name)! + value);
    }
  }
  return totals;
}

export function formatUsage(value: bigint, like: unknown): string {
  let format: 'DecimalSI' | 'BinarySI' = 'DecimalSI';
  try {
    format = parseQuantity(like as string).format === 'BinarySI' ? 'BinarySI' : 'DecimalSI';
  } catch {
    // keep DecimalSI
  }
  return formatQuantity({ nanos: value, format });
}

export function resourceQuotaAdmission(core: ApiCore): AdmissionPlugin {
  return {
    name: 'ResourceQuota',
    validate(attributes) {
      const { description, operation, object, namespace } = attributes;
      if (operation !== 'CREATE' || !object || !namespace || attributes.subresource || !description.namespaced || description.virtual) return;
      const quotas = [...core.cache.list(`/registry/resourcequotas/${namespace}/`)].map((entry) => entry.object);
      if (!quotas.length) return;
      const delta = objectUsage(description, object);
      for (const quota of quotas.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))) {
        const hard = ((quota.spec as Json | undefined)?.hard ?? {}) as Record<string, unknown>;
        const relevant = Object.keys(hard).filter((name) => delta.has(name));
        if (!relevant.length) continue;
        if (description.group === '' && description.plural === 'pods') {
          const missing = relevant.filter((name) => /^(requests|limits)\.(cpu|memory)$|^(cpu|memory)$/.test(name) && delta.get(name) === 0n);
          if (missing.length) {
            throw errors.forbidden(`pods "${object.metadata.name ?? ''}" is forbidden: failed quota: ${quota.metadata.name}: must specify ${missing.sort().join(',')}`, { name: object.metadata.name, kind: 'pods' });
          }
        }
        const used = namespaceUsage(core, namespace, Object.fromEntries(relevant.map((name) => [name, hard[name]])));
        const exceeded = relevant.filter((name) => used.get(name)! + delta.get(name)! > nanos(hard[name]));
        if (exceeded.length) {
          const list = (values: (name: string) => string) => exceeded.sort().map((name) => `${name}=${values(name)}`).join(',');
          throw errors.forbidden(
            `${storageResource(description)} "${object.metadata.name ?? ''}" is forbidden: exceeded quota: ${quota.metadata.name}, requested: ${list((n) => formatUsage(delta.get(n)!, hard[n]))}, used: ${list((n) => formatUsage(used.get(n)!, hard[n]))}, limited: ${list((n) => formatUsage(nanos(hard[n]), hard[n]))}`,
            { name: object.metadata.name, kind: description.plural },
          );
        }
      }
    },
  };
}
