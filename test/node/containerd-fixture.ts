// Real containerd for tests: started by k2's own supervisor in a temp data dir, with k2's pause image and a
// busybox-static test image built in memory. containerd 1.6 shares /run/containerd whatever its config says, so
// only one test file on the machine may run one at a time: a lock directory serialises them across workers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { ContainerdSupervisor, defaultSandboxImage } from '../../kubelet-bridge/containerd.ts';
import { ImageStore } from '../../kubelet-bridge/images/image-store.ts';
import { buildOciArchive, busyboxRootfs } from '../../kubelet-bridge/images/oci-archive.ts';
import { hostArch } from '../../kubelet-bridge/images/pause-program.ts';
import { podBridgeName, writeCniConfig } from '../../kubelet-bridge/network/cni.ts';

export const busyboxImage = 'localhost/k2-test/busybox:1';
/** A hook that starts containerd may first wait for the lock (up to 10 minutes) while other files use it. */
export const containerdHookTimeoutMs = 660_000;
const lockDir = join(tmpdir(), 'k2-test-containerd.lock');

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (up to 10 minutes) until no other live test process holds the containerd lock, then takes it. */
export async function acquireContainerdLock(): Promise<() => void> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // being created or removed right now
      }
      if (holder && !processAlive(holder)) rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`containerd test lock ${lockDir} held by pid ${holder} for 10 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function busyboxArchive(name = busyboxImage): Buffer {
  const busybox = '/bin/busybox';
  return buildOciArchive({
    name,
    architecture: hostArch(),
    entries: busyboxRootfs(busybox, execFileSync(busybox, ['--list']).toString()),
    config: { cmd: ['sh'] },
  });
}

export interface TestContainerd {
  dataDir: string;
  runtime: ContainerdSupervisor;
  images: ImageStore;
  podSubnet: string;
  log: Logger;
  /** containerd process start → CRI answering, in ms. */
  criReadyMs: number;
  stop(): Promise<void>;
}

/** Unmounts whatever is still mounted below `dir` (deepest first), so that removing it cannot reach into a mount. */
export function unmountBelow(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => !!point && point.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) {
    try {
      execFileSync('umount', ['-l', point]);
    } catch {
      // already gone
    }
  }
}

export async function startTestContainerd(options: { podSubnet?: string } = {}): Promise<TestContainerd> {
  const release = await acquireContainerdLock();
  const dataDir = mkdtempSync(join(tmpdir(), 'k2-node-test-'));
  const log = pino({ level: process.env.K2_TEST_LOG ?? 'error' });
  const podSubnet = options.podSubnet ?? '10.42.0.0/24';
  let runtime: ContainerdSupervisor | undefined;
  try {
    const startedAt = performance.now();
    runtime = await ContainerdSupervisor.start({ dataDir, log });
    const criReadyMs = performance.now() - startedAt;
    await writeCniConfig(runtime.layout.cniConfDir, { podSubnet, ipamDataDir: join(dataDir, 'agent', 'cni', 'networks') });
    const images = new ImageStore(runtime.cri, runtime.containerdSocket, log);
    await images.ensurePauseImage(defaultSandboxImage);
    await images.importArchive(busyboxArchive());
    const started = runtime;
    return {
      dataDir,
      runtime: started,
      images,
      podSubnet,
      log,
      criReadyMs,
      stop: async () => {
        try {
          await removeAllSandboxes(started);
        } finally {
          await started.stop();
          unmountBelow(dataDir);
          rmSync(dataDir, { recursive: true, force: true });
          try {
            execFileSync('ip', ['link', 'delete', podBridgeName], { stdio: 'ignore' });
          } catch {
            // no pod ever ran
          }
          release();
        }
      },
    };
  } catch (error) {
    await runtime?.stop();
    unmountBelow(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
    release();
    throw error;
  }
}

/** Stops and removes every sandbox (and so every container) the runtime has. */
export async function removeAllSandboxes(runtime: Pick<ContainerdSupervisor, 'cri'>): Promise<void> {
  const { items } = await runtime.cri.call('ListPodSandbox', {});
  for (const sandbox of items) {
    await runtime.cri.call('StopPodSandbox', { podSandboxId: sandbox.id }).catch(() => {});
    await runtime.cri.call('RemovePodSandbox', { podSandboxId: sandbox.id }).catch(() => {});
  }
}
