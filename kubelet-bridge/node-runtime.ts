// Everything a node needs before it can run pods, started in order: the container runtime (k2's own supervised
// containerd, or --container-runtime-endpoint), the CNI config for the node's pod subnet, k2's sandbox image, the
// image archives of `<data-dir>/agent/images/`, the safety routes, and the PodRuntime. `k2 server` (unless
// --disable-agent) and `k2 agent` call `startNodeRuntime` and then drive `pods` from their informers.
import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { StreamTarget } from '../apiserver/streaming/target.ts';
import { ContainerdSupervisor, defaultSandboxImage, openContainerRuntime, type ContainerRuntime } from './containerd.ts';
import { ImageStore } from './images/image-store.ts';
import { hostArch } from './images/pause-program.ts';
import { defaultClusterCidr, defaultServiceCidr, installSafetyRoutes, primaryNodeAddress, serviceBridgeName, writeCniConfig } from './network/cni.ts';
import type { BackoffPolicy } from './pod/backoff.ts';
import type { PodObjectResolver } from './pod/downward.ts';
import { PodMetricsCollector } from './pod/metrics.ts';
import { PodRuntime } from './pod/runtime.ts';
import type { Pod } from './pod/types.ts';
import { criStreamTarget } from './streaming/cri-target.ts';

export interface NodeRuntimeOptions {
  dataDir: string;
  log: Logger;
  nodeName: string;
  /** Use this CRI endpoint instead of starting containerd. */
  containerRuntimeEndpoint?: string;
  /** This node's pod subnet (the first node of the default cluster CIDR gets 10.42.0.0/24). */
  podSubnet: string;
  clusterCidr?: string;
  serviceCidr?: string;
  clusterDns?: string[];
  clusterDomain?: string;
  resolver: PodObjectResolver;
  /** Route the service and cluster CIDRs to an empty bridge (default true; see network/cni.ts). */
  safetyRoutes?: boolean;
  safetyRouteBridge?: string;
  /** Parent of the pods' cgroups (distinct per node when two nodes share one containerd). */
  cgroupRoot?: string;
  backoff?: BackoffPolicy;
  /** The node's address (pods' hostIP); default: the machine's primary IPv4 address. */
  nodeIP?: string;
  /** A probe result changed something a pod's status depends on (the sync loop re-syncs that pod). */
  onPodChange?: (uid: string) => void;
}

/** What the Node object reports about this machine. */
export interface MachineFacts {
  hostname: string;
  internalIP: string;
  architecture: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  cpuCores: number;
  memoryBytes: number;
}

function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** The machine's facts that need no container runtime (its version is filled in once the runtime answers). */
export function machineFacts(nodeIP?: string): MachineFacts {
  return {
    hostname: hostname().toLowerCase(),
    internalIP: nodeIP || primaryNodeAddress(),
    architecture: hostArch(),
    kernelVersion: release(),
    osImage: osImage(),
    containerRuntimeVersion: '',
    cpuCores: cpus().length,
    memoryBytes: totalmem(),
  };
}

export interface NodeRuntime {
  runtime: ContainerRuntime;
  images: ImageStore;
  pods: PodRuntime;
  metrics: PodMetricsCollector;
  machine: MachineFacts;
  /** exec/attach/port-forward into a pod of this node (for the API server's pod subresources). */
  streamTarget(pod: Pod): StreamTarget;
  /** Stops probes and the supervised containerd; pods keep running in their shims, as with k3s. */
  stop(): Promise<void>;
}

export async function startNodeRuntime(options: NodeRuntimeOptions): Promise<NodeRuntime> {
  const { log } = options;
  const runtime = await openContainerRuntime({ dataDir: options.dataDir, log, endpoint: options.containerRuntimeEndpoint, sandboxImage: defaultSandboxImage });
  try {
    if (runtime instanceof ContainerdSupervisor) {
      await writeCniConfig(runtime.layout.cniConfDir, { podSubnet: options.podSubnet, ipamDataDir: join(options.dataDir, 'agent', 'cni', 'networks') });
    } else {
      log.info({ endpoint: runtime.endpoint }, 'external container runtime: its own CNI configuration and sandbox image settings apply');
    }
    const images = new ImageStore(runtime.cri, runtime.containerdSocket, log);
    await images.ensurePauseImage(defaultSandboxImage);
    const imported = await images.importDirectory(join(options.dataDir, 'agent', 'images'));
    if (imported.imported.length) log.info({ images: imported.imported }, 'imported image archives');
    if (options.safetyRoutes ?? true) {
      await installSafetyRoutes([options.serviceCidr ?? defaultServiceCidr, options.clusterCidr ?? defaultClusterCidr], options.safetyRouteBridge ?? serviceBridgeName);
    }
    const version = await runtime.cri.call('Version', {});
    const machine: MachineFacts = { ...machineFacts(options.nodeIP), containerRuntimeVersion: `${version.runtimeName}://${version.runtimeVersion}` };
    const pods = new PodRuntime({
      cri: runtime.cri,
      dataDir: options.dataDir,
      node: { nodeName: options.nodeName, hostIP: machine.internalIP, allocatable: { cpuCores: machine.cpuCores, memoryBytes: machine.memoryBytes } },
      resolver: options.resolver,
      dns: { clusterDns: options.clusterDns ?? [], clusterDomain: options.clusterDomain ?? 'cluster.local' },
      cgroupRoot: options.cgroupRoot,
      backoff: options.backoff,
      log,
      onChange: (uid) => options.onPodChange?.(uid),
    });
    return {
      runtime,
      images,
      pods,
      metrics: new PodMetricsCollector(runtime.cri, options.nodeName),
      machine,
      streamTarget: (pod) => criStreamTarget(runtime.cri, pods.streamEndpoints(pod)),
      stop: async () => {
        pods.close();
        await runtime.stop();
      },
    };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}
