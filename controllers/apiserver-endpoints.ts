// The `kubernetes` Service's endpoints: the API server's own address and port, as kube-apiserver's
// endpoint reconciler keeps them (an Endpoints and an EndpointSlice named `kubernetes` in default).
import { networkInterfaces } from 'node:os';
import type { ApiClient } from '../apiserver/client.ts';
import { deepEqual } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { serviceNameLabel } from './endpoint-slices.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

const key = 'default/kubernetes';

/** The address other pods reach the API server on: the bind address if specific, else this host's first IPv4. */
export function advertiseAddress(bindAddress: string): string {
  if (bindAddress && bindAddress !== '0.0.0.0' && bindAddress !== '::' && !bindAddress.includes(':')) return bindAddress;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return '127.0.0.1';
}

export class ApiserverEndpointsController extends Controller {
  readonly name = 'apiserver-endpoint-reconciler';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly address: string,
    private readonly port: number,
  ) {
    super();
    this.workers = 1;
  }

  setup(): void {
    const mine = (object: KubeObject) => object.metadata.namespace === 'default' && object.metadata.name === 'kubernetes' && this.queue.add(key);
    for (const [group, plural] of [['', 'endpoints'], ['discovery.k8s.io', 'endpointslices'], ['', 'services']] as const) {
      this.informers.informer(group, plural).addHandlers({ add: mine, update: (_o, n) => mine(n), delete: mine });
    }
    this.queue.add(key);
  }

  async reconcile(): Promise<ReconcileResult | void> {
    const ports = [{ name: 'https', port: this.port, protocol: 'TCP' }];
    const subsets = [{ addresses: [{ ip: this.address }], ports }];
    const endpoints = this.informers.informer('', 'endpoints').get('default', 'kubernetes');
    const labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    if (!endpoints || !deepEqual(endpoints.subsets, subsets)) {
      await this.write('', 'endpoints', endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels }, subsets });
    }
    const slice = this.informers.informer('discovery.k8s.io', 'endpointslices').get('default', 'kubernetes');
    const sliceBody: Json = { addressType: 'IPv4', endpoints: [{ addresses: [this.address], conditions: { ready: true } }], ports };
    if (!slice || !deepEqual(slice.endpoints, sliceBody.endpoints) || !deepEqual(slice.ports, ports) || slice.addressType !== 'IPv4') {
      await this.write('discovery.k8s.io', 'endpointslices', slice, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { [serviceNameLabel]: 'kubernetes' } }, ...sliceBody });
    }
    return { requeueAfterMs: 10_000 };
  }

  private async write(group: string, plural: string, current: KubeObject | undefined, object: KubeObject): Promise<void> {
    const resource = this.client.resource(group, plural);
    try {
      if (current) await resource.update({ ...object, metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion } });
      else await resource.create(object);
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 409)) throw error;
      this.queue.addAfter(key, 100);
    }
  }
}
