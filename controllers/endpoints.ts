// The Endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing the selected pods' IPs — ready ones under `addresses`, the others under
// `notReadyAddresses` (all under `addresses` with publishNotReadyAddresses) — per resolved port
// set, as kube-controller-manager's endpoint controller writes them.
import type { ApiClient } from '../apiserver/client.ts';
import { deepEqual } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';
import { endpointLabels, podHostname, podIp, podIsReady, resolveTargetPort, selectedPods, serviceSelector, shouldPodBeInEndpoints, watchServicesAndPods } from './service-endpoints.ts';

type Json = Record<string, any>;

/** Kubernetes truncates Endpoints beyond this many addresses (EndpointSlices carry the rest). */
export const maxEndpointsAddresses = 1000;
export const overCapacityAnnotation = 'endpoints.kubernetes.io/over-capacity';

interface Address {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

function byIp(a: Address, b: Address): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.targetRef.uid < b.targetRef.uid ? -1 : 1;
}

/** The subsets of a Service's Endpoints: addresses grouped by the exact set of ports they serve. */
export function endpointSubsets(service: KubeObject, pods: KubeObject[]): { subsets: Json[]; total: number } {
  const spec: Json = (service.spec as Json | undefined) ?? {};
  const publishNotReady = Boolean(spec.publishNotReadyAddresses);
  const servicePorts: Json[] = spec.ports ?? [];
  const groups = new Map<string, { ports: Json[]; ready: Address[]; notReady: Address[] }>();
  let total = 0;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const address: Address = { ip: podIp(pod)!, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! } };
    const hostname = podHostname(pod, service);
    if (hostname) address.hostname = hostname;
    const nodeName = (pod.spec as Json | undefined)?.nodeName;
    if (nodeName) address.nodeName = nodeName;
    const ports: Json[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      const p: Json = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) p.name = sp.name;
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    // A headless Service without ports still lists its pods; one with ports skips pods serving none.
    if (servicePorts.length && !ports.length) continue;
    ports.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : a.port - b.port));
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, ready: [], notReady: [] }));
    if (publishNotReady || podIsReady(pod)) group.ready.push(address);
    else group.notReady.push(address);
    total++;
  }
  const subsets = [...groups.values()]
    .map((g) => {
      const subset: Json = {};
      if (g.ready.length) subset.addresses = g.ready.sort(byIp);
      if (g.notReady.length) subset.notReadyAddresses = g.notReady.sort(byIp);
      if (g.ports.length) subset.ports = g.ports;
      return subset;
    })
    .sort((a, b) => (JSON.stringify(a.ports ?? []) < JSON.stringify(b.ports ?? []) ? -1 : 1));
  return { subsets, total };
}

/** Keeps at most `max` addresses (ready ones first), as the controller does past capacity. */
function truncate(subsets: Json[], max: number): Json[] {
  let left = max;
  return subsets
    .map((s) => {
      const copy: Json = { ...s };
      for (const field of ['addresses', 'notReadyAddresses']) {
        if (!copy[field]) continue;
        copy[field] = copy[field].slice(0, Math.max(0, left));
        left -= copy[field].length;
        if (!copy[field].length) delete copy[field];
      }
      return copy;
    })
    .filter((s) => s.addresses || s.notReadyAddresses);
}

export class EndpointsController extends Controller {
  readonly name = 'endpoint-controller';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    watchServicesAndPods(this.informers, (key) => this.queue.add(key));
    const services = this.informers.informer('', 'services');
    this.informers.informer('', 'endpoints').addHandlers({
      // Someone deleted or changed an Endpoints object the controller owns: put it back.
      update: (_old, ep) => services.getByKey(objectKey(ep)) && this.queue.add(objectKey(ep)),
      delete: (ep) => services.getByKey(objectKey(ep)) && this.queue.add(objectKey(ep)),
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const service = this.informers.informer('', 'services').get(namespace, name);
    const endpoints = this.client.resource('', 'endpoints');
    const current = this.informers.informer('', 'endpoints').get(namespace, name);
    if (!service) {
      if (current) await endpoints.delete(namespace, name).catch((e) => ignoreNotFound(e));
      return;
    }
    const selector = serviceSelector(service);
    if (!selector) return;
    const { subsets, total } = endpointSubsets(service, selectedPods(this.informers.informer('', 'pods'), service, selector));
    const annotations: Record<string, string> = { ...current?.metadata.annotations };
    let wanted = subsets;
    if (total > maxEndpointsAddresses) {
      wanted = truncate(subsets, maxEndpointsAddresses);
      annotations[overCapacityAnnotation] = 'truncated';
    } else delete annotations[overCapacityAnnotation];
    const labels = endpointLabels(service);
    if (current && deepEqual(current.subsets ?? [], wanted) && deepEqual(current.metadata.labels ?? {}, labels) && deepEqual(current.metadata.annotations ?? {}, annotations)) return;
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace, labels, annotations: Object.keys(annotations).length ? annotations : undefined, resourceVersion: current?.metadata.resourceVersion },
      subsets: wanted.length ? wanted : undefined,
    };
    if (current) {
      object.metadata.uid = current.metadata.uid;
      await endpoints.update(object);
    } else {
      try {
        await endpoints.create(object);
      } catch (error) {
        if (!(error instanceof StatusError && error.code === 409)) throw error;
        return { requeueAfterMs: 100 };
      }
    }
  }
}

export function ignoreNotFound(error: unknown): void {
  if (!(error instanceof StatusError && error.code === 404)) throw error;
}
