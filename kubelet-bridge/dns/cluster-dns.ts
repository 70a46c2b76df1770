// Cluster DNS, served by k2 itself on the cluster DNS address (10.43.0.10 by default) of every node, over UDP and
// TCP, with Kubernetes' DNS schema: `<svc>.<ns>.svc.<domain>` (the ClusterIP, or a headless service's ready
// endpoints), `<hostname>.<svc>.<ns>.svc.<domain>`, SRV `_<port>._<proto>.<svc>.<ns>.svc.<domain>`, pod names
// `<a-b-c-d>.<ns>.pod.<domain>`, ExternalName services as CNAMEs. Other names inside the domain are NXDOMAIN;
// names outside it are forwarded to the node's own resolvers.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import type { Logger } from 'pino';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import type { ResourceInformer } from '../api/node-api.ts';
import { serviceNameLabel } from '../proxy/service-proxy.ts';

type Json = Record<string, any>;

const ttl = 5;
/** Response codes live in the low bits of the flags: dns-packet encodes them only from there. */
const rcodes = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
const forwardTimeoutMs = 2000;

export interface ClusterDnsOptions {
  address: string;
  port?: number;
  domain: string;
  services: ResourceInformer;
  endpointSlices: ResourceInformer;
  /** Resolvers for names outside the cluster domain (default: the node's /etc/resolv.conf). */
  upstream?: string[];
  log: Logger;
}

/** The nameservers of a resolv.conf, except `exclude` (the cluster DNS itself). */
export function upstreamResolvers(text: string, exclude: string): string[] {
  return text
    .split('\n')
    .map((line) => /^\s*nameserver\s+(\S+)/.exec(line)?.[1])
    .filter((ip): ip is string => !!ip && ip !== exclude && net.isIPv4(ip));
}

interface Answers {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
}

