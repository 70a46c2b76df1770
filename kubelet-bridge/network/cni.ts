// Pod networking on a node: the CNI config containerd reads (bridge + portmap with host-local IPAM on the node's
// pod subnet) and the safety routes that keep traffic to service and foreign pod addresses on the machine.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** k3s's defaults. */
export const defaultClusterCidr = '10.42.0.0/16';
export const defaultServiceCidr = '10.43.0.0/16';
export const podBridgeName = 'k2-cni0';
export const serviceBridgeName = 'k2-svc';
export const cniNetworkName = 'k2-pod-network';
const conflistFile = '10-k2.conflist';

export interface Ipv4Cidr {
  /** Network address as a 32-bit unsigned number. */
  network: number;
  prefix: number;
}

export function parseIpv4(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`"${address}" is not an IPv4 address`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): Ipv4Cidr {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!match || Number(match[2]) > 32) throw new Error(`"${cidr}" is not an IPv4 CIDR such as 10.42.0.0/16`);
  const prefix = Number(match[2]);
  const address = parseIpv4(match[1]!);
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);
  if (network !== address) throw new Error(`"${cidr}" has host bits set (did you mean ${formatIpv4(network)}/${prefix}?)`);
  return { network, prefix };
}

export const formatCidr = (cidr: Ipv4Cidr) => `${formatIpv4(cidr.network)}/${cidr.prefix}`;

/** The `index`-th subnet of `maskSize` bits inside the cluster CIDR: node 0 of 10.42.0.0/16 gets 10.42.0.0/24. */
export function nodePodSubnet(clusterCidr: string, index: number, maskSize = 24): string {
  const cluster = parseCidr(clusterCidr);
  if (maskSize < cluster.prefix || maskSize > 30) throw new Error(`node mask size /${maskSize} does not fit cluster CIDR ${clusterCidr}`);
  const count = 2 ** (maskSize - cluster.prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new Error(`cluster CIDR ${clusterCidr} has ${count} node subnets of /${maskSize}; index ${index} is out of range`);
  return formatCidr({ network: cluster.network + index * 2 ** (32 - maskSize), prefix: maskSize });
}

/** The first usable address of a subnet: the bridge's (gateway's) address. */
export function gatewayAddress(subnet: string): string {
  return formatIpv4(parseCidr(subnet).network + 1);
}

export function cidrContains(cidr: string, address: string): boolean {
  const { network, prefix } = parseCidr(cidr);
  const size = 2 ** (32 - prefix);
  const n = parseIpv4(address);
  return n >= network && n < network + size;
}

export interface CniConfigOptions {
  podSubnet: string;
  /** Where host-local keeps its leases (k2's data dir, not /var/lib/cni). */
  ipamDataDir: string;
  bridge?: string;
  mtu?: number;
}

/** The conflist: a bridge that is the pods' gateway and masquerades their outbound traffic, plus hostPort mapping. */
export function cniConflist(options: CniConfigOptions): Record<string, unknown> {
  parseCidr(options.podSubnet);
  return {
    cniVersion: '1.0.0',
    name: cniNetworkName,
    plugins: [
      {
        type: 'bridge',
        bridge: options.bridge ?? podBridgeName,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ...(options.mtu ? { mtu: options.mtu } : {}),
        ipam: {
          type: 'host-local',
          dataDir: options.ipamDataDir,
          ranges: [[{ subnet: options.podSubnet, gateway: gatewayAddress(options.podSubnet) }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/**
 * Writes the conflist into containerd's CNI conf dir (atomically: containerd watches the folder and must
 * never read half a file) and removes other k2 conflists there.
 */
export async function writeCniConfig(confDir: string, options: CniConfigOptions): Promise<string> {
  await mkdir(confDir, { recursive: true });
  await mkdir(options.ipamDataDir, { recursive: true });
  const path = join(confDir, conflistFile);
  const temporary = `${path}.tmp`;
  await writeFile(temporary, JSON.stringify(cniConflist(options), null, 2) + '\n');
  await rename(temporary, path);
  for (const name of await readdir(confDir)) {
    if (name !== conflistFile && name.endsWith('.conflist') && name.includes('k2')) await unlink(join(confDir, name));
  }
  return path;
}

async function ip(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args);
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

async function linkExists(name: string): Promise<boolean> {
  return ip(['link', 'show', 'dev', name]).then(
    () => true,
    () => false,
  );
}

/**
 * Routes the service CIDR (and the other given CIDRs, e.g. the cluster CIDR, whose local node subnet stays
 * reachable through the more specific route of the pod bridge) to an empty local bridge. A packet for a service
 * address that no proxy rule translated then goes nowhere instead of following the default route off the
 * machine. The proxy's DNAT happens before routing, so translated traffic is not affected.
 */
export async function installSafetyRoutes(cidrs: string[], bridge = serviceBridgeName): Promise<void> {
  for (const cidr of cidrs) parseCidr(cidr);
  if (!(await linkExists(bridge))) await ip(['link', 'add', bridge, 'type', 'bridge']).catch(async (error: Error) => {
    if (!(await linkExists(bridge))) throw error; // created concurrently: fine
  });
  await ip(['link', 'set', bridge, 'up']);
  for (const cidr of cidrs) await ip(['route', 'replace', cidr, 'dev', bridge]);
}

/** The destinations routed to `bridge` (for checks and status). */
export async function safetyRoutes(bridge = serviceBridgeName): Promise<string[]> {
  if (!(await linkExists(bridge))) return [];
  const out = await ip(['-4', 'route', 'show', 'dev', bridge]);
  return out.split('\n').map((line) => line.trim().split(/\s+/)[0]!).filter(Boolean);
}

/** Deletes a bridge k2 made (its routes go with it); absent is fine. */
export async function removeBridge(bridge: string): Promise<void> {
  if (await linkExists(bridge)) await ip(['link', 'delete', bridge]);
}

/** The node's primary IPv4 address: the first non-internal interface address not on a k2 bridge or a pod veth. */
export function primaryNodeAddress(): string {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (name === podBridgeName || name === serviceBridgeName || name.startsWith('veth') || name.startsWith('cni')) continue;
    const v4 = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return '127.0.0.1';
}

/**
 * Gives the (empty) service bridge a local address, e.g. the cluster DNS IP: packets from pods to it are then
 * delivered to this node's own socket on that address, with no proxy rule in between.
 */
export async function addLocalAddress(address: string, bridge = serviceBridgeName): Promise<void> {
  parseIpv4(address);
  await installSafetyRoutes([], bridge);
  await ip(['addr', 'replace', `${address}/32`, 'dev', bridge]);
}
