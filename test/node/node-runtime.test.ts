// startNodeRuntime: the whole node bootstrap on real containerd (supervised containerd, CNI, pause image,
// auto-import of <data-dir>/agent/images, safety routes, PodRuntime), then exec and port-forward through the
// CRI stream target as the API server's pod subresources will use it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeBridge, safetyRoutes } from '../../kubelet-bridge/network/cni.ts';
import { startNodeRuntime, type NodeRuntime } from '../../kubelet-bridge/node-runtime.ts';
import type { Pod } from '../../kubelet-bridge/pod/types.ts';
import { acquireContainerdLock, busyboxArchive, removeAllSandboxes, unmountBelow, containerdHookTimeoutMs } from './containerd-fixture.ts';

const bridge = 'k2-svc-t2';
let release: () => void;
let dataDir: string;
let node: NodeRuntime;

beforeAll(async () => {
  release = await acquireContainerdLock();
  dataDir = mkdtempSync(join(tmpdir(), 'k2-node-runtime-'));
  mkdirSync(join(dataDir, 'agent', 'images'), { recursive: true });
  writeFileSync(join(dataDir, 'agent', 'images', 'busybox.tar'), busyboxArchive('localhost/k2-test/auto:1'));
  node = await startNodeRuntime({
    dataDir,
    log: pino({ level: 'error' }),
    nodeName: 'node-a',
    podSubnet: '10.42.0.0/24',
    serviceCidr: '10.197.0.0/16',
    clusterCidr: '10.196.0.0/16',
    safetyRouteBridge: bridge,
    resolver: { configMap: async () => undefined, secret: async () => undefined, serviceAccountToken: async () => '' },
  });
}, containerdHookTimeoutMs);

afterAll(async () => {
  try {
    if (node) {
      await removeAllSandboxes(node.runtime);
      await node.stop();
    }
    await removeBridge(bridge);
    await removeBridge('k2-cni0');
  } finally {
    if (dataDir) {
      unmountBelow(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    }
    release?.();
  }
});

describe('startNodeRuntime', () => {
  it('imports archives from agent/images, provides the pause image, installs the safety routes and knows the machine', async () => {
    const tags = (await node.images.list()).flatMap((i) => i.repoTags);
    expect(tags).toEqual(expect.arrayContaining(['localhost/k2-test/auto:1', 'localhost/k2/pause:1']));
    expect((await safetyRoutes(bridge)).sort()).toEqual(['10.196.0.0/16', '10.197.0.0/16']);
    expect(node.machine).toMatchObject({ architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', containerRuntimeVersion: expect.stringMatching(/^containerd:\/\/1\./) });
    expect(node.machine.cpuCores).toBeGreaterThan(0);
  });

  it('runs a pod and serves exec and port-forward into it through CRI', async () => {
    const pod: Pod = {
      metadata: { name: 'served', namespace: 'default', uid: randomUUID() },
      spec: { containers: [{ name: 'web', image: 'localhost/k2-test/auto:1', command: ['sh', '-c', 'echo ok > /var/www/index.html; exec httpd -f -p 80 -h /var/www'] }] },
    };
    const status = await node.pods.sync(pod);
    expect(status.containerStatuses![0]!.state.running).toBeDefined();
    const target = node.streamTarget(pod);
    let output = '';
    const stdout = new PassThrough();
    stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const stdin = new PassThrough();
    stdin.end('from stdin');
    const result = await target.exec({ container: 'web', command: ['sh', '-c', 'cat; exit 4'], stdin: true, stdout: true, stderr: true, tty: false }, { stdin, stdout, stderr: new PassThrough(), signal: new AbortController().signal });
    expect(result).toEqual({ exitCode: 4 });
    expect(output).toBe('from stdin');
    const connection = await target.portForward(80, new AbortController().signal);
    let response = '';
    connection.on('data', (chunk: Buffer) => (response += chunk.toString()));
    const ended = new Promise((r) => connection.on('end', r));
    connection.end('GET / HTTP/1.0\r\n\r\n');
    await ended;
    expect(response).toMatch(/^HTTP\/1\.[01] 200/);
    expect(response.endsWith('ok\n')).toBe(true);
    await expect(target.exec({ container: 'nope', command: ['true'], stdin: false, stdout: true, stderr: false, tty: false }, { signal: new AbortController().signal })).rejects.toThrow(/not valid for pod served/);
    await node.pods.kill(pod, 0);
    await node.pods.remove(pod.metadata.uid!);
  });
});
