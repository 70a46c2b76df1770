// The node's API inside `k2 server`: the in-process client (authorized as the node's own identity) and informers
// over the shared watch cache, narrowed to a field selector where the agent asks for one.
import { ApiClient } from '../../apiserver/client.ts';
import type { ApiCore } from '../../apiserver/core.ts';
import type { UserInfo } from '../../apiserver/authn.ts';
import { parseFieldSelector } from '../../apiserver/registry/selectors.ts';
import { matchesSelectors } from '../../apiserver/registry/store.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { InformerFactory, type Informer, type InformerHandlers } from '../../controllers/informer.ts';
import type { NodeApi, NodeResourceClient, ResourceInformer, TokenRequestSpec } from './node-api.ts';

/** The identity a node's agent acts as (the Node authorizer's `system:node:<name>` in group `system:nodes`). */
export function nodeUser(nodeName: string): UserInfo {
  return { username: `system:node:${nodeName}`, groups: ['system:nodes', 'system:authenticated'] };
}

/** Issues a service-account token in process (the TokenRequest implementation, when the server has one). */
export type TokenIssuer = (namespace: string, serviceAccount: string, spec: TokenRequestSpec, user: UserInfo) => Promise<string>;

/** An informer's events and contents narrowed to the objects a predicate accepts (objects may move in and out). */
export class FilteredInformer implements ResourceInformer {
  constructor(
    private readonly inner: Informer,
    private readonly accepts: (object: KubeObject) => boolean,
  ) {}

  addHandlers(handlers: InformerHandlers): void {
    this.inner.addHandlers({
      add: (object) => this.accepts(object) && handlers.add?.(object),
      update: (old, object) => {
        const before = this.accepts(old);
        const now = this.accepts(object);
        if (before && now) handlers.update?.(old, object);
        else if (now) handlers.add?.(object);
        else if (before) handlers.delete?.(old);
      },
      delete: (object) => this.accepts(object) && handlers.delete?.(object),
    });
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.inner.get(namespace, name);
    return object && this.accepts(object) ? object : undefined;
  }

  list(namespace?: string): KubeObject[] {
    return this.inner.list(namespace).filter(this.accepts);
  }

  start(): void {
    this.inner.start();
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}

export class InProcessNodeApi implements NodeApi {
  private readonly client: ApiClient;
  private readonly informers: InformerFactory;

  constructor(
    private readonly core: ApiCore,
    private readonly nodeName: string,
    private readonly issueToken?: TokenIssuer,
  ) {
    this.client = new ApiClient(core, nodeUser(nodeName), 'kubelet');
    this.informers = new InformerFactory(core);
  }

  resource(group: string, plural: string): NodeResourceClient {
    return this.client.resource(group, plural);
  }

  informer(group: string, plural: string, options: { fieldSelector?: string } = {}): ResourceInformer {
    const informer = this.informers.informer(group, plural);
    if (!options.fieldSelector) return informer;
    const fields = parseFieldSelector(options.fieldSelector);
    const description = this.core.storeFor(group, plural).description;
    return new FilteredInformer(informer, (object) => matchesSelectors(object, description, undefined, fields));
  }

  async serviceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string | undefined> {
    return this.issueToken?.(namespace, serviceAccount, spec, nodeUser(this.nodeName));
  }

  shutdown(): void {
    this.informers.shutdown();
  }
}
