// TTLs on etcd are leases. Granting one per write would put a raft entry and a lease object behind
// every Event, so writes with the same TTL share a lease for a short window, as kube-apiserver
// does: a key may then live up to 5% (at most a minute) longer than asked, never shorter.
import type { EtcdClient } from './etcd-client.ts';

interface Granted {
  /** The lease id, a 64-bit number in decimal. */
  id: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

const nowSeconds = () => Date.now() / 1000;

export class LeasePool {
  /** The lease being handed out for each requested TTL. */
  private readonly shared = new Map<number, Promise<Granted>>();
  /** Expiry of every lease seen, so keys read back carry `expiresAt`. */
  private readonly expiry = new Map<string, number>();

  constructor(private readonly client: EtcdClient) {}

  /** A lease that keeps a key at least `ttlSeconds`. */
  async leaseFor(ttlSeconds: number): Promise<Granted> {
    const ttl = Math.ceil(ttlSeconds);
    const reuseWindow = Math.min(Math.ceil(ttl * 0.05), 60);
    const existing = this.shared.get(ttl);
    if (existing) {
      const lease = await existing.catch(() => undefined);
      if (lease && lease.expiresAt >= nowSeconds() + ttl) return lease;
    }
    const granting = this.client.leaseGrant(ttl + reuseWindow).then(({ id, ttl: granted }) => {
      const lease = { id, expiresAt: Math.floor(nowSeconds()) + granted };
      this.expiry.set(id, lease.expiresAt);
      return lease;
    });
    this.shared.set(ttl, granting);
    granting.catch(() => this.shared.get(ttl) === granting && this.shared.delete(ttl));
    return granting;
  }

  /** Learns the expiry of leases this process did not grant (another server's, or before a restart). */
  async learn(ids: Iterable<string>): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => id !== '0' && !this.expiry.has(id));
    await Promise.all(
      unknown.map(async (id) => {
        const remaining = await this.client.leaseTimeToLive(id);
        this.expiry.set(id, remaining < 0 ? Math.floor(nowSeconds()) : Math.floor(nowSeconds()) + remaining);
      }),
    );
  }

  /** Whether every lease id is known (so expiresAt can be filled in without a call). */
  knows(ids: Iterable<string>): boolean {
    for (const id of ids) if (id !== '0' && !this.expiry.has(id)) return false;
    return true;
  }

  expiresAt(id: string): number {
    return id === '0' ? 0 : (this.expiry.get(id) ?? 0);
  }

  /** Forgets leases that have expired, so the table does not grow without bound. */
  prune(): void {
    const now = nowSeconds();
    for (const [id, expiresAt] of this.expiry) if (expiresAt < now - 60) this.expiry.delete(id);
  }
}
