// The node agent: what `k2 server` runs as its own node (unless --disable-agent) and what `k2 agent` runs alone
// against a remote server. It registers the Node and keeps its status and Lease current, runs the pods bound to
// the node (an informer on `spec.nodeName` feeding the PodSyncLoop that drives the PodRuntime on containerd),
// writes their status through `pods/status`, ends a deleted pod's containers within its grace period and then
// deletes the object for good, and serves the node's side of logs, exec, attach, port-forward and metrics.
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { KubeObject } from '../apiserver/registry/types.ts';
import type { StreamTarget } from '../apiserver/streaming/target.ts';
import { StreamTargetError } from '../apiserver/streaming/target.ts';
import { isConflict, isNotFound, type NodeApi, type ResourceInformer } from './api/node-api.ts';
import { ApiPodObjectResolver } from './api/pod-objects.ts';
import { ClusterDnsServer } from './dns/cluster-dns.ts';
import { addLocalAddress, defaultClusterCidr, defaultServiceCidr, nodePodSubnet, serviceBridgeName } from './network/cni.ts';
import { ServiceProxy } from './proxy/service-proxy.ts';
import { NodeStatusReporter } from './node-status.ts';
import { machineFacts, startNodeRuntime, type NodeRuntime } from './node-runtime.ts';
import { streamContainerLog, type LogOptions } from './pod/logs.ts';
import { podMetricsItem, type PodUsage } from './pod/metrics.ts';
import { nodeSelector } from './pod/cri-config.ts';
import { PodSyncLoop } from './pod/sync-loop.ts';
import type { Pod, PodStatus } from './pod/types.ts';
import type { BackoffPolicy } from './pod/backoff.ts';

type Json = Record<string, any>;

export interface NodeNetworkSettings {
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  clusterDomain: string;
}

export const defaultNodeNetwork: NodeNetworkSettings = {
  clusterCidr: defaultClusterCidr,
  serviceCidr: defaultServiceCidr,
  clusterDns: '10.43.0.10',
  clusterDomain: 'cluster.local',
};

export interface NodeAgentOptions {
  api: NodeApi;
  nodeName: string;
  dataDir: string;
  log: Logger;
  network: NodeNetworkSettings;
  /** The node's address; default: the machine's primary IPv4 address. */
  nodeIP?: string;
  containerRuntimeEndpoint?: string;
  /** Parent of the pods' cgroups (distinct per node when nodes share a containerd). */
  cgroupRoot?: string;
  /** Port of the node's own HTTPS endpoint, reported in the Node's daemonEndpoints (0: none). */
  kubeletPort?: number;
  labels?: Record<string, string>;
  /** Route service and cluster CIDRs to an empty bridge (default true). */
  safetyRoutes?: boolean;
  safetyRouteBridge?: string;
  backoff?: BackoffPolicy;
  /** How long to wait for the node IPAM controller to give the node a pod CIDR. */
  podCidrWaitMs?: number;
  /** Service proxy rules and cluster DNS on this node (default true; off when another node on this machine has them). */
  serviceProxy?: boolean;
}

/** Pod conditions the node owns; others (PodScheduled, DisruptionTarget, readiness gates) are kept as they are. */
/** The conditions the node owns: one it no longer reports (a resize no longer waiting) is removed. */
const nodeConditionTypes = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodResizePending', 'PodResizeInProgress']);

/** The pod's status as the node reports it, merged into what the API has. */
export function mergePodStatus(current: Json | undefined, reported: PodStatus): Json {
  const others = ((current?.conditions as Json[] | undefined) ?? []).filter((c) => !nodeConditionTypes.has(c.type) && !reported.conditions?.some((r) => r.type === c.type));
  return { ...current, ...reported, conditions: [...(reported.conditions ?? []), ...others] };
}

class StalePod extends Error {}

export class NodeAgent {
  private stopped = false;

  private constructor(
    readonly options: NodeAgentOptions,
    readonly node: NodeRuntime,
    readonly reporter: NodeStatusReporter,
    readonly pods: ResourceInformer,
    readonly services: ResourceInformer,
    private readonly loop: PodSyncLoop,
    readonly podCidr: string,
    readonly endpointSlices: ResourceInformer,
    readonly proxy: ServiceProxy | undefined,
    readonly dns: ClusterDnsServer | undefined,
  ) {}

