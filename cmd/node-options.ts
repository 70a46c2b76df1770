// Flags of the node that `k2 server` runs (unless --disable-agent) and `k2 agent` runs alone, with k3s's and
// the kubelet's names.
import { parseCidr, parseIpv4 } from '../kubelet-bridge/network/cni.ts';

export interface NodeFlags {
  nodeIP?: string;
  containerRuntimeEndpoint?: string;
  /** Parent of the pods' cgroups (the kubelet's --cgroup-root). */
  cgroupRoot: string;
  /** No service proxy rules and no cluster DNS on this node (another node on the same machine has them). */
  disableKubeProxy: boolean;
}

export function cidr(value: unknown): string {
  parseCidr(String(value));
  return String(value).trim();
}

export function ipv4(value: unknown): string {
  parseIpv4(String(value).trim());
  return String(value).trim();
}

export const nodeFlags = {
  'node-ip': { type: 'string', coerce: (v: unknown) => (v === undefined || v === '' ? undefined : ipv4(v)), describe: "This node's address [default: the machine's primary IPv4 address]", group: 'Node:' },
  'container-runtime-endpoint': { type: 'string', describe: 'Use this CRI endpoint (e.g. unix:///run/containerd/containerd.sock) instead of starting containerd', group: 'Node:' },
  'cgroup-root': { type: 'string', default: '/kubepods', describe: "Parent cgroup of the pods' cgroups", group: 'Node:' },
  'disable-kube-proxy': { type: 'boolean', default: false, describe: 'Install no service proxy rules and serve no cluster DNS on this node', group: 'Node:' },
} as const;

export function toNodeFlags(argv: Record<string, unknown>): NodeFlags {
  return {
    nodeIP: (argv['node-ip'] as string | undefined) || undefined,
    containerRuntimeEndpoint: (argv['container-runtime-endpoint'] as string | undefined) || undefined,
    cgroupRoot: (argv['cgroup-root'] as string | undefined) || '/kubepods',
    disableKubeProxy: Boolean(argv['disable-kube-proxy']),
  };
}
