// v1 Pod → CRI: the PodSandboxConfig of a pod and the ContainerConfig of each container (command and args with
// $(VAR) expansion, environment, mounts, resources as cgroup limits, security context, labels k2 finds them by).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Input, ContainerConfig, LinuxContainerResources, PodSandboxConfig, SecurityProfile } from '../cri/client.ts';
import { expandVariables } from './downward.ts';
import { bytes, milliCpu } from './quantity.ts';
import type { Container, Pod } from './types.ts';
import type { ContainerKind } from './status.ts';

/** Labels on sandboxes and containers (the kubelet's names, so tools such as crictl show them). */
export const labels = {
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
  /** Marks what k2 created, so garbage collection never touches other tenants of a shared containerd. */
  managedBy: 'io.k2.managed-by',
  /** The node that runs it: several k2 nodes may share one containerd (and must not touch each other's pods). */
  nodeName: 'io.k2.node-name',
} as const;

/** Annotations on containers. */
export const annotations = {
  restartCount: 'io.kubernetes.container.restartCount',
  hash: 'io.kubernetes.container.hash',
  terminationMessagePath: 'io.kubernetes.container.terminationMessagePath',
  terminationGracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
  kind: 'io.k2.container.kind',
} as const;

export const managedByValue = 'k2';

/** The labels that select everything one node created on its runtime (garbage collection, relists, stats). */
export function nodeSelector(nodeName: string): Record<string, string> {
  return { [labels.managedBy]: managedByValue, [labels.nodeName]: nodeName };
}

export interface DnsSettings {
  /** Cluster DNS server address(es); without them ClusterFirst falls back to the node's resolv.conf. */
  clusterDns: string[];
  clusterDomain: string;
}

export interface SandboxSettings {
  nodeName: string;
  attempt: number;
  logDirectory: string;
  cgroupParent: string;
  dns: DnsSettings;
}

/** The pod's host name: spec.hostname or the pod name, cut to 63 characters (a DNS label). */
export function podHostname(pod: Pod): string {
  const name = pod.spec.hostname || pod.metadata.name || '';
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

function dnsConfig(pod: Pod, dns: DnsSettings): Input<PodSandboxConfig>['dnsConfig'] | undefined {
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const custom = pod.spec.dnsConfig;
  const clusterFirst = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec.hostNetwork);
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (clusterFirst && dns.clusterDns.length) {
    const namespace = pod.metadata.namespace ?? 'default';
    servers = [...dns.clusterDns];
    searches = [`${namespace}.svc.${dns.clusterDomain}`, `svc.${dns.clusterDomain}`, dns.clusterDomain];
    options = ['ndots:5'];
  } else if (policy !== 'None' && !custom) {
    return undefined; // the runtime copies the node's resolv.conf
  }
  if (custom) {
    servers = [...servers, ...(custom.nameservers ?? [])];
    searches = [...searches, ...(custom.searches ?? [])];
    const merged = new Map(options.map((o) => [o.split(':')[0]!, o]));
    for (const option of custom.options ?? []) merged.set(option.name, option.value !== undefined ? `${option.name}:${option.value}` : option.name);
    options = [...merged.values()];
  }
  return { servers, searches, options };
}

function seccomp(profile: { type: string; localhostProfile?: string } | undefined): Input<SecurityProfile> | undefined {
  if (!profile) return undefined;
  const types: Record<string, SecurityProfile['profileType']> = { RuntimeDefault: 'RuntimeDefault', Unconfined: 'Unconfined', Localhost: 'Localhost' };
  const profileType = types[profile.type];
  if (!profileType) return undefined;
  return { profileType, localhostRef: profile.localhostProfile ?? '' };
}

const allContainers = (pod: Pod) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

