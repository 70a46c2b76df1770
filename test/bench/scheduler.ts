// Scheduler figures on simulated nodes, as kube-scheduler's scheduler_perf measures them: 5,000 pods are
// created and bound first (its "init pods"; a running cluster's server has its code paths compiled), then
// 5,000 more are created over HTTPS (32 concurrent lean clients) onto the 500 simulated nodes — pods bound
// per second and creation→binding latency, seen through a watch. With the 10,000 pods stored: the server's
// RSS (right after the burst, and once the watch history window has passed) and the time of
// `kubectl get pods -A`.
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { startServer, type TestServer } from '../e2e/harness.ts';
import { call, clientFor, type Client } from './api.ts';
import { LeanConnection, LeanWatch } from './lean-client.ts';
import { ms, percentile, printTable } from './table.ts';

const nodes = 500;
const measuredPods = 5_000;
const storedPods = 10_000;
const concurrency = 32;

/** The number of objects a list holds (its first page of one item tells). */
async function count(client: Client, path: string): Promise<number> {
  const list = JSON.parse((await call(client, 'GET', `${path}?limit=1`)).text) as { items: unknown[]; metadata: { remainingItemCount?: number } };
  return list.items.length + (list.metadata.remainingItemCount ?? 0);
}

/** The process's resident memory now (VmRSS) or its peak so far (VmHWM), in MB. */
function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Watches pods in a namespace; records when each pod is first seen bound, and when Running. A lean watch (like the
 * lean create clients) that reads the three fields it needs from each event's text: parsing 15,000 whole pods would
 * take CPU the server shares on this machine.
 */
async function watchPods(client: Client, namespace: string, resourceVersion: string) {
  const bound = new Map<string, number>();
  const running = new Set<string>();
  const watch = await LeanWatch.open(client, `/api/v1/namespaces/${namespace}/pods?watch=1&resourceVersion=${resourceVersion}`, (line, now) => {
    const name = /"metadata":\{"name":"([^"]+)"/.exec(line)?.[1];
    if (!name) throw new Error(`a watch event without a pod name: ${line.slice(0, 200)}`);
    if (!bound.has(name) && line.includes('"nodeName":"')) bound.set(name, now);
    if (line.includes('"phase":"Running"')) running.add(name);
  });
  return { bound, running, stop: () => watch.close() };
}

function podBody(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  });
}

async function createPods(client: Client, namespace: string, prefix: string, count: number, sentAt?: Map<string, number>): Promise<number> {
  let next = 0;
  const connections = await Promise.all(Array.from({ length: concurrency }, () => LeanConnection.open(client)));
  const started = performance.now();
  const worker = async (connection: LeanConnection) => {
    while (next < count) {
      const name = `${prefix}-${next++}`;
      sentAt?.set(name, performance.now());
      const result = await connection.request('POST', `/api/v1/namespaces/${namespace}/pods`, podBody(name));
      if (result.status !== 201) throw new Error(`create ${name} failed: ${result.status} ${result.text}`);
    }
  };
  try {
    await Promise.all(connections.map(worker));
  } finally {
    for (const connection of connections) connection.close();
  }
  return (performance.now() - started) / 1000;
}

