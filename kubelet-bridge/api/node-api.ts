// What the node agent needs from the API server, whether it runs inside `k2 server` (the in-process client and
// informers over the watch cache) or as a remote `k2 agent` (REST and list+watch over HTTPS with the node's own
// client certificate). Both implementations have the same shape, so the agent's code is the same in both places.
import type { InformerHandlers } from '../../controllers/informer.ts';
import type { DeleteResult } from '../../apiserver/registry/store.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';

/** The informer interface of controllers/informer.ts, which the remote list+watch informer also implements. */
export interface ResourceInformer {
  addHandlers(handlers: InformerHandlers): void;
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  list(namespace?: string): KubeObject[];
  /** Begins delivering events; resolves once the first list is in (remote) or at once (in process). */
  start(): void | Promise<void>;
  shutdown(): void;
}

export interface NodeDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** The subset of apiserver/client.ts's ResourceClient the node uses. */
export interface NodeResourceClient {
  get(namespace: string | undefined, name: string): Promise<KubeObject>;
  /** Undefined instead of 404. */
  find(namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  create(object: KubeObject): Promise<KubeObject>;
  update(object: KubeObject): Promise<KubeObject>;
  /** Read-modify-write, retried on conflicts; `subresource: 'status'` writes the status subresource. */
  modify(namespace: string | undefined, name: string, mutate: (object: KubeObject) => KubeObject | Promise<KubeObject>, options?: { subresource?: string }): Promise<KubeObject>;
  delete(namespace: string | undefined, name: string, options?: NodeDeleteOptions): Promise<DeleteResult | unknown>;
}

export interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds: number;
  boundObjectRef?: { kind: string; apiVersion: string; name: string; uid: string };
}

export interface NodeApi {
  resource(group: string, plural: string): NodeResourceClient;
  /** A shared informer; `fieldSelector` (e.g. `spec.nodeName=n1`) narrows what it holds. */
  informer(group: string, plural: string, options?: { fieldSelector?: string }): ResourceInformer;
  /**
   * A token for a service account (the TokenRequest API, `serviceaccounts/<name>/token`). Undefined when the
   * server does not serve TokenRequest (yet): the pod then gets an empty token file instead of never starting.
   */
  serviceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string | undefined>;
}

/** Whether an error is the API's 404 (the object, or the route, does not exist). */
export function isNotFound(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === 404;
}

/** Whether an error is the API's 409 (conflict or already exists). */
export function isConflict(error: unknown): boolean {
  return (error as { code?: number } | undefined)?.code === 409;
}
