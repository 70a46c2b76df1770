// Lease-renewal churn: the write pattern that grows other SQLite-backed distributions' files
// without bound. Shared by the bounded-size test and the benchmark.
import type { Datastore } from '../../datastore/types.ts';

/** A coordination.k8s.io Lease as a node renews it, at renewal `round`. */
export function leaseRenewal(node: number, round: number): string {
  return JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: `node-${node}`,
      namespace: 'kube-node-lease',
      uid: `6f0e7c3a-0000-4000-8000-${String(node).padStart(12, '0')}`,
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: `node-${node}`, uid: `2b1d9e4f-0000-4000-8000-${String(node).padStart(12, '0')}` }],
    },
    spec: { holderIdentity: `node-${node}`, leaseDurationSeconds: 40, renewTime: new Date(1_700_000_000_000 + round * 10_000).toISOString() },
  });
}

/** `updates` compare-and-swap updates spread evenly over `keys` keys, one writer per key. */
export async function runLeaseChurn(
  store: Datastore,
  options: { keys: number; updates: number; progressEvery?: number; onProgress?: (done: number) => void },
): Promise<void> {
  let done = 0;
  const rounds = Math.ceil(options.updates / options.keys);
  await Promise.all(
    Array.from({ length: options.keys }, async (_, node) => {
      let kv = await store.create(`/registry/leases/kube-node-lease/node-${node}`, leaseRenewal(node, 0));
      for (let round = 1; round <= rounds; round++) {
        kv = await store.update(kv.key, leaseRenewal(node, round), kv.modRevision);
        if (options.progressEvery && ++done % options.progressEvery === 0) options.onProgress?.(done);
      }
    }),
  );
}