  get nodeName(): string {
    return this.options.nodeName;
  }

  static async start(options: NodeAgentOptions): Promise<NodeAgent> {
    const { api, log, nodeName } = options;
    const started = performance.now();
    const registration = { nodeName, machine: machineFacts(options.nodeIP), kubeletPort: options.kubeletPort ?? 0, dataDir: options.dataDir, labels: options.labels };
    let runtime: NodeRuntime | undefined;
    const readiness = async () => {
      if (!runtime) return 'container runtime is starting';
      try {
        const { status } = await runtime.runtime.cri.call('Status', {}, 5000);
        const failed = (status?.conditions ?? []).filter((c) => !c.status);
        return failed.length ? `container runtime not ready: ${failed.map((c) => `${c.type}=false reason:${c.reason} message:${c.message}`).join(', ')}` : undefined;
      } catch (error) {
        return `container runtime is down: ${(error as Error).message}`;
      }
    };
    const reporter = new NodeStatusReporter(api, registration, readiness, log);
    await reporter.register();
    let podCidr = await reporter.podCidr(options.podCidrWaitMs ?? 15_000);
    if (!podCidr) {
      podCidr = nodePodSubnet(options.network.clusterCidr, 0);
      log.warn({ podCidr }, 'no pod CIDR was assigned to this node (is the node IPAM controller running?); using the first subnet of the cluster CIDR');
    }

    const services = api.informer('', 'services');
    const resolver = new ApiPodObjectResolver(api, services, log);
    let loop: PodSyncLoop | undefined;
    runtime = await startNodeRuntime({
      dataDir: options.dataDir,
      log,
      nodeName,
      nodeIP: options.nodeIP,
      containerRuntimeEndpoint: options.containerRuntimeEndpoint,
      podSubnet: podCidr,
      clusterCidr: options.network.clusterCidr,
      serviceCidr: options.network.serviceCidr,
      clusterDns: [options.network.clusterDns],
      clusterDomain: options.network.clusterDomain,
      resolver,
      safetyRoutes: options.safetyRoutes,
      safetyRouteBridge: options.safetyRouteBridge,
      cgroupRoot: options.cgroupRoot,
      backoff: options.backoff,
      onPodChange: (uid) => loop?.podChanged(uid),
    });
    registration.machine = runtime.machine;

    const podClient = api.resource('', 'pods');
    loop = new PodSyncLoop(runtime.pods, {
      log,
      onStatus: async (pod, status) => {
        try {
          await podClient.modify(
            pod.metadata.namespace,
            pod.metadata.name!,
            (current) => {
              if (current.metadata.uid !== pod.metadata.uid) throw new StalePod();
              current.status = mergePodStatus(current.status as Json | undefined, status);
              return current;
            },
            { subresource: 'status' },
          );
        } catch (error) {
          if (!(error instanceof StalePod || isNotFound(error))) throw error;
        }
      },
      onTerminated: async (pod) => {
        try {
          await podClient.delete(pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        } catch (error) {
          if (!(isNotFound(error) || isConflict(error))) throw error;
        }
      },
    });
    const pods = api.informer('', 'pods', { fieldSelector: `spec.nodeName=${nodeName}` });
    const syncLoop = loop;
    pods.addHandlers({
      add: (pod) => syncLoop.update(pod as unknown as Pod),
      update: (_old, pod) => syncLoop.update(pod as unknown as Pod),
      delete: (pod) => syncLoop.delete(pod.metadata.uid!),
    });
    await services.start();
    const endpointSlices = api.informer('discovery.k8s.io', 'endpointslices');
    await endpointSlices.start();
    let proxy: ServiceProxy | undefined;
    let dns: ClusterDnsServer | undefined;
    if (options.serviceProxy ?? true) {
      proxy = new ServiceProxy({ services, endpointSlices, clusterCidr: options.network.clusterCidr, log });
      await proxy.start();
      await addLocalAddress(options.network.clusterDns, options.safetyRouteBridge ?? serviceBridgeName);
      dns = new ClusterDnsServer({ address: options.network.clusterDns, domain: options.network.clusterDomain, services, endpointSlices, log });
      await dns.start();
    }
    await pods.start();
    loop.start();
    reporter.start();
    log.info({ node: nodeName, podCidr, runtime: runtime.runtime.endpoint, startMs: Math.round(performance.now() - started) }, 'node agent is running');
    return new NodeAgent(options, runtime, reporter, pods, services, loop, podCidr, endpointSlices, proxy, dns);
  }

  /** The pod on this node, as the API has it; a StreamTargetError (404) when there is none. */
  pod(namespace: string, name: string): Pod {
    const pod = this.pods.get(namespace, name);
    if (!pod) throw new StreamTargetError(`pods "${name}" not found on node ${this.nodeName}`, 404, 'NotFound');
    return pod as unknown as Pod;
  }

  /** exec, attach and port-forward into a pod of this node. */
  streamTarget(pod: Pod): StreamTarget {
    return this.node.streamTarget(pod);
  }

  /** Writes a container's log as `pods/log` returns it. */
  async containerLog(pod: Pod, container: string, options: LogOptions & { previous?: boolean }, out: Writable): Promise<void> {
    const path = await this.node.pods.logPath(pod, container, options.previous);
    if (!path) {
      const which = options.previous ? 'previous terminated container' : 'container';
      throw new StreamTargetError(`${which} "${container}" in pod "${pod.metadata.name}" ${options.previous ? 'not found' : 'is waiting to start'}`, 400, 'BadRequest');
    }
    const running = async () => {
      const status = (this.pods.get(pod.metadata.namespace, pod.metadata.name!)?.status as Json | undefined) ?? {};
      const all: Json[] = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])];
      return !this.stopped && !options.previous && !!all.find((s) => s.name === container)?.state?.running;
    };
    await streamContainerLog(path, options, out, running);
  }

  /** The image filesystem as the runtime reports it (CRI ImageFsInfo), for the Summary API. */
  async imageFs(): Promise<{ mountpoint?: string; usedBytes?: number; inodesUsed?: number } | undefined> {
    const { imageFilesystems } = await this.node.runtime.cri.call('ImageFsInfo', {});
    const fs = imageFilesystems[0];
    return fs && { mountpoint: fs.fsId?.mountpoint || undefined, usedBytes: fs.usedBytes?.value, inodesUsed: fs.inodesUsed?.value };
  }

  /** The pid of each ready pod sandbox on this node (its network namespace's), by pod uid. */
  async sandboxPids(): Promise<Map<string, number>> {
    const cri = this.node.runtime.cri;
    const { items } = await cri.call('ListPodSandbox', { filter: { state: { state: 'SANDBOX_READY' }, labelSelector: nodeSelector(this.nodeName) } });
    const pids = new Map<string, number>();
    await Promise.all(
      items.map(async (sandbox) => {
        const { info } = await cri.call('PodSandboxStatus', { podSandboxId: sandbox.id, verbose: true }).catch(() => ({ info: {} as Record<string, string> }));
        try {
          const pid = (JSON.parse(info.info ?? '{}') as { pid?: number }).pid;
          if (pid && sandbox.metadata?.uid) pids.set(sandbox.metadata.uid, pid);
        } catch {
          // a runtime without verbose sandbox info: no network figures
        }
      }),
    );
    return pids;
  }

  /** metrics.k8s.io PodMetrics of this node's pods. */
  async podMetrics(): Promise<Record<string, unknown>[]> {
    const usage: PodUsage[] = await this.node.metrics.collect();
    return usage.filter((u) => u.containers.length).map(podMetricsItem);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.reporter.stop();
    this.loop.stop();
    this.proxy?.stop();
    await this.dns?.stop();
    this.pods.shutdown();
    this.services.shutdown();
    this.endpointSlices.shutdown();
    await this.node.stop();
  }
}

/** A pod object from the API as the runtime's Pod type. */
export function asPod(object: KubeObject): Pod {
  return object as unknown as Pod;
}
