// The pure parts of node networking: DNS answers by Kubernetes' schema, the proxy's reading of EndpointSlices and
// its nat rules, service environment variables, and join tokens.
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { joinTokenSecret, caHash, formatJoinToken, parseJoinToken } from '../../apiserver/nodes/bootstrap-token.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import type { ResourceInformer } from '../../kubelet-bridge/api/node-api.ts';
import { serviceEnvironment } from '../../kubelet-bridge/api/pod-objects.ts';
import { ClusterDnsServer, upstreamResolvers } from '../../kubelet-bridge/dns/cluster-dns.ts';
import { natRules } from '../../kubelet-bridge/proxy/iptables-rules.ts';
import { servicePortRules } from '../../kubelet-bridge/proxy/service-proxy.ts';

/** Test-only: a fixed set of objects with the informer interface. */
function fixedInformer(objects: KubeObject[]): ResourceInformer {
  return {
    addHandlers: () => {},
    get: (namespace, name) => objects.find((o) => o.metadata.namespace === namespace && o.metadata.name === name),
    list: (namespace) => objects.filter((o) => namespace === undefined || o.metadata.namespace === namespace),
    start: () => {},
    shutdown: () => {},
  };
}

const services: KubeObject[] = [
  { metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', clusterIP: '10.43.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] } },
  { metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } },
  { metadata: { name: 'ext', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'example.test' } },
];
const slices: KubeObject[] = [
  {
    metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true } }, { addresses: ['10.42.0.6'], conditions: { ready: false } }, { addresses: ['10.42.0.7'] }],
  },
  {
    metadata: { name: 'db-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
    endpoints: [{ addresses: ['10.42.0.9'], hostname: 'db-0', conditions: { ready: true } }],
  },
];

const dns = new ClusterDnsServer({ address: '10.43.0.10', domain: 'cluster.local', services: fixedInformer(services), endpointSlices: fixedInformer(slices), upstream: [], log: pino({ level: 'silent' }) });

/** A decoded reply (dns-packet's decoder adds `rcode`, which its Packet type lacks). */
type Reply = Omit<Packet, 'answers'> & { rcode: string; answers?: (Answer & { data?: any })[] };

async function ask(name: string, type: 'A' | 'SRV' | 'AAAA' = 'A'): Promise<Reply> {
  const reply = await dns.answer(dnsPacket.encode({ id: 7, type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }));
  return dnsPacket.decode(reply!) as unknown as Reply;
}

describe('cluster DNS', () => {
  it('answers services, headless endpoints, SRV, pods and ExternalName by the Kubernetes schema', async () => {
    expect((await ask('web.shop.svc.cluster.local')).answers).toEqual([expect.objectContaining({ type: 'A', data: '10.43.0.50', ttl: 5 })]);
    expect((await ask('db.shop.svc.cluster.local')).answers?.map((a) => a.data)).toEqual(['10.42.0.9']);
    expect((await ask('db-0.db.shop.svc.cluster.local')).answers?.map((a) => a.data)).toEqual(['10.42.0.9']);
    expect((await ask('_http._tcp.web.shop.svc.cluster.local', 'SRV')).answers?.[0]?.data).toMatchObject({ port: 80, target: 'web.shop.svc.cluster.local' });
    expect((await ask('10-42-0-5.shop.pod.cluster.local')).answers?.map((a) => a.data)).toEqual(['10.42.0.5']);
    expect((await ask('ext.shop.svc.cluster.local')).answers).toEqual([expect.objectContaining({ type: 'CNAME', data: 'example.test' })]);
  });

  it('says NXDOMAIN for names that do not exist, NOERROR without data for other types of names that do', async () => {
    const missing = await ask('nope.shop.svc.cluster.local');
    expect(missing.rcode).toBe('NXDOMAIN');
    expect(missing.authorities?.[0]?.type).toBe('SOA');
    // A search-path expansion of an outside name must not stop the resolver.
    expect((await ask('example.com.cluster.local')).rcode).toBe('NXDOMAIN');
    const aaaa = await ask('web.shop.svc.cluster.local', 'AAAA');
    expect([aaaa.rcode, aaaa.answers]).toEqual(['NOERROR', []]);
  });

  it('forwards other names to the resolvers of resolv.conf, never to itself', () => {
    expect(upstreamResolvers('search x\nnameserver 10.43.0.10\nnameserver 192.0.2.53\n# nameserver 1.1.1.1\n', '10.43.0.10')).toEqual(['192.0.2.53']);
  });
});

describe('service proxy rules', () => {
  it('sends ClusterIP and NodePort traffic to ready endpoints only, with equal weights', () => {
    const rules = servicePortRules(services[0]!, [slices[0]!]);
    expect(rules).toEqual([{ name: 'shop/web:http', protocol: 'TCP', clusterIP: '10.43.0.50', port: 80, nodePort: 30080, endpoints: [{ ip: '10.42.0.5', port: 8080 }, { ip: '10.42.0.7', port: 8080 }] }]);
    const { text } = natRules(rules, '10.42.0.0/16', ['K2-SVC-STALE']);
    expect(text).toMatch(/-A K2-SERVICES -d 10\.43\.0\.50\/32 -p tcp -m tcp --dport 80 .* -j K2-SVC-/);
    expect(text).toMatch(/-A K2-NODEPORTS -p tcp -m tcp --dport 30080 .* -j K2-SVC-/);
    expect(text).toContain('-m statistic --mode random --probability 0.5000000000');
    expect(text).toContain('-j DNAT --to-destination 10.42.0.5:8080');
    expect(text).toContain('-j DNAT --to-destination 10.42.0.7:8080');
    expect(text).not.toContain('10.42.0.6');
    expect(text).toContain('-X K2-SVC-STALE');
    expect(text.startsWith('*nat\n')).toBe(true);
    expect(text.trimEnd().endsWith('COMMIT')).toBe(true);
  });

  it('installs nothing for headless and ExternalName services', () => {
    expect(servicePortRules(services[1]!, [slices[1]!])).toEqual([]);
    expect(servicePortRules(services[2]!, [])).toEqual([]);
  });
});

describe('pod environment and join tokens', () => {
  it('sets the kubelet’s service variables', () => {
    expect(serviceEnvironment([services[0]!])).toMatchObject({
      WEB_SERVICE_HOST: '10.43.0.50',
      WEB_SERVICE_PORT: '80',
      WEB_SERVICE_PORT_HTTP: '80',
      WEB_PORT: 'tcp://10.43.0.50:80',
      WEB_PORT_80_TCP_ADDR: '10.43.0.50',
    });
  });

  it('formats and parses join tokens, with and without the CA hash', () => {
    const token = { id: 'abcdef', secret: '0123456789abcdef', caHash: caHash('ca') };
    expect(parseJoinToken(formatJoinToken(token))).toEqual(token);
    expect(parseJoinToken('abcdef.0123456789abcdef')).toEqual({ id: 'abcdef', secret: '0123456789abcdef', caHash: undefined });
    expect(() => parseJoinToken('K10abc::server:secret')).toThrow(/invalid token/);
    const secret = joinTokenSecret(token, { ttlSeconds: 3600, now: new Date('2030-01-01T00:00:00Z') });
    expect(secret).toMatchObject({ type: 'bootstrap.kubernetes.io/token', metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' } });
    expect(Buffer.from((secret.data as Record<string, string>).expiration!, 'base64').toString()).toBe('2030-01-01T01:00:00Z');
  });
});
