// A second node: `k2 agent` in its own process joins the server with a token from `k2 token create`, and runs
// pods bound to it. Both nodes are on this machine and share the server's containerd (one containerd per machine:
// containerd 1.6 shares /run/containerd); the agent's pods get their own cgroup parent, its proxy and DNS stay off
// (the server's node has them for this network namespace), and it listens on 127.0.0.1 so that all test traffic
// stays on loopback.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerdLayout } from '../../kubelet-bridge/containerd.ts';
import { podCgroupUids } from '../../kubelet-bridge/pod/cgroups.ts';
import { tempDir, testBundlePath } from '../e2e/harness.ts';
import { unmountBelow } from './containerd-fixture.ts';
import { busyboxImage, startNodeServer, type NodeServer } from './node-server.ts';

const run = promisify(execFile);
let server: NodeServer;
let agent: ChildProcess | undefined;
let agentLog = '';
const agentDir = tempDir('k2-agent-');
const agentNode = 'k2-agent-node';
const agentCgroupRoot = '/k2-test-agent';

function k2(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [testBundlePath, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
}

function startAgent(token: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      testBundlePath, 'agent',
      '--server', server.url,
      '--token', token,
      '--data-dir', agentDir,
      '--node-name', agentNode,
      '--node-ip', '127.0.0.1',
      '--kubelet-port', '0',
      '--container-runtime-endpoint', `unix://${containerdLayout(server.dataDir).socket}`,
      '--cgroup-root', agentCgroupRoot,
      '--disable-kube-proxy',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: agentDir } },
  );
  child.stderr!.on('data', (chunk: Buffer) => (agentLog += chunk.toString()));
  return child;
}

beforeAll(async () => {
  server = await startNodeServer();
}, 660_000);

afterAll(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await server?.stop();
  unmountBelow(agentDir);
  rmSync(agentDir, { recursive: true, force: true });
  // The agent's cgroup parent, with the folders of pods it no longer got to remove itself (it was killed).
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const root = `/sys/fs/cgroup/${hierarchy}${agentCgroupRoot}`;
    try {
      for (const entry of readdirSync(root, { withFileTypes: true })) if (entry.isDirectory()) rmdirSync(`${root}/${entry.name}`);
      rmdirSync(root);
    } catch {
      // not in this hierarchy
    }
  }
}, 120_000);

describe('k2 agent', () => {
  it('refuses a token the server does not know, and joins with one from `k2 token create`', async () => {
    const bad = startAgent('abcdef.0123456789abcdef');
    const code = await new Promise<number | null>((resolve) => bad.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(agentLog).toContain('the server refused the token');
    agentLog = '';

    const { stdout } = await k2(['token', 'create', '--ttl', '1h', '--kubeconfig', server.kubeconfig]);
    const token = stdout.trim();
    expect(token).toMatch(/^K10[0-9a-f]{64}::[a-z0-9]{6}\.[a-z0-9]{16}$/);
    const secret = JSON.parse((await server.kubectl(['-n', 'kube-system', 'get', 'secret', `bootstrap-token-${token.split('::')[1]!.split('.')[0]}`, '-o', 'json'])).stdout);
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');

    agent = startAgent(token);
    await server.waitFor(['get', 'node', agentNode, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (s) => s === 'True', 90_000);
    const node = JSON.parse(await server.waitFor(['get', 'node', agentNode, '-o', 'json'], () => true));
    expect(node.spec.podCIDR).toBe('10.42.1.0/24'); // the server's own node has 10.42.0.0/24
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBeGreaterThan(0);
    expect(node.status.nodeInfo.kubeletVersion).toMatch(/^v1\.33\./);
  }, 150_000);

  it('runs pods bound to it, and serves their logs, exec and port-forward through the API server', async () => {
    await server.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'remote', namespace: 'default' }, spec: { nodeName: agentNode, containers: [{ name: 'c', image: busyboxImage, command: ['sh', '-c', 'echo from-the-agent; exec sleep 3600'] }] } }),
    });
    await server.waitFor(['get', 'pod', 'remote', '-o', 'jsonpath={.status.phase}'], (s) => s === 'Running', 60_000);
    const pod = JSON.parse((await server.kubectl(['get', 'pod', 'remote', '-o', 'json'])).stdout);
    expect(pod.status.hostIP).toBe('127.0.0.1');
    expect([...(await podCgroupUids(agentCgroupRoot))]).toContain(pod.metadata.uid);
    expect((await server.kubectl(['logs', 'remote'])).stdout).toBe('from-the-agent\n');
    for (const version of ['1.27', '1.33']) {
      const exec = await server.kubectl(['exec', 'remote', '--', 'sh', '-c', 'echo remote-$((6*7)); exit 5'], { version });
      expect(exec.stdout).toBe('remote-42\n');
      expect(exec.code).toBe(5);
    }
    const top = await server.waitFor(['top', 'pod', 'remote'], (text) => /remote\s+\d+m\s+\d+Mi/.test(text), 30_000);
    expect(top).toContain('remote');
    expect((await server.kubectl(['top', 'node'])).stdout).toContain(agentNode);
    // nodes/proxy reaches the agent's kubelet paths on its own endpoint.
    const summary = JSON.parse((await server.kubectl(['get', '--raw', `/api/v1/nodes/${agentNode}/proxy/stats/summary`])).stdout);
    expect(summary.node.nodeName).toBe(agentNode);
    expect(summary.pods.map((p: { podRef: { name: string } }) => p.podRef.name)).toContain('remote');
    expect((await server.kubectl(['get', '--raw', `/api/v1/nodes/${agentNode}/proxy/metrics/resource`])).stdout).toMatch(/^container_memory_working_set_bytes\{container="c",namespace="default",pod="remote"\} /m);
    expect(await server.kubectl(['get', '--raw', `/api/v1/nodes/${agentNode}/proxy/nothing-here`])).toMatchObject({ code: 1, stderr: expect.stringContaining('NotFound') });
  }, 120_000);

  it('deletes its pods gracefully, and stops renewing its Lease once killed', async () => {
    const deleted = await server.kubectl(['delete', 'pod', 'remote', '--grace-period=1', '--timeout=30s']);
    expect(deleted.code, `${deleted.stderr}\n${agentLog.slice(-2000)}`).toBe(0);
    expect((await server.kubectl(['get', 'pod', 'remote'])).stderr).toContain('NotFound');
    const renewTime = async () => (await server.kubectl(['-n', 'kube-node-lease', 'get', 'lease', agentNode, '-o', 'jsonpath={.spec.renewTime}'])).stdout;
    const before = await renewTime();
    expect(before).not.toBe('');
    agent!.kill('SIGKILL');
    await new Promise((r) => agent!.on('exit', r));
    const killedAt = Date.now();
    const atKill = await renewTime();
    await new Promise((r) => setTimeout(r, 12_000)); // more than the 10 s renew period
    expect(await renewTime()).toBe(atKill);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(12_000);
    // The node lifecycle controller turns it NotReady 40 s after the last renewal (it is not part of this branch yet).
  }, 60_000);
});
