// The in-process client: what controllers, the scheduler and the node agent use. Same REST
// semantics as HTTP (admission, validation, optimistic concurrency, authorization as the caller's
// own identity), no HTTP and no JSON round trip. Objects are in their stored form.
import type { UserInfo } from './authn.ts';
import type { ApiCore } from './core.ts';
import { forbiddenError } from './authz.ts';
import type { DeleteOptions, DeleteResult, ListOptions, ListResult, ResourceStore } from './registry/store.ts';
import { cloneObject } from './registry/object-meta.ts';
import type { KubeObject } from './registry/types.ts';

export interface ResourceClient {
  readonly store: ResourceStore;
  get(namespace: string | undefined, name: string): Promise<KubeObject>;
  /** Undefined instead of 404. */
  find(namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  list(namespace?: string, options?: ListOptions): Promise<ListResult>;
  create(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  /** Replaces the object; its metadata.resourceVersion (if set) must be current. */
  update(object: KubeObject): Promise<KubeObject>;
  updateStatus(object: KubeObject): Promise<KubeObject>;
  /**
   * Read-modify-write, retried on conflicts. `mutate` gets a private copy; with `mutateCopies`, the shared current
   * object, which it must not change (it returns a new object, copying what it changes).
   */
  modify(
    namespace: string | undefined,
    name: string,
    mutate: (object: KubeObject) => KubeObject | Promise<KubeObject>,
    options?: { subresource?: string; mutateCopies?: boolean },
  ): Promise<KubeObject>;
  delete(namespace: string | undefined, name: string, options?: Omit<DeleteOptions, 'user'>): Promise<DeleteResult>;
}

export class ApiClient {
  /**
   * `fieldManager` names the writer in managedFields, as the product of its User-Agent does for a Kubernetes
   * component (`kube-controller-manager`, `kube-scheduler`, `kubelet`); without one, writes are by "unknown".
   */
  constructor(
    private readonly core: ApiCore,
    readonly user: UserInfo,
    readonly fieldManager?: string,
  ) {}

  /** Authorized for `verbs[0]`, or failing that any of the others; the error names the first. */
  private async authorize(store: ResourceStore, verbs: string | string[], namespace?: string, name?: string, subresource?: string): Promise<void> {
    const description = store.description;
    const [first, ...others] = typeof verbs === 'string' ? [verbs] : verbs;
    const attributes = { user: this.user, verb: first!, namespace, apiGroup: description.group, resource: description.plural, subresource, name, resourceRequest: true };
    const decision = await this.core.authorizer.authorize(attributes);
    if (decision.allowed) return;
    for (const verb of others) if ((await this.core.authorizer.authorize({ ...attributes, verb })).allowed) return;
    throw forbiddenError(attributes, decision.reason);
  }

  resource(group: string, plural: string): ResourceClient {
    const store = this.core.storeFor(group, plural);
    const { user, fieldManager } = this;
    return {
      store,
      get: async (namespace, name) => {
        await this.authorize(store, 'get', namespace, name);
        return store.get(namespace, name);
      },
      find: async (namespace, name) => {
        await this.authorize(store, 'get', namespace, name);
        return store.find(namespace, name);
      },
      list: async (namespace, options) => {
        await this.authorize(store, 'list', namespace);
        return store.list(namespace, options);
      },
      create: async (object, options) => {
        await this.authorize(store, 'create', object.metadata.namespace);
        return store.create(object.metadata.namespace, cloneObject(object), { user, fieldManager, dryRun: options?.dryRun });
      },
      update: async (object) => {
        await this.authorize(store, 'update', object.metadata.namespace, object.metadata.name);
        return (await store.update(object.metadata.namespace, object.metadata.name!, cloneObject(object), { user, fieldManager })).object;
      },
      updateStatus: async (object) => {
        await this.authorize(store, 'update', object.metadata.namespace, object.metadata.name, 'status');
        return (await store.update(object.metadata.namespace, object.metadata.name!, cloneObject(object), { user, fieldManager, subresource: 'status' })).object;
      },
      modify: async (namespace, name, mutate, options) => {
        // A read-modify-write is what a Kubernetes client does with either an update or a patch.
        await this.authorize(store, ['patch', 'update'], namespace, name, options?.subresource);
        return store.guaranteedUpdate(namespace, name, mutate, { user, fieldManager, subresource: options?.subresource, mutateCopies: options?.mutateCopies });
      },
      delete: async (namespace, name, options) => {
        await this.authorize(store, 'delete', namespace, name);
        return store.delete(namespace, name, { ...options, user });
      },
    };
  }
}
