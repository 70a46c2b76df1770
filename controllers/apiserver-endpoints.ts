// The `kubernetes` Service's endpoints: every API server's address and port, as kube-apiserver's lease endpoint
// reconciler keeps them (an Endpoints and an EndpointSlice named `kubernetes` in default). Each server renews a master
// lease in the datastore (`/registry/masterleases/<ip>`, 15 s to live, renewed every 10 s) and writes the addresses of
// every current lease; a server that stops removes its own, one that dies drops out when its lease expires.
import { networkInterfaces } from 'node:os';
import type { ApiClient } from '../apiserver/client.ts';
import { deepEqual } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { DatastoreError, type Datastore } from '../datastore/types.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { serviceNameLabel } from './endpoint-slices.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

/** Where the API servers of a cluster say they are. */
export interface MasterLeases {
  /** Records this server's address, or refreshes its lease. */
  renew(address: string): Promise<void>;
  /** The addresses whose leases are current, sorted. */
  addresses(): Promise<string[]>;
  release(address: string): Promise<void>;
}

const masterLeasePrefix = '/registry/masterleases/';
/** kube-apiserver's master lease TTL and endpoint reconcile interval. */
const masterLeaseTtlSeconds = 15;
const reconcileMs = 10_000;

/** Master leases as kube-apiserver keeps them: keys with a TTL, outside the API. */
export function datastoreMasterLeases(datastore: Datastore): MasterLeases {
  const keyOf = (address: string) => `${masterLeasePrefix}${address}`;
  return {
    async renew(address) {
      const key = keyOf(address);
      const value = JSON.stringify({ kind: 'Endpoints', apiVersion: 'v1', metadata: { name: address }, subsets: [{ addresses: [{ ip: address }] }] });
      const options = { ttlSeconds: masterLeaseTtlSeconds };
      const { kv } = await datastore.get(key);
      try {
        if (kv) await datastore.update(key, value, kv.modRevision, options);
        else await datastore.create(key, value, options);
      } catch (error) {
        // Another server with the same address renewed it meanwhile: the lease is current either way.
        if (!(error instanceof DatastoreError)) throw error;
      }
    },
    async addresses() {
      const { kvs } = await datastore.list(masterLeasePrefix);
      return kvs.map((kv) => kv.key.slice(masterLeasePrefix.length)).sort();
    },
    async release(address) {
      await datastore.delete(keyOf(address)).catch((error: unknown) => {
        if (!(error instanceof DatastoreError)) throw error;
      });
    },
  };
}

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
  private stopping = false;

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly address: string,
    private readonly port: number,
    private readonly leases: MasterLeases,
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

  /** Removes this server from the endpoints (kube-apiserver's RemoveEndpoints on shutdown), then stops. */
  override async stop(): Promise<void> {
    this.stopping = true;
    await super.stop();
    try {
      await this.leases.release(this.address);
      await this.writeEndpoints(await this.leases.addresses());
    } catch (error) {
      this.log?.warn({ err: error }, 'could not remove this server from the kubernetes endpoints');
    }
  }

  async reconcile(): Promise<ReconcileResult | void> {
    if (this.stopping) return;
    await this.leases.renew(this.address);
    const addresses = await this.leases.addresses();
    await this.writeEndpoints(addresses.includes(this.address) ? addresses : [...addresses, this.address].sort());
    return { requeueAfterMs: reconcileMs };
  }

  private async writeEndpoints(addresses: string[]): Promise<void> {
    const ports = [{ name: 'https', port: this.port, protocol: 'TCP' }];
    // No server left (the last one stopping): the endpoints stay as they were, as kube-apiserver leaves them.
    if (!addresses.length) return;
    const subsets = [{ addresses: addresses.map((ip) => ({ ip })), ports }];
    const endpoints = this.informers.informer('', 'endpoints').get('default', 'kubernetes');
    const labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
    if (!endpoints || !deepEqual(endpoints.subsets, subsets)) {
      await this.write('', 'endpoints', endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', labels }, subsets });
    }
    const slice = this.informers.informer('discovery.k8s.io', 'endpointslices').get('default', 'kubernetes');
    const sliceBody: Json = { addressType: 'IPv4', endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })), ports };
    if (!slice || !deepEqual(slice.endpoints, sliceBody.endpoints) || !deepEqual(slice.ports, ports) || slice.addressType !== 'IPv4') {
      await this.write('discovery.k8s.io', 'endpointslices', slice, { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { [serviceNameLabel]: 'kubernetes' } }, ...sliceBody });
    }
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
