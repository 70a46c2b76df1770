// The node's side of logs, exec/attach/port-forward and metrics, answered by this process's NodeAgent: the API
// server calls it directly for its own node, and the node's HTTPS endpoint (node-server.ts) serves it to the
// API server for a remote agent.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import type { ContainerLogRequest, NodeEndpoint, PodRef, StreamKind } from '../apiserver/nodes/node-endpoint.ts';
import { handlePortForwardUpgrade } from '../apiserver/streaming/portforward.ts';
import { handleExecUpgrade } from '../apiserver/streaming/remotecommand.ts';
import { parseExecQuery, StreamTargetError } from '../apiserver/streaming/target.ts';
import type { NodeAgent } from './agent.ts';
import { NodeUsageSampler } from './node-usage.ts';
import type { Pod } from './pod/types.ts';

export class LocalNodeEndpoint implements NodeEndpoint {
  private readonly usage = new NodeUsageSampler();

  constructor(private readonly agent: NodeAgent) {}

  private pod(ref: PodRef): Pod {
    const pod = this.agent.pod(ref.namespace, ref.name);
    if (ref.uid && pod.metadata.uid !== ref.uid) throw new StreamTargetError(`pod ${ref.namespace}/${ref.name} with uid ${ref.uid} is not on node ${this.agent.nodeName}`, 404, 'NotFound');
    return pod;
  }

  async containerLog(ref: PodRef, request: ContainerLogRequest, out: Writable): Promise<void> {
    await this.agent.containerLog(this.pod(ref), request.container, request, out);
  }

  async serveUpgrade(kind: StreamKind, ref: PodRef, container: string, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = this.agent.streamTarget(this.pod(ref));
    if (kind === 'portforward') return handlePortForwardUpgrade(req, socket, head, target);
    const query = new URL(req.url ?? '/', 'https://node').searchParams;
    const request = parseExecQuery(query, kind);
    request.container = container;
    return handleExecUpgrade(req, socket, head, { kind, request, target });
  }

  podMetrics(): Promise<Record<string, any>[]> {
    return this.agent.podMetrics();
  }

  async nodeMetrics() {
    return this.usage.sample();
  }
}
