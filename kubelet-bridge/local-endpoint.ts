// The node's side of logs, exec/attach/port-forward and metrics, answered by this process's NodeAgent: the API
// server calls it directly for its own node, and the node's HTTPS endpoint (node-server.ts) serves it to the
// API server for a remote agent.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Writable } from 'node:stream';
import type { ContainerLogRequest, KubeletReply, NodeEndpoint, PodRef, StreamKind } from '../apiserver/nodes/node-endpoint.ts';
import { handlePortForwardUpgrade } from '../apiserver/streaming/portforward.ts';
import { handleExecUpgrade } from '../apiserver/streaming/remotecommand.ts';
import { parseExecQuery, StreamTargetError } from '../apiserver/streaming/target.ts';
import type { NodeAgent } from './agent.ts';
import { NodeUsageSampler } from './node-usage.ts';
import type { Pod } from './pod/types.ts';
import { cadvisorMetricsText, kubeletMetricsText, resourceMetricsText, statsSummary } from './stats-summary.ts';

type NodeSource = Parameters<typeof cadvisorMetricsText>[0];
const json = (body: unknown): KubeletReply => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
const prometheus = (body: string): KubeletReply => ({ status: 200, contentType: 'text/plain; version=0.0.4; charset=utf-8', body });

/** The kubelet's read-only paths k2 serves, by path (without the leading slash). */
const kubeletPaths: Record<string, (source: NodeSource) => Promise<KubeletReply>> = {
  healthz: async () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' }),
  pods: async (source) => json({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: source.pods() }),
  'stats/summary': async (source) => json(await statsSummary(source)),
  metrics: async (source) => prometheus(await kubeletMetricsText(source)),
  'metrics/resource': async (source) => prometheus(resourceMetricsText(await statsSummary(source))),
  'metrics/cadvisor': async (source) => prometheus(await cadvisorMetricsText(source)),
};

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

  async kubeletRead(method: string, path: string): Promise<KubeletReply> {
    const serve = kubeletPaths[path.replace(/^\/+/, '')];
    // What the kubelet's muxes answer: Go's 404 for a path it does not serve, go-restful's 405 for a wrong method.
    if (!serve) return { status: 404, contentType: 'text/plain; charset=utf-8', body: '404 page not found\n' };
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, contentType: 'text/plain; charset=utf-8', body: '405: Method Not Allowed' };
    const agent = this.agent;
    return serve({
      nodeName: agent.nodeName,
      dataDir: agent.options.dataDir,
      usage: this.usage,
      pods: () => agent.pods.list(),
      podUsage: () => agent.node.metrics.collect(),
      imageFs: () => agent.imageFs(),
      sandboxPids: () => agent.sandboxPids(),
      volumePaths: (uid) => agent.node.pods.volumePaths(uid),
      cgroupRoot: agent.node.pods.cgroupRoot,
      machine: agent.node.machine,
    });
  }
}
