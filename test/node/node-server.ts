// A real `k2 server` that is also a node (its own supervised containerd), with the busybox test image placed in
// <data-dir>/agent/images so that the node imports it at start. Holds the machine's containerd lock while it runs.
// stop() leaves the machine as it was: pods removed, containerd stopped, k2's bridges, routes and proxy rules gone.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriClient } from '../../kubelet-bridge/cri/client.ts';
import { containerdLayout } from '../../kubelet-bridge/containerd.ts';
import { podBridgeName, removeBridge, serviceBridgeName } from '../../kubelet-bridge/network/cni.ts';
import { removeProxyRules } from '../../kubelet-bridge/proxy/service-proxy.ts';
import { startServer, tempDir, type TestServer } from '../e2e/harness.ts';
import { acquireContainerdLock, busyboxArchive, busyboxImage, removeAllSandboxes, unmountBelow } from './containerd-fixture.ts';

export { busyboxImage };

export interface NodeServer extends TestServer {
  nodeName: string;
  /** A pod manifest bound to this node (no scheduler needed). */
  pod(name: string, spec: Record<string, unknown>, metadata?: Record<string, unknown>): string;
  /** Waits until `kubectl get` of a jsonpath gives what `accept` wants (bounded). */
  waitFor(args: string[], accept: (text: string) => boolean, timeoutMs?: number): Promise<string>;
}

async function removeNodeLeftovers(dataDir: string): Promise<void> {
  const cri = new CriClient(`unix://${containerdLayout(dataDir).socket}`);
  try {
    await cri.waitReady(3000);
    await removeAllSandboxes({ cri });
  } catch {
    // containerd is not running: nothing left to remove through it
  } finally {
    cri.close();
  }
}

export async function startNodeServer(options: { args?: string[]; nodeName?: string } = {}): Promise<NodeServer> {
  const release = await acquireContainerdLock();
  const dataDir = tempDir('k2-node-server-');
  const nodeName = options.nodeName ?? 'k2-test-node';
  mkdirSync(join(dataDir, 'agent', 'images'), { recursive: true });
  writeFileSync(join(dataDir, 'agent', 'images', 'busybox.tar'), busyboxArchive());
  let server: TestServer | undefined;
  const cleanUp = async () => {
    // Pods first (their objects, then whatever the runtime still has), then the server and its containerd.
    if (server && server.process.exitCode === null) {
      await server.kubectl(['delete', 'pods', '--all', '--all-namespaces', '--grace-period=0', '--force', '--wait=false'], { timeoutMs: 30_000 });
      await removeNodeLeftovers(dataDir);
      await server.stop();
    }
    unmountBelow(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    await removeProxyRules().catch(() => {});
    for (const bridge of [podBridgeName, serviceBridgeName]) await removeBridge(bridge).catch(() => {});
    release();
  };
  try {
    server = await startServer({ dataDir, agent: true, args: ['--node-name', nodeName, ...(options.args ?? [])] });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const started = server;
  const waitFor = async (args: string[], accept: (text: string) => boolean, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const result = await started.kubectl(args);
      last = result.stdout + result.stderr;
      if (result.code === 0 && accept(result.stdout)) return result.stdout;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`kubectl ${args.join(' ')} did not give what was wanted in ${timeoutMs} ms; last: ${last}`);
  };
  await waitFor(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (s) => s === 'True', 60_000);
  return {
    ...started,
    nodeName,
    stop: async () => {
      await cleanUp();
      return started.process.exitCode;
    },
    waitFor,
    pod: (name, spec, metadata = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...metadata }, spec: { nodeName, ...spec } }),
  };
}
