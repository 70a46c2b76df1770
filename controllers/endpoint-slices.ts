// The EndpointSlice controller (discovery.k8s.io/v1): a Service's selected pods as EndpointSlices
// of at most 100 endpoints, one set per resolved port mapping, labelled with
// kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by, owned by the Service.
// Endpoints stay in the slice they are in while they exist (little churn); a Service with no pods
// keeps one empty placeholder slice, as Kubernetes does.
import type { ApiClient } from '../apiserver/client.ts';
import { deepEqual } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { ignoreNotFound } from './endpoints.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';
import { endpointLabels, podHostname, podIp, podIsReady, resolveTargetPort, selectedPods, serviceSelector, shouldPodBeInEndpoints, watchServicesAndPods } from './service-endpoints.ts';

type Json = Record<string, any>;

export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
export const maxEndpointsPerSlice = 100;

interface DesiredEndpoint {
  key: string;
  endpoint: Json;
}

/** The endpoints of a Service's pods, grouped by their resolved ports (JSON of the ports list). */
export function desiredEndpoints(service: KubeObject, pods: KubeObject[], nodeZone: (node: string) => string | undefined): Map<string, { ports: Json[]; endpoints: DesiredEndpoint[] }> {
  const spec: Json = (service.spec as Json | undefined) ?? {};
  const publishNotReady = Boolean(spec.publishNotReadyAddresses);
  const servicePorts: Json[] = spec.ports ?? [];
  const groups = new Map<string, { ports: Json[]; endpoints: DesiredEndpoint[] }>();
  for (const pod of pods) {
    // Terminating pods stay, marked terminating (EndpointSliceTerminatingCondition).
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIp(pod)!;
    if (ip.includes(':')) continue; // IPv4 slices only (k2 serves one family)
    const ports: Json[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      const p: Json = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    if (servicePorts.length && !ports.length) continue;
    const ready = podIsReady(pod);
    const terminating = Boolean(pod.metadata.deletionTimestamp);
    const endpoint: Json = {
      addresses: [ip],
      conditions: { ready: publishNotReady || (ready && !terminating), serving: publishNotReady || ready, terminating },
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    const hostname = podHostname(pod, service);
    if (hostname) endpoint.hostname = hostname;
    const nodeName = (pod.spec as Json | undefined)?.nodeName;
    if (nodeName) {
      endpoint.nodeName = nodeName;
      const zone = nodeZone(nodeName);
      if (zone) endpoint.zone = zone;
    }
    const key = JSON.stringify(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: [] }));
    group.endpoints.push({ key: pod.metadata.uid!, endpoint });
  }
  return groups;
}

function endpointKey(endpoint: Json): string {
  return endpoint.targetRef?.uid ?? endpoint.addresses?.[0] ?? '';
}

export class EndpointSliceController extends Controller {
  readonly name = 'endpointslice-controller';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    watchServicesAndPods(this.informers, (key) => this.queue.add(key));
    const slices = this.informers.informer('discovery.k8s.io', 'endpointslices');
    slices.addIndex('service', (slice) => {
      const labels = slice.metadata.labels ?? {};
      return labels[managedByLabel] === controllerName && labels[serviceNameLabel] ? [`${slice.metadata.namespace}/${labels[serviceNameLabel]}`] : [];
    });
    const sliceChanged = (slice: KubeObject) => {
      const labels = slice.metadata.labels ?? {};
      if (labels[managedByLabel] === controllerName && labels[serviceNameLabel]) this.queue.add(`${slice.metadata.namespace}/${labels[serviceNameLabel]}`);
    };
    slices.addHandlers({ update: (_old, slice) => sliceChanged(slice), delete: sliceChanged });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = splitKey(key);
    const service = this.informers.informer('', 'services').get(namespace, name);
    const slices = this.client.resource('discovery.k8s.io', 'endpointslices');
    const existing = this.informers.informer('discovery.k8s.io', 'endpointslices').byIndex('service', key).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const selector = service && serviceSelector(service);
    if (!service || !selector) {
      // Deleted Services' slices go with them (owner references); selector-less ones are not ours.
      for (const slice of existing) await slices.delete(namespace, slice.metadata.name!).catch(ignoreNotFound);
      return;
    }
    const nodes = this.informers.informer('', 'nodes');
    const groups = desiredEndpoints(service, selectedPods(this.informers.informer('', 'pods'), service, selector), (node) => nodes.get(undefined, node)?.metadata.labels?.['topology.kubernetes.io/zone']);
    const labels = endpointLabels(service, { [serviceNameLabel]: name, [managedByLabel]: controllerName });
    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: service.metadata.uid!, controller: true, blockOwnerDeletion: true };
    const wanted: { name?: string; resourceVersion?: string; ports: Json[]; endpoints: Json[] }[] = [];
    const unused = [...existing];
    for (const [portsKey, group] of groups) {
      const remaining = new Map(group.endpoints.map((e) => [e.key, e.endpoint]));
      const reused: typeof wanted = [];
      // Keep endpoints in the slices that already hold them.
      for (const slice of existing) {
        if (JSON.stringify(slice.ports ?? []) !== portsKey || !unused.includes(slice)) continue;
        const kept: Json[] = [];
        for (const endpoint of (slice.endpoints ?? []) as Json[]) {
          const current = remaining.get(endpointKey(endpoint));
          if (!current) continue;
          kept.push(current);
          remaining.delete(endpointKey(endpoint));
        }
        if (!kept.length) continue;
        unused.splice(unused.indexOf(slice), 1);
        reused.push({ name: slice.metadata.name, resourceVersion: slice.metadata.resourceVersion, ports: group.ports, endpoints: kept });
      }
      const rest = [...remaining.values()];
      for (const slice of reused) while (slice.endpoints.length < maxEndpointsPerSlice && rest.length) slice.endpoints.push(rest.shift()!);
      wanted.push(...reused);
      while (rest.length) {
        // Reuse a slice that lost all its endpoints before creating a new one.
        const spare = unused.shift();
        wanted.push({ name: spare?.metadata.name, resourceVersion: spare?.metadata.resourceVersion, ports: group.ports, endpoints: rest.splice(0, maxEndpointsPerSlice) });
      }
    }
    if (!wanted.length) {
      // The placeholder: one slice with no endpoints and no ports.
      const spare = unused.shift();
      wanted.push({ name: spare?.metadata.name, resourceVersion: spare?.metadata.resourceVersion, ports: [], endpoints: [] });
    }
    for (const slice of wanted) {
      const current = slice.name ? existing.find((s) => s.metadata.name === slice.name) : undefined;
      const object: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: slice.name ? { name: slice.name, namespace, labels, ownerReferences: [owner], resourceVersion: slice.resourceVersion, uid: current?.metadata.uid } : { generateName: `${name}-`, namespace, labels, ownerReferences: [owner] },
        addressType: 'IPv4',
        endpoints: slice.endpoints,
        ports: slice.ports.length ? slice.ports : undefined,
      };
      if (current) {
        if (deepEqual(current.endpoints ?? [], slice.endpoints) && deepEqual(current.ports ?? [], slice.ports) && deepEqual(current.metadata.labels ?? {}, labels) && deepEqual(current.metadata.ownerReferences, [owner])) continue;
        await slices.update(object);
      } else {
        await slices.create(object);
      }
    }
    for (const slice of unused) await slices.delete(namespace, slice.metadata.name!).catch(ignoreNotFound);
  }
}
