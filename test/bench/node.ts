// Node-side figures on real containerd: containerd start → CRI ready, pod sync → running container (pod and host
// network), ExecSync, streaming exec through k2's SPDY client, kubectl exec end to end, memory.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { primaryNodeAddress } from '../../kubelet-bridge/network/cni.ts';
import { PodRuntime } from '../../kubelet-bridge/pod/runtime.ts';
import type { Pod } from '../../kubelet-bridge/pod/types.ts';
import { criStreamTarget } from '../../kubelet-bridge/streaming/cri-target.ts';
import { runKubectl } from '../e2e/harness.ts';
import { busyboxImage, startTestContainerd } from '../node/containerd-fixture.ts';
import { startStandInApiServer } from '../streaming/stand-in-apiserver.ts';
import { ms, percentile, printTable } from './table.ts';

const podsPerVariant = 20;
const execRounds = 30;

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function stats(samples: number[]): [string, string] {
  const sorted = [...samples].sort((a, b) => a - b);
  return [ms(percentile(sorted, 50)), ms(percentile(sorted, 99))];
}

export async function nodeBenchmark(): Promise<void> {
  const startedAt = performance.now();
  const containerd = await startTestContainerd();
  const containerdReadyMs = performance.now() - startedAt; // includes importing the pause and busybox images
  const runtime = new PodRuntime({
    cri: containerd.runtime.cri,
    dataDir: containerd.dataDir,
    node: { nodeName: 'bench', hostIP: primaryNodeAddress(), allocatable: { cpuCores: 2, memoryBytes: 2 ** 33 } },
    resolver: { configMap: async () => undefined, secret: async () => undefined, serviceAccountToken: async () => '' },
  });
  const rows: (string | number)[][] = [];
  try {
    rows.push(['containerd process start → CRI answers', ms(containerd.criReadyMs), '']);
    rows.push(['… plus CNI config, pause and busybox image import', ms(containerdReadyMs), '']);
    const pods: Pod[] = [];
    for (const hostNetwork of [false, true]) {
      const samples: number[] = [];
      for (let i = 0; i < podsPerVariant; i++) {
        const pod: Pod = {
          metadata: { name: `bench-${hostNetwork ? 'host' : 'pod'}-${i}`, namespace: 'default', uid: randomUUID() },
          spec: { hostNetwork, containers: [{ name: 'c', image: busyboxImage, command: ['sleep', '3600'] }] },
        };
        const started = performance.now();
        const status = await runtime.sync(pod);
        if (!status.containerStatuses?.[0]?.state.running) throw new Error(`pod ${pod.metadata.name} is not running after one sync: ${JSON.stringify(status)}`);
        samples.push(performance.now() - started);
        pods.push(pod);
      }
      rows.push([`pod sync: sandbox → running container (${hostNetwork ? 'host' : 'bridge CNI'} network), p50 / p99 of ${podsPerVariant}`, ...stats(samples)]);
    }
    const pod = pods[0]!;
    const containerId = await runtime.streamEndpoints(pod).containerId('c');
    const execSync: number[] = [];
    for (let i = 0; i < execRounds; i++) {
      const started = performance.now();
      await containerd.runtime.cri.call('ExecSync', { containerId, cmd: ['true'], timeout: 10 });
      execSync.push(performance.now() - started);
    }
    rows.push([`ExecSync round trip, p50 / p99 of ${execRounds}`, ...stats(execSync)]);
    const target = criStreamTarget(containerd.runtime.cri, runtime.streamEndpoints(pod));
    const streaming: number[] = [];
    for (let i = 0; i < execRounds; i++) {
      const started = performance.now();
      const stdout = new PassThrough();
      stdout.resume();
      await target.exec({ container: 'c', command: ['echo', 'hi'], stdin: false, stdout: true, stderr: true, tty: false }, { stdout, stderr: new PassThrough().resume(), signal: new AbortController().signal });
      streaming.push(performance.now() - started);
    }
    rows.push([`streaming exec via CRI Exec + k2's SPDY client, p50 / p99 of ${execRounds}`, ...stats(streaming)]);
    const server = await startStandInApiServer([{ namespace: 'default', name: pod.metadata.name!, containers: ['c'], target }]);
    try {
      const kubectlRounds: number[] = [];
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        const result = await runKubectl(server.kubeconfig, ['exec', pod.metadata.name!, '--', 'echo', 'hi'], { version: '1.33', cacheDir: join(containerd.dataDir, 'kubectl-cache') });
        if (result.stdout !== 'hi\n') throw new Error(`kubectl exec failed: ${result.stderr}`);
        kubectlRounds.push(performance.now() - started);
      }
      rows.push(['kubectl 1.33 exec end to end (process start included), p50 / p99 of 10', ...stats(kubectlRounds)]);
    } finally {
      await server.close();
    }
    rows.push(['containerd RSS with all pods running', `${rssMb(containerd.runtime.pid!).toFixed(1)} MB`, '']);
    rows.push(['this process RSS (PodRuntime + streaming, in the bench process)', `${rssMb(process.pid).toFixed(1)} MB`, '']);
    for (const p of pods) await runtime.remove(p.metadata.uid!);
  } finally {
    runtime.close();
    await containerd.stop();
  }
  printTable(['figure', 'p50 / value', 'p99'], rows);
}
