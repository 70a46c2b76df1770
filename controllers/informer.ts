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

/** An index of an informer: the keys of the objects with each value, and the values of each object's key. */
interface InformerIndex {
  indexer: IndexFunction;
  keysByValue: Map<string, Set<string>>;
  valuesByKey: Map<string, readonly string[]>;
}

const noValues: readonly string[] = [];

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Informer {
  private readonly handlers: InformerHandlers[] = [];
  private readonly indexes = new Map<string, InformerIndex>();
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
    this.indexes.set(name, { indexer: index, keysByValue: new Map(), valuesByKey: new Map() });
  }

  get started(): boolean {
    return this.stop !== undefined;
  }

  start(): void {
    if (this.stop) return;
    const prefix = this.store.prefix();
    const revision = this.core.cache.revision;
    const initial = [...this.store.entries.list(prefix)].map((entry) => entry.object);
    this.stop = this.core.cache.subscribe(prefix, revision, (event) => this.dispatch(event));
    for (const object of initial) {
      this.index(this.store.key(object.metadata.namespace, object.metadata.name!), object);
      for (const handlers of this.handlers) handlers.add?.(object);
    }
  }

  shutdown(): void {
    this.stop?.();
    this.stop = undefined;
  }

  private dispatch(event: CacheEvent): void {
    this.index(event.key, event.type === 'DELETED' ? undefined : event.object);
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
  private index(key: string, object: KubeObject | undefined): void {
    for (const { indexer, keysByValue, valuesByKey } of this.indexes.values()) {
      const previous = valuesByKey.get(key) ?? noValues;
      const values = object ? indexer(object) : noValues;
      // Most updates leave the indexed values as they were (a status write keeps a pod's node and owner).
      if (sameValues(previous, values)) continue;
      for (const value of previous) {
        const keys = keysByValue.get(value);
        if (keys?.delete(key) && keys.size === 0) keysByValue.delete(value);
      }
      // Objects with no value (most pods have no owner in some index) take no entry.
      if (values.length) valuesByKey.set(key, values);
      else valuesByKey.delete(key);
      for (const value of values) {
        let keys = keysByValue.get(value);
        if (!keys) keysByValue.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.entries.get(this.store.key(namespace, name))?.object;
  }

  getByKey(key: string): KubeObject | undefined {
    const { namespace, name } = splitKey(key);
    return this.get(namespace, name);
  }

  list(namespace?: string): KubeObject[] {
    // Handlers list owners on every event of a child (mostly none): one array, no intermediate copies.
    const objects: KubeObject[] = [];
    for (const entry of this.store.entries.list(this.store.prefix(namespace))) objects.push(entry.object);
    return objects;
  }

  byIndex(name: string, value: string): KubeObject[] {
    const keys = this.indexes.get(name)?.keysByValue.get(value);
    if (!keys) return [];
    const objects: KubeObject[] = [];
    for (const key of keys) {
      const object = this.store.entries.get(key)?.object;
      if (object) objects.push(object);
    }
    return objects;
  }
}

/** One informer per resource, shared by every component in the process. */
export class InformerFactory {
  /**
   * By group, then plural: controllers look their informers up on every event and reconcile, with literal names
   * whose hashes the engine keeps (a `group/plural` id would be a new string to hash each time).
   */
  private readonly informers = new Map<string, Map<string, Informer>>();

  constructor(private readonly core: ApiCore) {}

  informer(group: string, plural: string): Informer {
    let ofGroup = this.informers.get(group);
    if (!ofGroup) this.informers.set(group, (ofGroup = new Map()));
    let informer = ofGroup.get(plural);
    if (!informer) {
      informer = new Informer(this.core, this.core.storeFor(group, plural));
      ofGroup.set(plural, informer);
    }
    return informer;
  }

  private *all(): Generator<Informer> {
    for (const ofGroup of this.informers.values()) yield* ofGroup.values();
  }

  start(): void {
    for (const informer of this.all()) informer.start();
  }

  shutdown(): void {
    for (const informer of this.all()) informer.shutdown();
  }
}
