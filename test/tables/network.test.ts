// Network tables: Services, Endpoints, EndpointSlices, Ingresses, IngressClasses, NetworkPolicies,
// ServiceCIDRs and IPAddresses.

import { describe, expect, it } from 'vitest';
import { cellsOf, meta, samples } from './fixtures.ts';

describe('Service', () => {
  const service = (spec: any, status: any = {}) => ({ metadata: meta('svc'), spec, status });
  const row = (subject: any) => {
    const [name, type, clusterIP, externalIP, ports, age, selector] = cellsOf('', 'services', subject);
    return { name, type, clusterIP, externalIP, ports, age, selector };
  };

  it('prints a ClusterIP service', () => {
    expect(row(samples['/services'])).toEqual({ name: 'web', type: 'ClusterIP', clusterIP: '10.43.0.10', externalIP: '<none>', ports: '80/TCP', age: '5m', selector: 'app=web' });
  });

  it('prints node ports and several ports joined with commas', () => {
    const subject = service({
      type: 'NodePort',
      clusterIPs: ['10.43.0.11'],
      ports: [
        { port: 80, nodePort: 30080, protocol: 'TCP' },
        { port: 443, nodePort: 30443, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ],
      externalIPs: ['198.51.100.7', '198.51.100.8'],
    });
    expect(row(subject)).toMatchObject({ type: 'NodePort', externalIP: '198.51.100.7,198.51.100.8', ports: '80:30080/TCP,443:30443/TCP,53/UDP', selector: '<none>' });
  });

  it('prints None for a headless service and <none> without ports', () => {
    expect(row(service({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], selector: { app: 'db' } }))).toMatchObject({ clusterIP: 'None', ports: '<none>' });
  });

  it('prints <pending> for a load balancer without ingress points', () => {
    expect(row(service({ type: 'LoadBalancer', clusterIPs: ['10.43.0.12'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] })).externalIP).toBe('<pending>');
  });

  it('prints load balancer ingress points de-duplicated and sorted, ip before hostname', () => {
    const subject = service(
      { type: 'LoadBalancer', clusterIPs: ['10.43.0.12'] },
      { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }, { ip: '203.0.113.2', hostname: 'ignored.example.com' }, { ip: '203.0.113.9' }] } },
    );
    expect(row(subject).externalIP).toBe('203.0.113.2,203.0.113.9,lb.example.com');
  });

  it('puts external IPs after the load balancer addresses, without truncating', () => {
    const subject = service(
      { type: 'LoadBalancer', clusterIPs: ['10.43.0.12'], externalIPs: ['198.51.100.7'] },
      { loadBalancer: { ingress: [{ hostname: 'a-very-long-load-balancer-name.elb.example.com' }] } },
    );
    expect(row(subject).externalIP).toBe('a-very-long-load-balancer-name.elb.example.com,198.51.100.7');
    expect(row(service({ type: 'LoadBalancer', externalIPs: ['198.51.100.7'] })).externalIP).toBe('198.51.100.7');
  });

  it('prints the external name of an ExternalName service and <unknown> for an unknown type', () => {
    expect(row(service({ type: 'ExternalName', externalName: 'db.example.com' }))).toMatchObject({ clusterIP: '<none>', externalIP: 'db.example.com' });
    expect(row(service({ type: 'Magic' })).externalIP).toBe('<unknown>');
  });

  it('prints the primary of dual-stack cluster IPs', () => {
    expect(row(service({ type: 'ClusterIP', clusterIP: 'fd00:43::a', clusterIPs: ['fd00:43::a', '10.43.0.10'] })).clusterIP).toBe('fd00:43::a');
  });
});

describe('Endpoints', () => {
  const endpoints = (subsets: any) => cellsOf('', 'endpoints', { metadata: meta('web'), subsets })[1];

  it('prints ready addresses with their ports', () => {
    expect(cellsOf('', 'endpoints', samples['/endpoints'])).toEqual(['web', '10.42.0.5:8080,10.42.0.6:8080', '5m']);
  });

  it('prints <none> without subsets and skips addresses that are not ready', () => {
    expect(endpoints(undefined)).toBe('<none>');
    expect(endpoints([{ notReadyAddresses: [{ ip: '10.42.0.9' }], ports: [{ port: 80 }] }])).toBe('');
  });

  it('keeps three entries and counts the rest, across ports and subsets', () => {
    expect(
      endpoints([
        { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] },
        { addresses: [{ ip: '10.0.0.3' }], ports: [{ port: 80 }] },
      ]),
    ).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 2 more...');
  });

  it('prints bare addresses for a subset without ports and brackets IPv6 hosts', () => {
    expect(endpoints([{ addresses: [{ ip: '10.0.0.1' }] }, { addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }])).toBe('10.0.0.1,[fd00::1]:80');
  });
});

