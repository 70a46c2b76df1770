// What the Endpoints and EndpointSlice controllers share: which pods a Service selects, whether a
// pod belongs in its endpoints (has an IP, not finished, not going unless the Service publishes
// not-ready addresses), its readiness, and the port a Service port resolves to on a pod (named
// target ports are looked up in the pod's containers).
import { labelSelectorFromObject, type LabelSelector } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import type { Informer, InformerFactory } from './informer.ts';
import { objectKey } from './informer.ts';

type Json = Record<string, any>;

/** The pods a Service selects; undefined for Services without a selector (their endpoints are managed by hand). */
export function serviceSelector(service: KubeObject): LabelSelector | undefined {
  const spec: Json = (service.spec as Json | undefined) ?? {};
  if (spec.type === 'ExternalName' || !spec.selector || !Object.keys(spec.selector).length) return undefined;
  return labelSelectorFromObject({ matchLabels: spec.selector });
}

export function podIsReady(pod: KubeObject): boolean {
  return ((pod.status as Json | undefined)?.conditions ?? []).some((c: Json) => c.type === 'Ready' && c.status === 'True');
}

export function podIp(pod: KubeObject): string | undefined {
  const status: Json = (pod.status as Json | undefined) ?? {};
  return status.podIP || status.podIPs?.[0]?.ip || undefined;
}

/** ShouldPodBeInEndpoints: an IP, not finished, and (unless included) not terminating. */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = (pod.status as Json | undefined)?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!podIp(pod)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The port number a Service port's targetPort means on this pod (named ports are looked up in its containers). */
export function resolveTargetPort(pod: KubeObject, servicePort: Json): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(String(target))) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  const spec: Json = (pod.spec as Json | undefined) ?? {};
  for (const container of [...((spec.containers ?? []) as Json[]), ...((spec.initContainers ?? []) as Json[]).filter((c) => c.restartPolicy === 'Always')]) {
    for (const port of (container.ports ?? []) as Json[]) if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
  }
  return undefined;
}

/** The pods in the Service's namespace its selector matches. */
export function selectedPods(pods: Informer, service: KubeObject, selector: LabelSelector): KubeObject[] {
  return pods.list(service.metadata.namespace).filter((pod) => selector.matches(pod.metadata.labels));
}

/** The keys of the Services in the pod's namespace that select it (before or after a change). */
export function servicesSelecting(services: Informer, ...versions: (KubeObject | undefined)[]): Set<string> {
  const keys = new Set<string>();
  const namespace = versions.find((v) => v)?.metadata.namespace;
  if (!namespace) return keys;
  for (const service of services.list(namespace)) {
    const selector = serviceSelector(service);
    if (!selector) continue;
    if (versions.some((pod) => pod && selector.matches(pod.metadata.labels))) keys.add(objectKey(service));
  }
  return keys;
}

/** Whether a pod change can change endpoints (not just, say, a new annotation). */
export function endpointRelevantChange(old: KubeObject, pod: KubeObject): boolean {
  const before: Json = (old.status as Json | undefined) ?? {};
  const after: Json = (pod.status as Json | undefined) ?? {};
  return (
    podIp(old) !== podIp(pod) ||
    podIsReady(old) !== podIsReady(pod) ||
    before.phase !== after.phase ||
    Boolean(old.metadata.deletionTimestamp) !== Boolean(pod.metadata.deletionTimestamp) ||
    (old.spec as Json | undefined)?.nodeName !== (pod.spec as Json | undefined)?.nodeName ||
    (old.spec as Json | undefined)?.hostname !== (pod.spec as Json | undefined)?.hostname ||
    (old.spec as Json | undefined)?.subdomain !== (pod.spec as Json | undefined)?.subdomain ||
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})
  );
}

/** The pod's DNS hostname in the Service, when its subdomain is the Service (headless pod names). */
export function podHostname(pod: KubeObject, service: KubeObject): string | undefined {
  const spec: Json = (pod.spec as Json | undefined) ?? {};
  return spec.hostname && spec.subdomain === service.metadata.name && pod.metadata.namespace === service.metadata.namespace ? spec.hostname : undefined;
}

/** Labels the endpoint objects copy from their Service, plus the headless marker. */
export function endpointLabels(service: KubeObject, extra: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = { ...service.metadata.labels, ...extra };
  if ((service.spec as Json | undefined)?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  else delete labels['service.kubernetes.io/headless'];
  return labels;
}

/** Queues a Service's key when it changes or when a pod it selects (before or after) changes in a way that matters. */
export function watchServicesAndPods(informers: InformerFactory, enqueue: (serviceKey: string) => void): void {
  const services = informers.informer('', 'services');
  services.addHandlers({
    add: (svc) => enqueue(objectKey(svc)),
    update: (_old, svc) => enqueue(objectKey(svc)),
    delete: (svc) => enqueue(objectKey(svc)),
  });
  informers.informer('', 'pods').addHandlers({
    add: (pod) => servicesSelecting(services, pod).forEach(enqueue),
    update: (old, pod) => endpointRelevantChange(old, pod) && servicesSelecting(services, old, pod).forEach(enqueue),
    delete: (pod) => servicesSelecting(services, pod).forEach(enqueue),
  });
}
