// Objects of one resource (webhook configurations, admission policies, their bindings) compiled into
// what admission evaluates, read from the watch cache (never the datastore) and compiled again only
// after one of them changed: a change applies as soon as the cache has it, and a request costs no
// lookup when none changed.
import type { ApiCore } from '../core.ts';
import type { KubeObject } from '../registry/types.ts';

export class CompiledObjects<T> {
  private compiled: T[] = [];
  private stale = true;
  private prefix = '';
  private subscribed = false;

  constructor(
    private readonly core: ApiCore,
    private readonly group: string,
    private readonly plural: string,
    private readonly compile: (object: KubeObject) => T[],
  ) {}

  /** Everything compiled from the resource's objects, in name order. */
  current(): T[] {
    if (!this.subscribed) {
      // Subscribed on first use: the cache is loaded by then (plugins are created before it starts).
      this.prefix = this.core.storeFor(this.group, this.plural).prefix();
      this.subscribed = true;
      this.core.cache.subscribe(this.prefix, this.core.cache.revision, () => (this.stale = true));
    }
    if (this.stale) {
      this.stale = false;
      this.compiled = [...this.core.cache.list(this.prefix)].flatMap((entry) => this.compile(entry.object));
    }
    return this.compiled;
  }
}