export class ClusterDnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly upstream: string[];

  constructor(private readonly options: ClusterDnsOptions) {
    let resolvConf = '';
    try {
      resolvConf = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      // no upstream
    }
    this.upstream = options.upstream ?? upstreamResolvers(resolvConf, options.address);
  }

  async start(): Promise<void> {
    const port = this.options.port ?? 53;
    const udp = dgram.createSocket('udp4');
    udp.on('message', (message, remote) => {
      void this.answer(message).then(
        (reply) => reply && udp.send(reply, remote.port, remote.address),
        (error: Error) => this.options.log.debug({ err: error }, 'dns query failed'),
      );
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, this.options.address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (error) => this.options.log.warn({ err: error }, 'cluster DNS (udp) error'));
    this.udp = udp;
    const tcp = net.createServer((socket) => this.serveTcp(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, this.options.address, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    this.tcp = tcp;
  }

  private serveTcp(socket: net.Socket): void {
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
        const message = buffer.subarray(2, 2 + buffer.readUInt16BE(0));
        buffer = buffer.subarray(2 + message.length);
        void this.answer(message).then((reply) => {
          if (!reply || socket.destroyed) return;
          const length = Buffer.alloc(2);
          length.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([length, reply]));
        });
      }
    });
  }

  /** The reply to one DNS message (undefined: drop it). */
  async answer(message: Buffer): Promise<Buffer | undefined> {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (!question || query.type === 'response') return undefined;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const domain = this.options.domain.toLowerCase();
    const reply = (result: Answers, extra: Partial<Packet> = {}) =>
      dnsPacket.encode({
        id: query.id,
        type: 'response',
        flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcodes[result.rcode],
        questions: [question],
        answers: result.answers,
        ...extra,
      } as Packet);
    if (name === domain || name.endsWith(`.${domain}`)) {
      const result = this.resolve(question, name.slice(0, name.length - domain.length).replace(/\.$/, ''));
      const authority: Answer[] = result.answers.length ? [] : [this.soa()];
      return reply(result, { authorities: authority });
    }
    return this.forward(message, query, question);
  }

  private soa(): Answer {
    const domain = this.options.domain;
    return { type: 'SOA', name: domain, ttl, data: { mname: `ns.dns.${domain}`, rname: `hostmaster.${domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl } } as Answer;
  }

  /** Answers for a name inside the cluster domain; `local` is the part before the domain. */
  private resolve(question: Question, local: string): Answers {
    const labels = local ? local.split('.') : [];
    const fqdn = question.name.replace(/\.$/, '');
    const none: Answers = { rcode: 'NXDOMAIN', answers: [] };
    const exists: Answers = { rcode: 'NOERROR', answers: [] };
    // <a-b-c-d>.<ns>.pod
    if (labels.length === 3 && labels[2] === 'pod') {
      const ip = labels[0]!.replace(/-/g, '.');
      if (!net.isIPv4(ip)) return none;
      return question.type === 'A' ? { rcode: 'NOERROR', answers: [{ type: 'A', name: fqdn, ttl, data: ip }] } : exists;
    }
    // Outside the schema only the domain itself and `pod` exist (anything else, e.g. a search-path expansion of
    // an outside name, is NXDOMAIN, so that resolvers go on to the next candidate).
    if (labels[labels.length - 1] !== 'svc') return labels.length === 0 || (labels.length === 1 && labels[0] === 'pod') ? exists : none;
    if (labels.length === 2) return this.options.services.list(labels[0]).length ? exists : none; // <ns>.svc
    if (labels.length === 1) return exists;
    const namespace = labels[labels.length - 2]!;
    const serviceName = labels[labels.length - 3]!;
    const service = this.options.services.get(namespace, serviceName);
    if (!service) return none;
    const spec = (service.spec as Json | undefined) ?? {};
    const endpoints = this.readyEndpoints(service);
    // _<port>._<proto>.<svc>.<ns>.svc
    if (labels.length === 5 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_')) {
      const portName = labels[0]!.slice(1);
      const protocol = labels[1]!.slice(1).toUpperCase();
      const port = ((spec.ports as Json[] | undefined) ?? []).find((p) => p.name === portName && (p.protocol ?? 'TCP') === protocol);
      if (!port) return none;
      if (question.type !== 'SRV') return exists;
      const target = `${serviceName}.${namespace}.svc.${this.options.domain}`;
      return { rcode: 'NOERROR', answers: [{ type: 'SRV', name: fqdn, ttl, data: { priority: 0, weight: 100, port: port.port, target } } as Answer] };
    }
    // <hostname>.<svc>.<ns>.svc (headless services whose endpoints have host names)
    if (labels.length === 4) {
      const hostname = labels[0]!;
      const ips = endpoints.filter((e) => e.hostname === hostname).map((e) => e.ip);
      if (!ips.length) return none;
      return question.type === 'A' ? { rcode: 'NOERROR', answers: ips.map((ip) => ({ type: 'A', name: fqdn, ttl, data: ip }) as Answer) } : exists;
    }
    if (labels.length !== 3) return none;
    if (spec.type === 'ExternalName' && spec.externalName) {
      return { rcode: 'NOERROR', answers: [{ type: 'CNAME', name: fqdn, ttl, data: String(spec.externalName).replace(/\.$/, '') } as Answer] };
    }
    if (question.type !== 'A') return exists;
    if (spec.clusterIP && spec.clusterIP !== 'None') return { rcode: 'NOERROR', answers: [{ type: 'A', name: fqdn, ttl, data: spec.clusterIP }] };
    return { rcode: 'NOERROR', answers: [...new Set(endpoints.map((e) => e.ip))].map((ip) => ({ type: 'A', name: fqdn, ttl, data: ip }) as Answer) };
  }

  private readyEndpoints(service: KubeObject): { ip: string; hostname?: string }[] {
    const publishNotReady = Boolean((service.spec as Json | undefined)?.publishNotReadyAddresses);
    return this.options.endpointSlices
      .list(service.metadata.namespace)
      .filter((slice) => slice.metadata.labels?.[serviceNameLabel] === service.metadata.name && (slice.addressType ?? 'IPv4') === 'IPv4')
      .flatMap((slice) => ((slice.endpoints as Json[] | undefined) ?? []).filter((e) => publishNotReady || e.conditions?.ready !== false))
      .flatMap((e) => ((e.addresses as string[] | undefined) ?? []).map((ip) => ({ ip, hostname: e.hostname as string | undefined })));
  }

  /** Relays a query for a name outside the cluster to the node's resolvers; SERVFAIL when none answers. */
  private async forward(message: Buffer, query: Packet, question: Question): Promise<Buffer> {
    for (const server of this.upstream) {
      const answer = await new Promise<Buffer | undefined>((resolve) => {
        const socket = dgram.createSocket('udp4');
        const timer = setTimeout(() => finish(undefined), forwardTimeoutMs);
        const finish = (result: Buffer | undefined) => {
          clearTimeout(timer);
          socket.close();
          resolve(result);
        };
        socket.on('error', () => finish(undefined));
        socket.on('message', (reply) => finish(reply));
        socket.send(message, 53, server);
      });
      if (answer) return answer;
    }
    return dnsPacket.encode({ id: query.id, type: 'response', flags: dnsPacket.RECURSION_AVAILABLE | rcodes.SERVFAIL, questions: [question] } as Packet);
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }
}
