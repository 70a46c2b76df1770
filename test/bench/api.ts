// API server figures on the SQLite default: creates over HTTPS with 32 concurrent clients, LIST of
// 10,000 ConfigMaps, `kubectl get cm -A` over them, and event delivery to 1,000 watches.
import { Agent, request } from 'node:https';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { startServer, type TestServer } from '../e2e/harness.ts';
import { LeanConnection, LeanWatch } from './lean-client.ts';
import { ms, percentile, printTable } from './table.ts';

export interface Client {
  agent: Agent;
  ca: string;
  cert: string;
  key: string;
  host: string;
  port: number;
}

export function clientFor(server: TestServer, maxSockets: number): Client {
  const config = YAML.parse(readFileSync(server.kubeconfig, 'utf8'));
  const decode = (b64: string) => Buffer.from(b64, 'base64').toString();
  const url = new URL(server.url);
  return {
    agent: new Agent({ keepAlive: true, maxSockets }),
    ca: decode(config.clusters[0].cluster['certificate-authority-data']),
    cert: decode(config.users[0].user['client-certificate-data']),
    key: decode(config.users[0].user['client-key-data']),
    host: url.hostname,
    port: Number(url.port),
  };
}

export function call(client: Client, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: client.host, port: client.port, method, path, agent: client.agent, ca: client.ca, cert: client.cert, key: client.key, // Content-Length, as kubectl sends: a chunked body draws on the server's large-body budget.
        headers: body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

type Send = (method: string, path: string, body?: string) => Promise<{ status: number; text: string }>;

/** Creates `count` ConfigMaps from `concurrency` workers; `lean` gives each worker its own LeanConnection, else node:https. */
async function createMany(client: Client, namespace: string, count: number, concurrency: number, prefix: string, lean = true): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const connections = lean ? await Promise.all(Array.from({ length: concurrency }, () => LeanConnection.open(client))) : [];
  const started = performance.now();
  const worker = async (send: Send) => {
    while (next < count) {
      const i = next++;
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${i}`, labels: { bench: 'api' } }, data: { key: `value-${i}`, other: 'x'.repeat(100) } });
      const t = performance.now();
      const result = await send('POST', `/api/v1/namespaces/${namespace}/configmaps`, body);
      latencies.push(performance.now() - t);
      if (result.status !== 201) throw new Error(`create failed: ${result.status} ${result.text}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(lean ? connections[i]!.request.bind(connections[i]) : (method, path, body) => call(client, method, path, body))));
  } finally {
    for (const connection of connections) connection.close();
  }
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

async function timeIt(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** Opens `count` watches on a namespace and measures how long each event takes to reach all of them. */
async function watchDelivery(client: Client, namespace: string, count: number, events: number): Promise<number[]> {
  const { status, text } = await call(client, 'GET', `/api/v1/namespaces/${namespace}/configmaps?limit=1`);
  if (status !== 200) throw new Error(text);
  const rv = JSON.parse(text).metadata.resourceVersion as string;
  const sentAt = new Map<string, number>();
  const delays: number[] = [];
  // Lean watch connections, like the lean create clients: node:https's per-chunk stream machinery on 1,000
  // sockets would put the client's own queue into the figure (it shares the machine with the server).
  let warmedUp = 0;
  const onLine = (line: string, now: number) => {
    const name = /"name":"([^"]+)"/.exec(line)?.[1];
    if (name === 'watch-warm-up') warmedUp++;
    const sent = name ? sentAt.get(name) : undefined;
    if (sent !== undefined) delays.push(now - sent);
  };
  const watches: LeanWatch[] = [];
  try {
    for (let opened = 0; opened < count; opened += 100) {
      const batch = Array.from({ length: Math.min(100, count - opened) }, () => LeanWatch.open(client, `/api/v1/namespaces/${namespace}/configmaps?watch=1&resourceVersion=${rv}`, onLine));
      watches.push(...(await Promise.all(batch).catch((error: Error) => {
        throw new Error(`a watch did not open (${error.message}): every watch must be open for the figure to mean anything`);
      })));
    }
    // One event first, not measured: a server's watches are long-lived, and the first event after 1,000 watches
    // opened pays one-time costs (each connection's first write of a body, the write path's compilation) that
    // would otherwise set the p99 of the 20 events.
    await call(client, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, JSON.stringify({ metadata: { name: 'watch-warm-up' } }));
    const warmUpDeadline = Date.now() + 10_000;
    while (warmedUp < count && Date.now() < warmUpDeadline) await new Promise((r) => setTimeout(r, 50));
    if (warmedUp < count) throw new Error(`the warm-up event reached ${warmedUp} of ${count} watches within 10 s`);
    for (let i = 0; i < events; i++) {
      const name = `watched-${i}`;
      sentAt.set(name, performance.now());
      await call(client, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, JSON.stringify({ metadata: { name }, data: { a: 'b' } }));
      await new Promise((r) => setTimeout(r, 50));
    }
    const deadline = Date.now() + 10_000;
    while (delays.length < count * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (delays.length < count * events) throw new Error(`only ${delays.length} of ${count * events} watch events arrived within 10 s`);
  } finally {
    for (const watch of watches) watch.close();
  }
  return delays.sort((a, b) => a - b);
}

