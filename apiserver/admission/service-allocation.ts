// ClusterIPs and NodePorts for Services: allocated on create from the service CIDR and the node
// port range, kept across updates that omit them, refused when already taken. What is in use is
// read from the stored Services themselves, so nothing leaks when a Service goes away.
import type { ApiCore } from '../core.ts';
import { errors } from '../status.ts';
import type { KubeObject } from '../registry/types.ts';
import type { AdmissionPlugin } from './types.ts';

type Json = Record<string, any>;

export interface ServiceNetwork {
  /** e.g. 10.43.0.0/16 */
  serviceCidr: string;
  nodePortRange: [number, number];
}

export const defaultServiceNetwork: ServiceNetwork = { serviceCidr: '10.43.0.0/16', nodePortRange: [30000, 32767] };

export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  return { base: ipv4ToNumber(ip!) - (ipv4ToNumber(ip!) % size), size };
}

/** The n-th address of a CIDR (1 → the `kubernetes` Service, 10 → cluster DNS). */
export function cidrAddress(cidr: string, n: number): string {
  return numberToIpv4(parseCidr(cidr).base + n);
}

const reservationMs = 30_000;

export function serviceAllocation(core: ApiCore, network: ServiceNetwork = defaultServiceNetwork): AdmissionPlugin {
  const { base, size } = parseCidr(network.serviceCidr);
  const [lowPort, highPort] = network.nodePortRange;
  // Addresses and ports handed out to creates that have not reached the cache yet.
  const reservedIps = new Map<string, number>();
  const reservedPorts = new Map<number, number>();

  const inUse = (except?: KubeObject) => {
    const ips = new Set<string>();
    const ports = new Set<number>();
    const now = Date.now();
    for (const [ip, until] of reservedIps) if (until > now) ips.add(ip);
    for (const [port, until] of reservedPorts) if (until > now) ports.add(port);
    for (const entry of core.cache.list('/registry/services/')) {
      if (except && entry.object.metadata.uid === except.metadata.uid) continue;
      const spec: Json = (entry.object.spec as Json) ?? {};
      for (const ip of spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])) ips.add(ip);
      for (const port of spec.ports ?? []) if (port.nodePort) ports.add(port.nodePort);
      if (spec.healthCheckNodePort) ports.add(spec.healthCheckNodePort);
    }
    return { ips, ports };
  };

  const inRange = (ip: string) => {
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const n = ipv4ToNumber(ip);
    return n > base && n < base + size - 1;
  };

  const allocateIp = (taken: Set<string>): string => {
    // Random first, as Kubernetes does; then a scan, so a nearly full range still works.
    for (let attempt = 0; attempt < 64; attempt++) {
      const ip = numberToIpv4(base + 2 + Math.floor(Math.random() * (size - 3)));
      if (!taken.has(ip)) return ip;
    }
    for (let n = base + 2; n < base + size - 1; n++) if (!taken.has(numberToIpv4(n))) return numberToIpv4(n);
    throw errors.internal(`failed to allocate a serviceIP: range is full`);
  };

  const allocatePort = (taken: Set<number>): number => {
    for (let attempt = 0; attempt < 64; attempt++) {
      const port = lowPort + Math.floor(Math.random() * (highPort - lowPort + 1));
      if (!taken.has(port)) return port;
    }
    for (let port = lowPort; port <= highPort; port++) if (!taken.has(port)) return port;
    throw errors.internal('failed to allocate a nodePort: range is full');
  };

  const invalid = (name: string, field: string, value: unknown, message: string) =>
    errors.invalid('Service', '', name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` }]);

  return {
    name: 'ServiceAllocation',
    mutate(attributes) {
      const { description, operation, object, oldObject } = attributes;
      if (description.group !== '' || description.plural !== 'services' || !object || attributes.subresource) return;
      if (operation !== 'CREATE' && operation !== 'UPDATE') return;
      const name = object.metadata.name ?? '';
      const spec: Json = ((object.spec as Json | undefined) ??= {});
      const oldSpec: Json | undefined = oldObject?.spec as Json | undefined;
      const { ips, ports } = inUse(oldObject);
      const now = Date.now();

      if (spec.type === 'ExternalName') {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      } else {
        if (!spec.clusterIP && spec.clusterIPs?.length) spec.clusterIP = spec.clusterIPs[0];
        if (!spec.clusterIP && oldSpec?.clusterIP && oldSpec.clusterIP !== 'None') spec.clusterIP = oldSpec.clusterIP;
        if (spec.clusterIP === 'None') {
          spec.clusterIPs = ['None'];
        } else if (!spec.clusterIP) {
          spec.clusterIP = allocateIp(ips);
          reservedIps.set(spec.clusterIP, now + reservationMs);
          spec.clusterIPs = [spec.clusterIP];
        } else if (spec.clusterIP !== oldSpec?.clusterIP) {
          if (!inRange(spec.clusterIP)) throw invalid(name, 'spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${network.serviceCidr}`);
          if (ips.has(spec.clusterIP)) throw invalid(name, 'spec.clusterIPs', [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`);
          reservedIps.set(spec.clusterIP, now + reservationMs);
          spec.clusterIPs = [spec.clusterIP];
        } else {
          spec.clusterIPs = [spec.clusterIP];
        }
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }

      const wantsNodePorts = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
      (spec.ports ?? []).forEach((port: Json, i: number) => {
        if (!wantsNodePorts) {
          if (spec.type === 'ClusterIP' && oldSpec && port.nodePort && oldSpec.type !== 'ClusterIP') delete port.nodePort;
          return;
        }
        if (!port.nodePort) {
          const previous = (oldSpec?.ports ?? []).find((p: Json) => p.port === port.port && p.protocol === port.protocol && p.nodePort);
          port.nodePort = previous?.nodePort ?? allocatePort(ports);
          ports.add(port.nodePort);
          reservedPorts.set(port.nodePort, now + reservationMs);
          return;
        }
        const wasOurs = (oldSpec?.ports ?? []).some((p: Json) => p.nodePort === port.nodePort);
        if (wasOurs) return;
        if (port.nodePort < lowPort || port.nodePort > highPort) {
          throw invalid(name, `spec.ports[${i}].nodePort`, port.nodePort, `provided port is not in the valid range. The range of valid ports is ${lowPort}-${highPort}`);
        }
        if (ports.has(port.nodePort)) throw invalid(name, `spec.ports[${i}].nodePort`, port.nodePort, 'provided port is already allocated');
        ports.add(port.nodePort);
        reservedPorts.set(port.nodePort, now + reservationMs);
      });
    },
  };
}
