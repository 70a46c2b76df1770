// The API server's core: the registry of kinds, one generic store per kind, the watch cache and
// admission. HTTP handlers and the in-process client both go through it.
import type { Logger } from 'pino';
import type { Datastore } from '../datastore/types.ts';
import { AdmissionChain } from './admission/types.ts';
import { allowAllAuthorizer, type Authorizer } from './authz.ts';
import type { KindSchema } from './patch/kind-schema.ts';
import { Registry, storageResource, type ServedVersion } from './registry/registry.ts';
import { ResourceStore, type WriteHooks } from './registry/store.ts';
import type { ResourceDescription } from './registry/types.ts';
import { WatchCache } from './registry/watch-cache.ts';
import { errors } from './status.ts';

export interface ApiCoreOptions {
  /**
   * Lists of up to this many objects are served whole from the watch cache, whatever their `limit`
   * (the API allows it; it spares clients round trips they throttle). 0 always paginates.
   */
  wholeListFromCache?: number;
}

export class ApiCore {
  readonly registry = new Registry();
  readonly admission = new AdmissionChain();
  readonly cache: WatchCache;
  readonly hooks: WriteHooks = {};
  authorizer: Authorizer = allowAllAuthorizer;
  /** The schema (merge keys, list types) of a kind in a served version; undefined when it has none. */
  kindSchema: (served: ServedVersion) => KindSchema | undefined = () => undefined;
  private readonly stores = new Map<ResourceDescription, ResourceStore>();
  /** Long-lived responses (watches, log follows, exec streams): ended when the server stops. */
  readonly streams = new Set<() => void>();

  constructor(
    readonly datastore: Datastore,
    readonly log: Logger,
    private readonly options: ApiCoreOptions = {},
  ) {
    // Hooks are set before start(); every value read goes through hooks.decode (encryption at rest).
    this.cache = new WatchCache(datastore, log.child({ module: 'watch-cache' }), {
      decodeValue: (key, value) => (this.hooks.decode ? this.hooks.decode(key, value) : value),
    });
  }

  async start(): Promise<void> {
    await this.cache.start();
  }

  /** Ends every open stream, then stops following the datastore. */
  stop(): void {
    for (const close of [...this.streams]) close();
    this.cache.stop();
  }

  store(description: ResourceDescription): ResourceStore {
    let store = this.stores.get(description);
    if (!store) {
      store = new ResourceStore(
        description,
        { datastore: this.datastore, cache: this.cache, admission: this.admission, wholeListFromCache: this.options.wholeListFromCache ?? 50_000 },
        this.hooks,
      );
      this.stores.set(description, store);
    }
    return store;
  }

  /** The store of a resource by group and plural (`apps`, `deployments`). */
  storeFor(group: string, plural: string): ResourceStore {
    const description = this.registry.byStorageResource(storageResource({ group, plural }));
    if (!description) throw errors.notFound(plural, group, '');
    return this.store(description);
  }
}
