// What kube-proxy's iptables mode installs, for k2: ClusterIP and NodePort services DNAT'ed to their ready
// endpoints (chosen at random with equal weight), hairpin and off-cluster traffic masqueraded. Everything lives in
// k2's own chains of the nat table (K2-SERVICES and friends), written in one `iptables-restore --noflush` so that
// a change is atomic and other tenants' rules (CNI's, the machine's) are never touched.
import { createHash } from 'node:crypto';

export const chains = {
  services: 'K2-SERVICES',
  nodePorts: 'K2-NODEPORTS',
  postrouting: 'K2-POSTROUTING',
  markMasquerade: 'K2-MARK-MASQ',
} as const;

/** The mark kube-proxy uses for "masquerade this packet" (0x4000), distinct from CNI portmap's 0x2000. */
const masqueradeMark = '0x4000/0x4000';

export interface ServicePortRule {
  /** `<namespace>/<service>:<port name>`, for comments and chain names. */
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  clusterIP?: string;
  port: number;
  nodePort?: number;
  /** Ready endpoints: address and target port. */
  endpoints: { ip: string; port: number }[];
}

/** A short, stable chain name suffix (iptables allows 28 characters per chain name). */
function chainSuffix(text: string): string {
  return createHash('sha256').update(text).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16).toUpperCase();
}

export function serviceChain(rule: ServicePortRule): string {
  return `K2-SVC-${chainSuffix(`${rule.name}/${rule.protocol}`)}`;
}

export function endpointChain(rule: ServicePortRule, endpoint: { ip: string; port: number }): string {
  return `K2-SEP-${chainSuffix(`${rule.name}/${rule.protocol}/${endpoint.ip}:${endpoint.port}`)}`;
}

const comment = (text: string) => `-m comment --comment ${JSON.stringify(text)}`;

/**
 * The nat table input for iptables-restore --noflush: k2's chains (flushed and rewritten), and stale ones from an
 * earlier state flushed and deleted. `clusterCidr` is the pods' range: traffic to a service from outside it is
 * masqueraded so that replies come back through this node.
 */
export function natRules(rules: ServicePortRule[], clusterCidr: string, existingChains: Iterable<string>): { text: string; chains: Set<string> } {
  const declared = new Set<string>(Object.values(chains));
  const lines: string[] = [];
  const add = (line: string) => lines.push(line);

  add(`-A ${chains.markMasquerade} -j MARK --set-xmark ${masqueradeMark}`);
  add(`-A ${chains.postrouting} -m mark ! --mark ${masqueradeMark} -j RETURN`);
  add(`-A ${chains.postrouting} -j MARK --set-xmark 0x4000/0x0`);
  add(`-A ${chains.postrouting} ${comment('k2 service traffic requiring SNAT')} -j MASQUERADE --random-fully`);

  for (const rule of [...rules].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!rule.endpoints.length) continue; // nothing to send it to: left to the safety route (no answer)
    const protocol = rule.protocol.toLowerCase();
    const svc = serviceChain(rule);
    declared.add(svc);
    if (rule.clusterIP) {
      add(`-A ${chains.services} -d ${rule.clusterIP}/32 -p ${protocol} -m ${protocol} --dport ${rule.port} ${comment(`${rule.name} cluster IP`)} ! -s ${clusterCidr} -j ${chains.markMasquerade}`);
      add(`-A ${chains.services} -d ${rule.clusterIP}/32 -p ${protocol} -m ${protocol} --dport ${rule.port} ${comment(`${rule.name} cluster IP`)} -j ${svc}`);
    }
    if (rule.nodePort) {
      add(`-A ${chains.nodePorts} -p ${protocol} -m ${protocol} --dport ${rule.nodePort} ${comment(rule.name)} -j ${chains.markMasquerade}`);
      add(`-A ${chains.nodePorts} -p ${protocol} -m ${protocol} --dport ${rule.nodePort} ${comment(rule.name)} -j ${svc}`);
    }
    const count = rule.endpoints.length;
    rule.endpoints.forEach((endpoint, i) => {
      const sep = endpointChain(rule, endpoint);
      declared.add(sep);
      // Each endpoint gets 1/(remaining) of what is left: equal weights overall.
      const remaining = count - i;
      const pick = remaining > 1 ? `-m statistic --mode random --probability ${(1 / remaining).toFixed(10)} ` : '';
      add(`-A ${svc} ${comment(`${rule.name} -> ${endpoint.ip}:${endpoint.port}`)} ${pick}-j ${sep}`);
      add(`-A ${sep} -s ${endpoint.ip}/32 ${comment(rule.name)} -j ${chains.markMasquerade}`);
      add(`-A ${sep} -p ${protocol} -m ${protocol} ${comment(rule.name)} -j DNAT --to-destination ${endpoint.ip}:${endpoint.port}`);
    });
  }
  // Node ports are checked last, for traffic to any of the node's own addresses.
  add(`-A ${chains.services} -m addrtype --dst-type LOCAL ${comment('k2 service nodeports')} -j ${chains.nodePorts}`);

  const stale = [...existingChains].filter((chain) => (chain.startsWith('K2-SVC-') || chain.startsWith('K2-SEP-')) && !declared.has(chain));
  const text = [
    '*nat',
    ...[...declared, ...stale].map((chain) => `:${chain} - [0:0]`),
    ...lines,
    ...stale.map((chain) => `-X ${chain}`),
    'COMMIT',
    '',
  ].join('\n');
  return { text, chains: declared };
}

/** The jumps from the built-in chains into k2's, as `iptables` argument lists (checked with -C, inserted with -I). */
export const entryJumps: { chain: string; rule: string[] }[] = [
  { chain: 'PREROUTING', rule: ['-m', 'comment', '--comment', 'k2 service portals', '-j', chains.services] },
  { chain: 'OUTPUT', rule: ['-m', 'comment', '--comment', 'k2 service portals', '-j', chains.services] },
  { chain: 'POSTROUTING', rule: ['-m', 'comment', '--comment', 'k2 postrouting rules', '-j', chains.postrouting] },
];
