// /proc/<pid>/net/dev and /proc/net/route as the Summary API's NetworkStats.
import { describe, expect, it } from 'vitest';
import { defaultRouteInterface, networkStats, parseNetDev } from '../../kubelet-bridge/network-stats.ts';

const netDev = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1200      12    0    0    0     0          0         0     1200      12    0    0    0     0       0          0
  eth0: 5000150    4321    2    0    0     0          0         0   734521    3210    1    0    0     0       0          0
veth1a2b:     10       1    0    0    0     0          0         0       20       2    0    0    0     0       0          0
`;

describe('network stats', () => {
  it('reads byte and error counters per interface, without loopback and pod veths', () => {
    expect(parseNetDev(netDev)).toEqual([{ name: 'eth0', rxBytes: 5000150, rxErrors: 2, txBytes: 734521, txErrors: 1 }]);
  });

  it('names the default route interface, and puts the named interface inline', () => {
    const routes = 'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nk2-cni0\t00002A0A\t00000000\t0001\t0\t0\t0\t0080FFFF\neth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\n';
    expect(defaultRouteInterface(routes)).toBe('eth0');
    expect(networkStats(parseNetDev(netDev), 'eth0', 't')).toEqual({ time: 't', name: 'eth0', rxBytes: 5000150, rxErrors: 2, txBytes: 734521, txErrors: 1, interfaces: parseNetDev(netDev) });
    expect(networkStats([], 'eth0', 't')).toBeUndefined();
  });
});