export function sandboxConfig(pod: Pod, settings: SandboxSettings): Input<PodSandboxConfig> {
  const meta = pod.metadata;
  const spec = pod.spec;
  const security = spec.securityContext ?? {};
  const portMappings = allContainers(pod).flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort)
      .map((p) => ({ protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '' })),
  );
  return {
    metadata: { name: meta.name, namespace: meta.namespace ?? 'default', uid: meta.uid, attempt: settings.attempt },
    // runc cannot set a host name without its own UTS namespace: host-network pods get none.
    hostname: spec.hostNetwork ? '' : podHostname(pod),
    logDirectory: settings.logDirectory,
    dnsConfig: dnsConfig(pod, settings.dns),
    portMappings,
    labels: { ...(meta.labels ?? {}), [labels.podName]: meta.name ?? '', [labels.podNamespace]: meta.namespace ?? 'default', [labels.podUid]: meta.uid ?? '', ...nodeSelector(settings.nodeName) },
    annotations: { ...(meta.annotations ?? {}) },
    linux: {
      cgroupParent: settings.cgroupParent,
      securityContext: {
        namespaceOptions: {
          network: spec.hostNetwork ? 'NODE' : 'POD',
          pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
          ipc: spec.hostIPC ? 'NODE' : 'POD',
        },
        ...(security.runAsUser !== undefined ? { runAsUser: { value: security.runAsUser } } : {}),
        ...(security.runAsGroup !== undefined ? { runAsGroup: { value: security.runAsGroup } } : {}),
        supplementalGroups: [...(security.supplementalGroups ?? []), ...(security.fsGroup !== undefined ? [security.fsGroup] : [])],
        privileged: allContainers(pod).some((c) => c.securityContext?.privileged),
        seccomp: seccomp(security.seccompProfile),
      },
      sysctls: Object.fromEntries((security.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}

/** The cgroup settings that follow from cpu and memory requests and limits. */
export interface AppliedResources {
  cpuShares: number;
  cpuQuota: number;
  memoryLimitInBytes: number;
}

/** The cgroup settings of a container's cpu and memory requests and limits (the kubelet's conversion). */
export function cgroupSettings(container: Container): AppliedResources {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  const cpuRequest = requests.cpu ?? limits.cpu;
  return {
    cpuShares: cpuRequest !== undefined ? Math.max(2, Math.floor((milliCpu(cpuRequest) * 1024) / 1000)) : 2,
    cpuQuota: limits.cpu !== undefined ? Math.max(1000, Math.floor((milliCpu(limits.cpu) * cpuPeriodMicros) / 1000)) : 0,
    memoryLimitInBytes: limits.memory !== undefined ? bytes(limits.memory) : 0,
  };
}

export const cpuPeriodMicros = 100_000;

/** Equal settings; a runtime reports "no quota" and "no memory limit" as 0 or -1. */
export function sameCgroupSettings(a: AppliedResources, b: AppliedResources): boolean {
  const unlimited = (n: number) => (n > 0 ? n : 0);
  return a.cpuShares === b.cpuShares && unlimited(a.cpuQuota) === unlimited(b.cpuQuota) && unlimited(a.memoryLimitInBytes) === unlimited(b.memoryLimitInBytes);
}

/** cgroup limits from requests/limits, as the kubelet computes them (cpu shares from requests, CFS quota from limits). */
export function linuxResources(container: Container): Input<LinuxContainerResources> {
  const settings = cgroupSettings(container);
  return {
    cpuShares: settings.cpuShares,
    ...(settings.cpuQuota ? { cpuPeriod: cpuPeriodMicros, cpuQuota: settings.cpuQuota } : {}),
    ...(settings.memoryLimitInBytes ? { memoryLimitInBytes: settings.memoryLimitInBytes } : {}),
  };
}

/** A hash of what, once changed in the spec, means the container must be recreated. */
export function containerHash(container: Container): string {
  const { name, image, command, args, workingDir, env, envFrom, ports, volumeMounts, securityContext, stdin, stdinOnce, tty } = container;
  return createHash('sha256')
    .update(JSON.stringify({ name, image, command, args, workingDir, env, envFrom, ports, volumeMounts, securityContext, stdin, stdinOnce, tty }))
    .digest('hex')
    .slice(0, 16);
}

export interface ContainerSettings {
  nodeName: string;
  kind: ContainerKind;
  /** An ephemeral container's target (targetContainerName): the running container whose process namespace it joins. */
  targetContainerId?: string;
  image: string;
  restartCount: number;
  env: { key: string; value: string }[];
  mounts: NonNullable<Input<ContainerConfig>['mounts']>;
  terminationMessageHostPath?: string;
  terminationGracePeriodSeconds: number;
}

export function containerConfig(pod: Pod, container: Container, settings: ContainerSettings): Input<ContainerConfig> {
  const variables = Object.fromEntries(settings.env.map((e) => [e.key, e.value]));
  const expand = (list: string[] | undefined) => (list ?? []).map((item) => expandVariables(item, variables));
  const security = container.securityContext ?? {};
  const podSecurity = pod.spec.securityContext ?? {};
  const runAsUser = security.runAsUser ?? podSecurity.runAsUser;
  const runAsGroup = security.runAsGroup ?? podSecurity.runAsGroup;
  const mounts = [...settings.mounts];
  const terminationMessagePath = container.terminationMessagePath ?? '/dev/termination-log';
  if (settings.terminationMessageHostPath) mounts.push({ containerPath: terminationMessagePath, hostPath: settings.terminationMessageHostPath, readonly: false });
  return {
    metadata: { name: container.name, attempt: settings.restartCount },
    image: { image: settings.image, userSpecifiedImage: container.image ?? '' },
    command: expand(container.command),
    args: expand(container.args),
    workingDir: container.workingDir ?? '',
    envs: settings.env.map((e) => ({ key: e.key, value: Buffer.from(e.value) })),
    mounts,
    labels: {
      [labels.podName]: pod.metadata.name ?? '',
      [labels.podNamespace]: pod.metadata.namespace ?? 'default',
      [labels.podUid]: pod.metadata.uid ?? '',
      [labels.containerName]: container.name,
      ...nodeSelector(settings.nodeName),
    },
    annotations: {
      [annotations.restartCount]: String(settings.restartCount),
      [annotations.hash]: containerHash(container),
      [annotations.terminationMessagePath]: terminationMessagePath,
      [annotations.terminationGracePeriod]: String(settings.terminationGracePeriodSeconds),
      [annotations.kind]: settings.kind,
    },
    logPath: join(container.name, `${settings.restartCount}.log`),
    stdin: container.stdin ?? false,
    stdinOnce: container.stdinOnce ?? false,
    tty: container.tty ?? false,
    linux: {
      resources: linuxResources(container),
      securityContext: {
        privileged: security.privileged ?? false,
        capabilities: { addCapabilities: security.capabilities?.add ?? [], dropCapabilities: security.capabilities?.drop ?? [] },
        namespaceOptions: {
          network: pod.spec.hostNetwork ? 'NODE' : 'POD',
          pid: pod.spec.hostPID ? 'NODE' : pod.spec.shareProcessNamespace ? 'POD' : settings.targetContainerId ? 'TARGET' : 'CONTAINER',
          ipc: pod.spec.hostIPC ? 'NODE' : 'POD',
          ...(settings.targetContainerId && !pod.spec.hostPID && !pod.spec.shareProcessNamespace ? { targetId: settings.targetContainerId } : {}),
        },
        ...(runAsUser !== undefined ? { runAsUser: { value: runAsUser } } : {}),
        ...(runAsGroup !== undefined ? { runAsGroup: { value: runAsGroup } } : {}),
        readonlyRootfs: security.readOnlyRootFilesystem ?? false,
        supplementalGroups: [...(podSecurity.supplementalGroups ?? []), ...(podSecurity.fsGroup !== undefined ? [podSecurity.fsGroup] : [])],
        noNewPrivs: security.allowPrivilegeEscalation === false,
        seccomp: seccomp(security.seccompProfile ?? podSecurity.seccompProfile),
      },
    },
  };
}

/** The image reference CRI gets: Docker Hub short names in full, `:latest` when no tag or digest is given. */
export function normalizeImage(image: string): string {
  let ref = image.trim();
  if (!ref) return ref;
  const firstSlash = ref.indexOf('/');
  const first = firstSlash < 0 ? '' : ref.slice(0, firstSlash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!hasRegistry) ref = `docker.io/${firstSlash < 0 ? `library/${ref}` : ref}`;
  const lastSlash = ref.lastIndexOf('/');
  if (!ref.includes('@') && !ref.slice(lastSlash).includes(':')) ref += ':latest';
  return ref;
}

/** The pull policy Kubernetes defaults to: Always for `:latest` (or no tag), else IfNotPresent. */
export function pullPolicy(container: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  const image = container.image ?? '';
  const lastSlash = image.lastIndexOf('/');
  const tagged = image.includes('@') || image.slice(lastSlash + 1).includes(':');
  return !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}
