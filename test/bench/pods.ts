// Pods end to end on a real `k2 server` that is its own node: pod create (POST through HTTPS) → the pod's status
// says Running (seen on a watch), for 50 pods one after another, then the same 50 created at once; and the memory
// of the k2 process (API server + node agent), of containerd, and of a node agent alone (`k2 agent`, joined to the
// server, sharing its containerd).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import YAML from 'yaml';
import { containerdLayout } from '../../kubelet-bridge/containerd.ts';
import { tempDir, testBundlePath } from '../e2e/harness.ts';
import { busyboxImage, startNodeServer, type NodeServer } from '../node/node-server.ts';
import { ms, percentile, printTable } from './table.ts';

const podCount = 50;

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function pidOf(pattern: RegExp): number | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (pattern.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))) return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

interface Tls {
  ca: string;
  cert: string;
  key: string;
}

function tlsOf(kubeconfig: string): Tls {
  const config = YAML.parse(readFileSync(kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64').toString();
  return { ca: b64(config.clusters[0].cluster['certificate-authority-data']), cert: b64(config.users[0].user['client-certificate-data']), key: b64(config.users[0].user['client-key-data']) };
}

/** Times at which each pod was first seen Running, from a watch on the namespace. */
function watchRunning(server: NodeServer, tls: Tls, namespace: string): { runningAt: Map<string, number>; stop: () => void } {
  const runningAt = new Map<string, number>();
  const req = request(new URL(`/api/v1/namespaces/${namespace}/pods?watch=true`, server.url), { ...tls, headers: { accept: 'application/json' } }, (res) => {
    let buffer = '';
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const event = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        const pod = event.object;
        if (pod?.status?.phase === 'Running' && !runningAt.has(pod.metadata.name)) runningAt.set(pod.metadata.name, performance.now());
      }
    });
  });
  req.on('error', () => {});
  req.end();
  return { runningAt, stop: () => req.destroy() };
}

function createPod(server: NodeServer, tls: Tls, namespace: string, name: string): Promise<void> {
  const body = server.pod(name, { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: busyboxImage, command: ['sleep', '3600'] }] }, { namespace });
  return new Promise((resolve, reject) => {
    const req = request(new URL(`/api/v1/namespaces/${namespace}/pods`, server.url), { method: 'POST', ...tls, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`create ${name}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function latencies(server: NodeServer, tls: Tls, namespace: string, concurrent: boolean): Promise<number[]> {
  await server.kubectl(['create', 'namespace', namespace]);
  const watch = watchRunning(server, tls, namespace);
  await new Promise((r) => setTimeout(r, 300)); // the watch is open
  const createdAt = new Map<string, number>();
  const names = Array.from({ length: podCount }, (_, i) => `pod-${i}`);
  try {
    if (concurrent) {
      await Promise.all(names.map((name) => (createdAt.set(name, performance.now()), createPod(server, tls, namespace, name))));
      await until(() => names.every((n) => watch.runningAt.has(n)), 180_000, `${podCount} pods running`);
    } else {
      for (const name of names) {
        createdAt.set(name, performance.now());
        await createPod(server, tls, namespace, name);
        await until(() => watch.runningAt.has(name), 60_000, `${name} running`);
      }
    }
  } finally {
    watch.stop();
  }
  return names.map((n) => watch.runningAt.get(n)! - createdAt.get(n)!).sort((a, b) => a - b);
}

export async function podsBenchmark(): Promise<void> {
  const server = await startNodeServer();
  const rows: (string | number)[][] = [];
  const agentDir = tempDir('k2-bench-agent-');
  try {
    const tls = tlsOf(server.kubeconfig);
    const k2Pid = server.process.pid!;
    rows.push(['k2 server (API + controllers + node agent) RSS, idle node', `${rssMb(k2Pid).toFixed(1)} MB`, '']);
    const sequential = await latencies(server, tls, 'bench-sequential', false);
    rows.push([`pod create → Running, one at a time, p50 / p99 of ${podCount}`, ms(percentile(sequential, 50)), ms(percentile(sequential, 99))]);
    const burst = await latencies(server, tls, 'bench-burst', true);
    rows.push([`pod create → Running, ${podCount} created at once, p50 / p99`, ms(percentile(burst, 50)), ms(percentile(burst, 99))]);
    rows.push([`k2 server RSS with ${podCount * 2} pods running`, `${rssMb(k2Pid).toFixed(1)} MB`, '']);
    const containerdPid = pidOf(new RegExp(`containerd --config ${containerdLayout(server.dataDir).configFile}`));
    if (containerdPid) rows.push([`containerd RSS with ${podCount * 2} pods`, `${rssMb(containerdPid).toFixed(1)} MB`, '']);

    // The node agent alone: a `k2 agent` joined to this server, on the same containerd, running no pods.
    const token = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [testBundlePath, 'token', 'create', '--kubeconfig', server.kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error('token create failed'))));
    });
    const agent = spawn(process.execPath, [testBundlePath, 'agent', '--server', server.url, '--token', token, '--data-dir', agentDir, '--node-name', 'bench-agent', '--node-ip', '127.0.0.1', '--kubelet-port', '0', '--container-runtime-endpoint', `unix://${containerdLayout(server.dataDir).socket}`, '--cgroup-root', '/k2-bench-agent', '--disable-kube-proxy'], { stdio: 'ignore' });
    try {
      await server.waitFor(['get', 'node', 'bench-agent', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], (s) => s === 'True', 60_000);
      await new Promise((r) => setTimeout(r, 10_000));
      rows.push(['k2 agent alone (the node agent over HTTPS), RSS after 10 s idle', `${rssMb(agent.pid!).toFixed(1)} MB`, '']);
    } finally {
      agent.kill('SIGKILL');
    }
  } finally {
    await server.stop();
    rmSync(agentDir, { recursive: true, force: true });
    for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
      try {
        rmdirSync(`/sys/fs/cgroup/${hierarchy}/k2-bench-agent`); // the agent's (empty) cgroup parent
      } catch {
        // not in this hierarchy
      }
    }
  }
  printTable(['figure', 'p50 / value', 'p99'], rows);
}
