// Tables of Services, Endpoints, EndpointSlices, Ingresses, IngressClasses, NetworkPolicies,
// ServiceCIDRs and IPAddresses.

import { formatLabels, formatLabelSelector } from './labels.ts';
import { ageColumn, column, integer, nameColumn, objectAge, objectName, printer, text } from './printer.ts';

/** Load balancer ingress points: each ip (else hostname), de-duplicated, sorted and joined with `,`. */
function loadBalancerAddresses(ingress: any[] | undefined): string {
  const addresses = new Set<string>();
  for (const point of ingress ?? []) {
    if (point?.ip) addresses.add(point.ip);
    else if (point?.hostname) addresses.add(point.hostname);
  }
  return [...addresses].sort().join(',');
}

function serviceExternalIP(service: any): string {
  const externalIPs: string[] = service?.spec?.externalIPs ?? [];
  switch (service?.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const balancer = loadBalancerAddresses(service?.status?.loadBalancer?.ingress);
      if (externalIPs.length) return [...(balancer ? balancer.split(',') : []), ...externalIPs].join(',');
      return balancer || '<pending>';
    }
    case 'ExternalName':
      return text(service?.spec?.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(ports: any[] | undefined): string {
  const pieces = (ports ?? []).map((port) => {
    const nodePort = integer(port?.nodePort);
    return nodePort > 0 ? `${integer(port?.port)}:${nodePort}/${text(port?.protocol)}` : `${integer(port?.port)}/${text(port?.protocol)}`;
  });
  return pieces.length ? pieces.join(',') : '<none>';
}

export const servicePrinter = printer(
  [
    nameColumn,
    column('Type', 'string', 'How the service is exposed.'),
    column('Cluster-IP', 'string', 'The service\'s virtual IP inside the cluster.'),
    column('External-IP', 'string', 'Addresses the service is reachable at from outside the cluster.'),
    column('Port(s)', 'string', 'Ports the service exposes.'),
    ageColumn,
    column('Selector', 'string', 'Labels of the pods traffic is sent to.', { priority: 1 }),
  ],
  (service: any, now) => [
    objectName(service),
    text(service?.spec?.type),
    // clusterIPs mirrors clusterIP once Kubernetes has normalised the spec; either one names the primary IP.
    service?.spec?.clusterIPs?.[0] || service?.spec?.clusterIP || '<none>',
    serviceExternalIP(service),
    servicePorts(service?.spec?.ports),
    objectAge(service, now),
    formatLabels(service?.spec?.selector),
  ],
);

/** `host` in `host:port`, bracketed when it is an IPv6 address (Go's net.JoinHostPort). */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The first three items, then ` + N more...` when there are more. */
function firstThree(items: string[], total: number): string {
  const shown = items.slice(0, 3).join(',');
  return total > 3 ? `${shown} + ${total - 3} more...` : shown;
}

function endpointAddresses(endpoints: any): string {
  const subsets: any[] = endpoints?.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const items: string[] = [];
  let total = 0;
  for (const subset of subsets) {
    const addresses: any[] = subset?.addresses ?? [];
    const ports: any[] = subset?.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have addresses without ports.
      total += addresses.length;
      for (const address of addresses) if (items.length < 3) items.push(text(address?.ip));
      continue;
    }
    for (const port of ports) {
      total += addresses.length;
      for (const address of addresses) if (items.length < 3) items.push(joinHostPort(text(address?.ip), integer(port?.port)));
    }
  }
  return firstThree(items, total);
}

export const endpointsPrinter = printer(
  [nameColumn, column('Endpoints', 'string', 'Ready addresses and ports behind the service.'), ageColumn],
  (endpoints: any, now) => [objectName(endpoints), endpointAddresses(endpoints), objectAge(endpoints, now)],
);

/** First three items then ` + N more...`; `<unset>` for none (EndpointSlice and StorageVersion lists). */
export function listWithMore(items: string[]): string {
  return items.length ? firstThree(items, items.length) : '<unset>';
}

export const endpointSlicePrinter = printer(
  [
    nameColumn,
    column('AddressType', 'string', 'Kind of addresses in this slice (IPv4, IPv6, FQDN).'),
    column('Ports', 'string', 'Ports of the endpoints.'),
    column('Endpoints', 'string', 'Addresses of the endpoints, ready or not.'),
    ageColumn,
  ],
  (slice: any, now) => {
    const ports = (slice?.ports ?? []).map((port: any) =>
      typeof port?.port === 'number' ? String(port.port) : typeof port?.name === 'string' ? port.name : '*',
    );
    const addresses = (slice?.endpoints ?? []).flatMap((endpoint: any) => endpoint?.addresses ?? []);
    return [objectName(slice), text(slice?.addressType), listWithMore(ports), listWithMore(addresses), objectAge(slice, now)];
  },
);

/** Up to three hosts; ` + N more...` counts every further rule, with or without a host. */
function ingressHosts(rules: any[] | undefined): string {
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (hosts.length === 3) {
      more = true;
      break;
    }
    if (rule?.host) hosts.push(rule.host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${(rules?.length ?? 0) - 3} more...` : hosts.join(',');
}

export const ingressPrinter = printer(
  [
    nameColumn,
    column('Class', 'string', 'The IngressClass that implements this ingress.'),
    column('Hosts', 'string', 'Host names the rules match.'),
    column('Address', 'string', 'Addresses of the load balancer serving the ingress.'),
    column('Ports', 'string', 'Ports the ingress listens on.'),
    ageColumn,
  ],
  (ingress: any, now) => [
    objectName(ingress),
    typeof ingress?.spec?.ingressClassName === 'string' ? ingress.spec.ingressClassName : '<none>',
    ingressHosts(ingress?.spec?.rules),
    loadBalancerAddresses(ingress?.status?.loadBalancer?.ingress),
    ingress?.spec?.tls?.length ? '80, 443' : '80',
    objectAge(ingress, now),
  ],
);

export const ingressClassPrinter = printer(
  [
    nameColumn,
    column('Controller', 'string', 'The controller that implements this class.'),
    column('Parameters', 'string', 'The object holding extra configuration for the controller.'),
    ageColumn,
  ],
  (ingressClass: any, now) => {
    const parameters = ingressClass?.spec?.parameters;
    let reference = '<none>';
    if (parameters) {
      const kind = typeof parameters.apiGroup === 'string' ? `${text(parameters.kind)}.${parameters.apiGroup}` : text(parameters.kind);
      reference = `${kind}/${text(parameters.name)}`;
    }
    return [objectName(ingressClass), text(ingressClass?.spec?.controller), reference, objectAge(ingressClass, now)];
  },
);

export const networkPolicyPrinter = printer(
  [nameColumn, column('Pod-Selector', 'string', 'Labels of the pods the policy applies to.'), ageColumn],
  (policy: any, now) => [objectName(policy), formatLabelSelector(policy?.spec?.podSelector ?? {}), objectAge(policy, now)],
);

export const serviceCIDRPrinter = printer(
  [nameColumn, column('CIDRs', 'string', 'Address ranges service IPs are allocated from.'), ageColumn],
  (cidr: any, now) => [objectName(cidr), (cidr?.spec?.cidrs ?? []).join(','), objectAge(cidr, now)],
);

// Two columns but three cells per row (the age has no column), exactly as Kubernetes 1.33 sends it.
export const ipAddressPrinter = printer(
  [nameColumn, column('ParentRef', 'string', 'The object this address is allocated to.')],
  (address: any, now) => {
    const parent = address?.spec?.parentRef;
    let reference = '<none>';
    if (parent) {
      const groupResource = parent.group ? `${text(parent.resource)}.${parent.group}` : text(parent.resource);
      reference = groupResource.toLowerCase() + (parent.namespace ? `/${parent.namespace}` : '') + `/${text(parent.name)}`;
    }
    return [objectName(address), reference, objectAge(address, now)];
  },
);
