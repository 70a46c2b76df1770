// Informers over the API server's watch cache: the cache is the shared store (nothing is copied),
// an informer adds event handlers and indexes. In-process components (controllers, scheduler,
// node agent) all read through these; a remote agent uses the HTTP list+watch implementation.
import type { ApiCore } from '../apiserver/core.ts';
import type { ResourceStore } from '../apiserver/registry/store.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import type { CacheEvent } from '../apiserver/registry/watch-cache.ts';

export interface InformerHandlers {
  add?(object: KubeObject): void;
  update?(old: KubeObject, object: KubeObject): void;
  delete?(object: KubeObject): void;
}

export type IndexFunction = (object: KubeObject) => string[];

/** `namespace/name`, or `name` for cluster-scoped objects: the key controllers queue. */
export function objectKey(object: KubeObject): string {
  return object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name!;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Informer {
  private readonly handlers: InformerHandlers[] = [];
  private readonly indexers = new Map<string, IndexFunction>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly indexedValues = new Map<string, Map<string, string[]>>(); // index → key → values
  private stop: (() => void) | undefined;

  constructor(
    private readonly core: ApiCore,
    readonly store: ResourceStore,
  ) {}

  addHandlers(handlers: InformerHandlers): void {
    this.handlers.push(handlers);
    if (this.stop) for (const object of this.list()) handlers.add?.(object);
  }

  /** Maintains `name` → values → objects; must be added before start(). */
  addIndex(name: string, index: IndexFunction): void {
    this.indexers.set(name, index);
    this.indexes.set(name, new Map());
    this.indexedValues.set(name, new Map());
  }

  get started(): boolean {
    return this.stop !== undefined;
  }

  start(): void {
    if (this.stop) return;
    const prefix = this.store.prefix();
    const revision = this.core.cache.revision;
    const initial = [...this.core.cache.list(prefix)].map((entry) => entry.object);
    this.stop = this.core.cache.subscribe(prefix, revision, (event) => this.dispatch(event));
    for (const object of initial) {
      this.index(this.store.key(object.metadata.namespace, object.metadata.name!), object, undefined);
      for (const handlers of this.handlers) handlers.add?.(object);
    }
  }

  shutdown(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private dispatch(event: CacheEvent): void {
    if (event.type === 'DELETED') this.index(event.key, undefined, event.previous ?? event.object);
    else this.index(event.key, event.object, event.previous);
    for (const handlers of this.handlers) {
      try {
        if (event.type === 'ADDED') handlers.add?.(event.object);
        else if (event.type === 'MODIFIED') handlers.update?.(event.previous!, event.object);
        else handlers.delete?.(event.object);
      } catch {
        // A handler only queues work; a bug there must not stop other informers.
      }
    }
  }

  /** Indexes the object stored under `key` (the cache's key, which the index keeps for the object). */
  private index(key: string, object: KubeObject | undefined, old: KubeObject | undefined): void {
    if (!this.indexers.size) return;
    for (const [name, indexer] of this.indexers) {
      const index = this.indexes.get(name)!;
      const byKey = this.indexedValues.get(name)!;
      const previous = byKey.get(key);
      const values = object ? indexer(object) : undefined;
      // Most updates leave the indexed values as they were (a status write keeps a pod's node and owner).
      if (previous && values && sameValues(previous, values)) continue;
      for (const value of previous ?? []) {
        const keys = index.get(value);
        if (keys?.delete(key) && keys.size === 0) index.delete(value);
      }
      if (!values) {
        byKey.delete(key);
        continue;
      }
      byKey.set(key, values);
      for (const value of values) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.core.cache.get(this.store.key(namespace, name))?.object;
  }

  getByKey(key: string): KubeObject | undefined {
    const { namespace, name } = splitKey(key);
    return this.get(namespace, name);
  }

  list(namespace?: string): KubeObject[] {
    // Handlers list owners on every event of a child (mostly none): one array, no intermediate copies.
    const objects: KubeObject[] = [];
    for (const entry of this.core.cache.list(this.store.prefix(namespace))) objects.push(entry.object);
    return objects;
  }

  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) return [];
    const objects: KubeObject[] = [];
    for (const key of keys) {
      const object = this.core.cache.get(key)?.object;
      if (object) objects.push(object);
    }
    return objects;
  }
}

/** One informer per resource, shared by every component in the process. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly core: ApiCore) {}

  informer(group: string, plural: string): Informer {
    const id = `${group}/${plural}`;
    let informer = this.informers.get(id);
    if (!informer) {
      informer = new Informer(this.core, this.core.storeFor(group, plural));
      this.informers.set(id, informer);
    }
    return informer;
  }

  start(): void {
    for (const informer of this.informers.values()) informer.start();
  }

  shutdown(): void {
    for (const informer of this.informers.values()) informer.shutdown();
  }
}