describe('EndpointSlice', () => {
  it('prints address type, ports and every address whatever its readiness', () => {
    expect(cellsOf('discovery.k8s.io', 'endpointslices', samples['discovery.k8s.io/endpointslices'])).toEqual(['web-abc12', 'IPv4', '8080', '10.42.0.5,10.42.0.6', '5m']);
  });

  it('prints port names or * when a port has no number, <unset> for nothing, and + N more...', () => {
    const slice = {
      metadata: meta('s'),
      addressType: 'IPv6',
      ports: [{ name: 'http' }, {}, { port: 1 }, { port: 2 }, { port: 3 }],
      endpoints: [{ addresses: ['fd00::1', 'fd00::2'] }, { addresses: ['fd00::3', 'fd00::4'] }],
    };
    expect(cellsOf('discovery.k8s.io', 'endpointslices', slice).slice(1, 4)).toEqual(['IPv6', 'http,*,1 + 2 more...', 'fd00::1,fd00::2,fd00::3 + 1 more...']);
    expect(cellsOf('discovery.k8s.io', 'endpointslices', { metadata: meta('e'), addressType: 'IPv4' }).slice(2, 4)).toEqual(['<unset>', '<unset>']);
  });
});

describe('Ingress', () => {
  const ingress = (spec: any, status: any = {}) => cellsOf('networking.k8s.io', 'ingresses', { metadata: meta('ing'), spec, status });

  it('prints class, hosts, address and 80, 443 with TLS', () => {
    expect(cellsOf('networking.k8s.io', 'ingresses', samples['networking.k8s.io/ingresses'])).toEqual(['web', 'traefik', 'web.example.com', '192.0.2.10', '80, 443', '5m']);
  });

  it('prints <none> without a class, * without hosts, an empty address and 80 without TLS', () => {
    expect(ingress({ defaultBackend: { service: { name: 'web', port: { number: 80 } } } })).toEqual(['ing', '<none>', '*', '', '80', '5m']);
  });

  it('shows three hosts and counts every further rule', () => {
    const rules = [{ host: 'a.example.com' }, {}, { host: 'b.example.com' }, { host: 'c.example.com' }, {}, { host: 'd.example.com' }];
    expect(ingress({ rules })[2]).toBe('a.example.com,b.example.com,c.example.com + 3 more...');
    expect(ingress({ rules: rules.slice(0, 4) })[2]).toBe('a.example.com,b.example.com,c.example.com');
  });
});

describe('IngressClass, NetworkPolicy, ServiceCIDR, IPAddress', () => {
  it('prints an IngressClass with its parameters reference', () => {
    expect(cellsOf('networking.k8s.io', 'ingressclasses', samples['networking.k8s.io/ingressclasses'])).toEqual([
      'traefik',
      'traefik.io/ingress-controller',
      'IngressParameters.k8s.example.com/external-lb',
      '5m',
    ]);
    expect(cellsOf('networking.k8s.io', 'ingressclasses', { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx' } })[2]).toBe('<none>');
  });

  it('prints the pod selector of a NetworkPolicy, <none> for all pods', () => {
    expect(cellsOf('networking.k8s.io', 'networkpolicies', samples['networking.k8s.io/networkpolicies'])).toEqual(['deny-all', 'app=web', '5m']);
    expect(cellsOf('networking.k8s.io', 'networkpolicies', { metadata: meta('all'), spec: { podSelector: {} } })[1]).toBe('<none>');
  });

  it('prints ServiceCIDR ranges', () => {
    expect(cellsOf('networking.k8s.io', 'servicecidrs', samples['networking.k8s.io/servicecidrs'])).toEqual(['kubernetes', '10.43.0.0/16,fd00:43::/108', '5m']);
  });

  it('prints an IPAddress parent as resource.group/namespace/name, with three cells for two columns', () => {
    expect(cellsOf('networking.k8s.io', 'ipaddresses', samples['networking.k8s.io/ipaddresses'])).toEqual(['10.43.0.10', 'services/default/web', '5m']);
    const gateway = { metadata: meta('10.0.0.1'), spec: { parentRef: { group: 'Gateway.Networking.k8s.io', resource: 'Gateways', name: 'gw' } } };
    expect(cellsOf('networking.k8s.io', 'ipaddresses', gateway)[1]).toBe('gateways.gateway.networking.k8s.io/gw');
    expect(cellsOf('networking.k8s.io', 'ipaddresses', { metadata: meta('x'), spec: {} })[1]).toBe('<none>');
  });
});