async function namespaceReady(client: Client, name: string): Promise<void> {
  await call(client, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  await until(`the default ServiceAccount in ${name}`, async () => (await call(client, 'GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200, 30_000);
}

export async function schedulerBenchmark(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const server: TestServer = await startServer({ args: ['--simulated-nodes', String(nodes)] });
  try {
    const client = clientFor(server, concurrency);
    await until(`${nodes} Ready nodes`, async () => {
      const list = JSON.parse((await call(client, 'GET', '/api/v1/nodes')).text) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
      return list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes;
    }, 120_000);
    await namespaceReady(client, 'bench');
    await namespaceReady(client, 'bench-fill');

    // The init pods, bound and running before the measured ones are created.
    const fill = await watchPods(client, 'bench-fill', JSON.parse((await call(client, 'GET', '/api/v1/namespaces/bench-fill/pods?limit=1')).text).metadata.resourceVersion);
    const initSeconds = await createPods(client, 'bench-fill', 'fill', storedPods - measuredPods);
    await until('the init pods to run', () => fill.running.size >= storedPods - measuredPods, 300_000);
    fill.stop();
    // The scheduler records its events in the background, trailing the bindings (as client-go's broadcaster):
    // the measured pods start on a server that has finished recording the init pods' Scheduled events.
    await until('the init pods\' Scheduled events', async () => (await count(client, '/api/v1/namespaces/bench-fill/events')) >= storedPods - measuredPods, 300_000);
    const cyclesBefore = (await call(client, 'GET', '/metrics')).text;

    const rv = JSON.parse((await call(client, 'GET', '/api/v1/namespaces/bench/pods?limit=1')).text).metadata.resourceVersion as string;
    const watch = await watchPods(client, 'bench', rv);
    const sentAt = new Map<string, number>();
    const createSeconds = await createPods(client, 'bench', 'pod', measuredPods, sentAt);
    await until('every pod to be bound', () => watch.bound.size >= measuredPods, 300_000);
    await until('every pod to run', () => watch.running.size >= measuredPods, 300_000);
    watch.stop();
    await until('the measured pods\' Scheduled events', async () => (await count(client, '/api/v1/namespaces/bench/events')) >= measuredPods, 300_000);
    const eventsRecorded = performance.now();
    const firstSent = Math.min(...sentAt.values());
    const bindTimes = [...watch.bound.values()];
    const firstBound = Math.min(...bindTimes);
    const lastBound = Math.max(...bindTimes);
    const latencies = [...watch.bound].map(([name, at]) => at - sentAt.get(name)!).sort((a, b) => a - b);
    // The scheduler's own share: its scheduling cycles of the measured pods, from kube-scheduler's metric.
    const metrics = (await call(client, 'GET', '/metrics')).text;
    const scheduled = (text: string, series: string) => Number(new RegExp(`^scheduler_scheduling_attempt_duration_seconds_${series}\\{[^}]*result="scheduled"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
    const cycleMs = ((scheduled(metrics, 'sum') - scheduled(cyclesBefore, 'sum')) / (scheduled(metrics, 'count') - scheduled(cyclesBefore, 'count'))) * 1000;

    // 10,000 pods stored, all bound and running: memory and kubectl.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const rss = rssMb(server.process.pid!);
    let lines = 0;
    const timeKubectl = async (args: string[]) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const result = await server.kubectl(args, { timeoutMs: 120_000 });
        times.push(performance.now() - started);
        if (result.code !== 0) throw new Error(result.stderr);
        lines = result.stdout.trim().split('\n').length - 1;
      }
      return times.sort((a, b) => a - b)[1]!;
    };
    // kubectl asks for pages of 500; the server answers a list of up to 50,000 cached objects in one page (store.ts,
    // wholeListFromCache), so both runs are one request. --chunk-size=0 stays for comparison with older figures.
    const kubectlMs = await timeKubectl(['get', 'pods', '-A']);
    const unpaginatedMs = await timeKubectl(['get', 'pods', '-A', '--chunk-size=0']);
    // The watch cache keeps every change of the last 75 s for watches to resume from (kube-apiserver's
    // eventFreshDuration); once that window has passed, what remains is the stored state itself.
    await new Promise((resolve) => setTimeout(resolve, 90_000));
    const settledRss = rssMb(server.process.pid!);
    const peakRss = rssMb(server.process.pid!, 'VmHWM');
    client.agent.destroy();

    printTable(
      ['figure (SQLite, HTTPS, 500 simulated nodes)', 'value', 'goal'],
      [
        [`pods bound/s, first create → last binding (${measuredPods} pods, after ${storedPods - measuredPods} init pods)`, (measuredPods / ((lastBound - firstSent) / 1000)).toFixed(0), '≥ 2,000'],
        ['pods bound/s, first → last binding', (measuredPods / ((lastBound - firstBound) / 1000)).toFixed(0), ''],
        [`pod creates/s (${concurrency} concurrent lean HTTPS clients)`, (measuredPods / createSeconds).toFixed(0), ''],
        ['init pod creates/s (the first pods of a new server)', ((storedPods - measuredPods) / initSeconds).toFixed(0), ''],
        ['the last Scheduled event recorded, after the last binding (seen by polling every 200 ms)', ms(eventsRecorded - lastBound), ''],
        ['creation → binding p50', ms(percentile(latencies, 50)), ''],
        ['creation → binding p99', ms(percentile(latencies, 99)), ''],
        ['scheduling cycle, mean (scheduler_scheduling_attempt_duration_seconds)', `${cycleMs.toFixed(3)} ms (≈ ${Math.round(1000 / cycleMs)} pods/s)`, ''],
        [`server RSS, ${storedPods} pods and ${nodes} nodes stored, 5 s after the last create`, `${rss.toFixed(0)} MB`, ''],
        [`server RSS, ${storedPods} pods and ${nodes} nodes stored, once the 75 s watch history window has passed`, `${settledRss.toFixed(0)} MB`, '< 400 MB'],
        ['server peak RSS (VmHWM), the whole run', `${peakRss.toFixed(0)} MB`, ''],
        [`kubectl get pods -A (${lines} pods), median of 3`, ms(kubectlMs), '< 1 s'],
        ['kubectl get pods -A --chunk-size=0 (one request, no client-side throttling)', ms(unpaginatedMs), ''],
        ['machine load average (1 min) before / after', `${loadBefore.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`, ''],
      ],
    );
  } finally {
    await server.stop();
  }
}
