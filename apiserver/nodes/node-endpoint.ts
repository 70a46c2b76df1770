// How the API server reaches the node that runs a pod, for what only the node can answer: container logs,
// exec / attach / port-forward streams, and resource usage (metrics.k8s.io). The server's own node answers in
// process; a remote `k2 agent` answers on its own HTTPS endpoint (the kubelet's port), which the API server
// calls with its kubelet-client certificate and to which it hands upgraded connections through unchanged.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';

export type StreamKind = 'exec' | 'attach' | 'portforward';

/** The PodLogOptions of a `pods/log` request. */
export interface ContainerLogRequest {
  container: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
  /** Ends a follow (the client went away). */
  signal: AbortSignal;
}

/** What the API server's pod identity is for the node: namespace, name and uid. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface NodeEndpoint {
  /** Writes the container's log to `out` (text/plain); throws a StatusError-like error when there is none. */
  containerLog(pod: PodRef, request: ContainerLogRequest, out: Writable): Promise<void>;
  /**
   * Serves an exec/attach/port-forward upgrade for the pod: `req` is the client's request (its query holds the
   * stream options), `socket` and `head` the upgraded connection.
   */
  serveUpgrade(kind: StreamKind, pod: PodRef, container: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** PodMetrics items (metrics.k8s.io/v1beta1) of every pod on the node. */
  podMetrics(): Promise<Record<string, any>[]>;
  /**
   * A GET of one of the kubelet's read-only paths (`nodes/proxy`): /healthz, /pods, /stats/summary, /metrics,
   * /metrics/resource and /metrics/cadvisor; anything else is the kubelet's 404.
   */
  kubeletRead(method: string, path: string): Promise<KubeletReply>;
  /** The node's own NodeMetrics usage (cpu, memory), or undefined when not measured yet. */
  nodeMetrics(): Promise<{ timestamp: string; window: string; usage: { cpu: string; memory: string } } | undefined>;
}

/** What the node answered on one of its kubelet paths. */
export interface KubeletReply {
  status: number;
  contentType: string;
  body: string;
}

/** Finds the endpoint of a node by name (and its Node object, for remote ones). */
export interface NodeConnector {
  endpoint(nodeName: string): Promise<NodeEndpoint | undefined>;
}
