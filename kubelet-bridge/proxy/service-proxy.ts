// The node's service proxy (kube-proxy's iptables mode): watches Services and EndpointSlices and keeps the nat
// rules of iptables-rules.ts in step with them, so that ClusterIPs and NodePorts reach the services' ready
// endpoints from pods, from the node itself and (node ports) from outside. Rewrites are coalesced: at most one
// iptables-restore runs at a time, and changes that arrive meanwhile are written together right after it.
import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import type { ResourceInformer } from '../api/node-api.ts';
import { chains, entryJumps, natRules, type ServicePortRule } from './iptables-rules.ts';

const run = promisify(execFile);
type Json = Record<string, any>;

export const serviceNameLabel = 'kubernetes.io/service-name';

/** The service's ports with their ready endpoints, from its EndpointSlices (kube-proxy's reading of them). */
export function servicePortRules(service: KubeObject, slices: KubeObject[]): ServicePortRule[] {
  const spec = (service.spec as Json | undefined) ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (type === 'ExternalName') return [];
  const clusterIP = spec.clusterIP && spec.clusterIP !== 'None' ? (spec.clusterIP as string) : undefined;
  const rules: ServicePortRule[] = [];
  for (const port of (spec.ports as Json[] | undefined) ?? []) {
    const protocol = (port.protocol ?? 'TCP') as ServicePortRule['protocol'];
    const endpoints = new Map<string, { ip: string; port: number }>();
    for (const slice of slices) {
      if ((slice.addressType ?? 'IPv4') !== 'IPv4') continue;
      const slicePort = ((slice.ports as Json[] | undefined) ?? []).find((p) => (p.name ?? '') === (port.name ?? '') && (p.protocol ?? 'TCP') === protocol);
      if (!slicePort?.port) continue;
      for (const endpoint of (slice.endpoints as Json[] | undefined) ?? []) {
        // kube-proxy: ready unset counts as ready; terminating endpoints are not used while others are ready.
        if (endpoint.conditions?.ready === false) continue;
        const ip = endpoint.addresses?.[0] as string | undefined;
        if (ip) endpoints.set(`${ip}:${slicePort.port}`, { ip, port: slicePort.port });
      }
    }
    const nodePort = type === 'NodePort' || type === 'LoadBalancer' ? (port.nodePort as number | undefined) : undefined;
    if (!clusterIP && !nodePort) continue;
    rules.push({
      name: `${service.metadata.namespace}/${service.metadata.name}${port.name ? `:${port.name}` : ''}`,
      protocol,
      clusterIP,
      port: port.port,
      nodePort,
      endpoints: [...endpoints.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.port - b.port)),
    });
  }
  return rules;
}

async function iptables(args: string[]): Promise<string> {
  try {
    return (await run('iptables', ['-w', '5', ...args])).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`iptables ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

function iptablesRestore(input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('iptables-restore', ['-w', '5', '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`iptables-restore failed (${code}): ${stderr.trim()}`))));
    child.stdin.end(input);
  });
}

/** k2's chains in the nat table now. */
async function existingChains(): Promise<string[]> {
  const out = await iptables(['-t', 'nat', '-S']);
  return out.split('\n').filter((line) => line.startsWith('-N K2-')).map((line) => line.slice(3).trim());
}

/** Removes every k2 proxy rule and chain (tests; a node that stops being one). */
export async function removeProxyRules(): Promise<void> {
  for (const jump of entryJumps) {
    while (await iptables(['-t', 'nat', '-C', jump.chain, ...jump.rule]).then(() => true, () => false)) await iptables(['-t', 'nat', '-D', jump.chain, ...jump.rule]);
  }
  const names = await existingChains();
  for (const name of names) await iptables(['-t', 'nat', '-F', name]);
  for (const name of names) await iptables(['-t', 'nat', '-X', name]);
}

export interface ServiceProxyOptions {
  services: ResourceInformer;
  endpointSlices: ResourceInformer;
  clusterCidr: string;
  log: Logger;
}

export class ServiceProxy {
  private syncing = false;
  private pending = false;
  private stopped = false;
  private written = new Set<string>();
  private idle: Promise<void> = Promise.resolve();
  /** How many times the rules were written (for tests and logs). */
  syncs = 0;

  constructor(private readonly options: ServiceProxyOptions) {}

  async start(): Promise<void> {
    // What kube-proxy needs from the kernel: bridged pod traffic through iptables, node ports on 127.0.0.1.
    await writeFile('/proc/sys/net/bridge/bridge-nf-call-iptables', '1').catch(() => this.options.log.warn('bridge-nf-call-iptables is not available: pod-to-service traffic between pods of one node may fail'));
    await writeFile('/proc/sys/net/ipv4/conf/all/route_localnet', '1').catch(() => {});
    this.written = new Set(await existingChains());
    const changed = () => this.requestSync();
    this.options.services.addHandlers({ add: changed, update: changed, delete: changed });
    this.options.endpointSlices.addHandlers({ add: changed, update: changed, delete: changed });
    await this.sync();
    for (const jump of entryJumps) {
      const present = await iptables(['-t', 'nat', '-C', jump.chain, ...jump.rule]).then(() => true, () => false);
      if (!present) await iptables(['-t', 'nat', '-I', jump.chain, '1', ...jump.rule]);
    }
  }

  /** Resolves once no rewrite is running or pending. */
  settled(): Promise<void> {
    return this.idle;
  }

  private requestSync(): void {
    if (this.stopped) return;
    if (this.syncing) {
      this.pending = true;
      return;
    }
    this.idle = this.sync().catch((error: Error) => this.options.log.error({ err: error }, 'service proxy rules could not be written'));
  }

  private async sync(): Promise<void> {
    this.syncing = true;
    try {
      do {
        this.pending = false;
        const { text, chains: declared } = natRules(this.rules(), this.options.clusterCidr, this.written);
        await iptablesRestore(text);
        this.written = declared;
        this.syncs++;
      } while (this.pending && !this.stopped);
    } finally {
      this.syncing = false;
    }
  }

  private rules(): ServicePortRule[] {
    const slicesByService = new Map<string, KubeObject[]>();
    for (const slice of this.options.endpointSlices.list()) {
      const service = slice.metadata.labels?.[serviceNameLabel];
      if (!service) continue;
      const key = `${slice.metadata.namespace}/${service}`;
      slicesByService.set(key, [...(slicesByService.get(key) ?? []), slice]);
    }
    return this.options.services.list().flatMap((service) => servicePortRules(service, slicesByService.get(`${service.metadata.namespace}/${service.metadata.name}`) ?? []));
  }

  /** Stops following changes; the rules stay (services keep working for running pods, as with kube-proxy). */
  stop(): void {
    this.stopped = true;
  }
}

export { chains };