export async function apiBenchmark(): Promise<void> {
  // 1,000 watches from one client certificate: above k2's default per-user limit (200), which is not what is measured.
  const server = await startServer({ args: ['--max-watches-per-user', '0'] });
  try {
    const client = clientFor(server, 32);
    for (const ns of ['bench', 'bench-list', 'bench-watch', 'bench-warmup']) await call(client, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: ns } }));
    // Steady state: V8 compiles the request path's hot functions with TurboFan only after some thousands of
    // calls (the first 2,000 creates of a fresh server run at about a third of the steady rate).
    await createMany(client, 'bench-warmup', 5_000, 32, 'warmup');
    const creates = await createMany(client, 'bench', 10_000, 32, 'cm');
    const fill = await createMany(client, 'bench-list', 10_000, 32, 'item');
    void fill;
    const listMs = await timeIt(async () => {
      const result = await call(client, 'GET', '/api/v1/namespaces/bench-list/configmaps');
      if (JSON.parse(result.text).items.length < 10_000) throw new Error('short list');
    });
    const kubectlMs = await timeIt(async () => {
      const result = await server.kubectl(['get', 'cm', '-A']);
      if (result.code !== 0) throw new Error(result.stderr);
    }, 3);
    // After the figures above, so that kubectl sees the same 25,000 ConfigMaps in every run.
    const nodeHttpsCreates = await createMany(client, 'bench', 10_000, 32, 'cm-node-https', false);
    const delivery = await watchDelivery(client, 'bench-watch', 1000, 20);
    printTable(
      ['figure (SQLite, HTTPS)', 'value', 'goal'],
      [
        ['creates/s, 32 concurrent clients (10,000 ConfigMaps after 5,000 warm-up creates; lean HTTPS/1.1 client)', (10_000 / creates.seconds).toFixed(0), '≥ 5,000'],
        ['create latency p50', ms(percentile(creates.latencies, 50)), ''],
        ['create latency p99', ms(percentile(creates.latencies, 99)), '< 25 ms'],
        ['creates/s with a node:https client (same 32 clients, 10,000 more)', (10_000 / nodeHttpsCreates.seconds).toFixed(0), ''],
        ['node:https client: create latency p99', ms(percentile(nodeHttpsCreates.latencies, 99)), ''],
        ['LIST 10,000 ConfigMaps (JSON)', ms(listMs), '< 150 ms'],
        ['kubectl get cm -A (≈25,000 ConfigMaps)', ms(kubectlMs), ''],
        [`watch delivery p50 (1,000 watches × 20 events after 1 warm-up event, ${delivery.length} deliveries)`, ms(percentile(delivery, 50)), ''],
        ['watch delivery p99', ms(percentile(delivery, 99)), '< 50 ms'],
      ],
    );
    client.agent.destroy();
  } finally {
    await server.stop();
  }
}
