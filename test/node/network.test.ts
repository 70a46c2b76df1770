// The safety routes: a CIDR routed to an empty local bridge goes nowhere, instead of off the machine.
// Uses its own bridge and CIDR so that it cannot disturb a k2 running on the same machine.
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { cidrContains, installSafetyRoutes, primaryNodeAddress, removeBridge, safetyRoutes } from '../../kubelet-bridge/network/cni.ts';

const bridge = 'k2-svc-test';
const cidr = '10.199.0.0/16';

afterAll(async () => {
  await removeBridge(bridge);
});

describe('safety routes', () => {
  it('routes the CIDR to an empty bridge, idempotently, where connections time out on the machine', async () => {
    await installSafetyRoutes([cidr], bridge);
    await installSafetyRoutes([cidr], bridge);
    expect(await safetyRoutes(bridge)).toEqual([cidr]);
    expect(execFileSync('ip', ['route', 'get', '10.199.7.7']).toString()).toContain(`dev ${bridge}`);
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: '10.199.7.7', port: 80 });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve('timeout');
      }, 1500);
      socket.on('connect', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        resolve(`error ${error.message}`);
      });
    });
    expect(outcome).not.toBe('connected');
    await removeBridge(bridge);
    expect(await safetyRoutes(bridge)).toEqual([]);
  });

  it('finds the node address and tests CIDR membership', () => {
    expect(primaryNodeAddress()).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(cidrContains('10.42.0.0/24', '10.42.0.255')).toBe(true);
    expect(cidrContains('10.42.0.0/24', '10.42.1.0')).toBe(false);
  });
});
