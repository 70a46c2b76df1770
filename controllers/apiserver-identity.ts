// Each server's identity Lease, as kube-apiserver publishes its own (APIServerIdentity): kube-system/kube-apiserver-<hash
// of the host name>, held by `<lease name>_<uuid>`, renewed every 10 s, lasting an hour. A restarted server with the
// same name takes its Lease over; Leases of servers gone for more than an hour are deleted by any other. Clients count
// the servers of a cluster with `kubectl get leases -n kube-system -l apiserver.kubernetes.io/identity=kube-apiserver`.
import { createHash, randomUUID } from 'node:crypto';
import { base32 } from '../apiserver/base32.ts';
import type { ApiClient } from '../apiserver/client.ts';
import { microTimestamp } from '../apiserver/registry/object-meta.ts';
import { parseLabelSelector } from '../apiserver/registry/selectors.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';

const namespace = 'kube-system';
const identityLabel = 'apiserver.kubernetes.io/identity';
const leaseDurationSeconds = 3600;
const renewMs = 10_000;

/** `kube-apiserver-` and the first 16 bytes of the host name's SHA-256, in base32. */
export function identityLeaseName(host: string): string {
  return `kube-apiserver-${base32(createHash('sha256').update(host).digest().subarray(0, 16)).toLowerCase()}`;
}

export class ApiserverIdentity extends Controller {
  readonly name = 'apiserver-identity';
  readonly leaseName: string;
  readonly holderIdentity: string;

  constructor(
    private readonly client: ApiClient,
    private readonly host: string,
  ) {
    super();
    this.workers = 1;
    this.leaseName = identityLeaseName(host);
    this.holderIdentity = `${this.leaseName}_${randomUUID()}`;
  }

  setup(): void {
    this.queue.add('renew');
    this.queue.add('collect');
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key === 'collect') {
      await this.collectExpired();
      return { requeueAfterMs: leaseDurationSeconds * 1000 };
    }
    await this.renew();
    return { requeueAfterMs: renewMs };
  }

  private async renew(): Promise<void> {
    const leases = this.client.resource('coordination.k8s.io', 'leases');
    const spec = { holderIdentity: this.holderIdentity, leaseDurationSeconds, renewTime: microTimestamp() };
    const labels = { [identityLabel]: 'kube-apiserver', 'kubernetes.io/hostname': this.host };
    const current = await leases.find(namespace, this.leaseName);
    try {
      if (current) await leases.update({ ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...labels } }, spec: { ...(current.spec as Record<string, unknown>), ...spec } });
      else await leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.leaseName, namespace, labels }, spec });
    } catch (error) {
      // Written meanwhile (409): the next renewal reads it again.
      if (!(error instanceof StatusError && error.code === 409)) throw error;
    }
  }

  /** Deletes the identity Leases not renewed for longer than they last (their servers are gone). */
  private async collectExpired(): Promise<void> {
    const leases = this.client.resource('coordination.k8s.io', 'leases');
    const listed = await leases.list(namespace, { labelSelector: parseLabelSelector(identityLabel) });
    const now = Date.now();
    for (const lease of listed.items) {
      const spec = (lease.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      if (lease.metadata.name === this.leaseName || renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 > now) continue;
      await leases.delete(namespace, lease.metadata.name!, { preconditions: { resourceVersion: lease.metadata.resourceVersion } }).catch((error: unknown) => {
        if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
      });
    }
  }
}
