// Network figures of the Summary API (stats/v1alpha1 NetworkStats): the byte and error counters of a network
// namespace's interfaces, read from /proc/<pid>/net/dev (the node's own from /proc/net/dev). The named interface is
// the pod's eth0, or the node's default-route interface; loopback and pod veths are left out, as cAdvisor leaves them.
import { readFile } from 'node:fs/promises';

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

/** /proc/…/net/dev as counters per interface. */
export function parseNetDev(text: string): InterfaceStats[] {
  const interfaces: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    // Receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs …
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 16 || name === 'lo' || name.startsWith('veth')) continue;
    interfaces.push({ name, rxBytes: fields[0]!, rxErrors: fields[2]!, txBytes: fields[8]!, txErrors: fields[10]! });
  }
  return interfaces;
}

/** The interface of the default route in /proc/net/route. */
export function defaultRouteInterface(routes: string): string | undefined {
  for (const line of routes.split('\n').slice(1)) {
    const [name, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (destination === '00000000' && mask === '00000000') return name;
  }
  return undefined;
}

/** NetworkStats: the named interface's counters inline, and every interface's in `interfaces`. */
export function networkStats(interfaces: InterfaceStats[], name: string | undefined, time: string): Record<string, unknown> | undefined {
  if (!interfaces.length) return undefined;
  const named = interfaces.find((i) => i.name === name) ?? interfaces[0]!;
  return { time, ...named, interfaces };
}

export async function nodeNetwork(time: string): Promise<Record<string, unknown> | undefined> {
  const [dev, routes] = await Promise.all([readFile('/proc/net/dev', 'utf8'), readFile('/proc/net/route', 'utf8').catch(() => '')]);
  return networkStats(parseNetDev(dev), defaultRouteInterface(routes), time);
}

/** A pod's network, through the pid of a process in its network namespace (its sandbox's). */
export async function podNetwork(pid: number, time: string): Promise<Record<string, unknown> | undefined> {
  const dev = await readFile(`/proc/${pid}/net/dev`, 'utf8').catch(() => undefined);
  return dev === undefined ? undefined : networkStats(parseNetDev(dev), 'eth0', time);
}
