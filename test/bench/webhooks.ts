// Added latency per create of one mutating (JSONPatch label) plus one validating webhook, both over
// HTTPS on loopback: ConfigMap creates through a real k2 server in a namespace the webhooks select,
// against creates in one they do not select (interleaved), one client at a time and 8 at a time.
import { jsonPatch, startWebhookServer } from '../admission/webhook-server.ts';
import { startServer } from '../e2e/harness.ts';
import { call, clientFor, type Client } from './api.ts';
import { ms, percentile, printTable } from './table.ts';

const createsPerRun = 400;
const runDeadlineMs = 30_000;

/**
 * Creates alternating between the namespace the webhooks select and one they do not, so that load
 * from elsewhere on the machine weighs on both series alike.
 */
async function creates(client: Client, prefix: string, concurrency: number): Promise<{ plain: number[]; hooked: number[] }> {
  const series = { plain: [] as number[], hooked: [] as number[] };
  let next = 0;
  const deadline = performance.now() + runDeadlineMs;
  const worker = async () => {
    while (next < createsPerRun * 2 && performance.now() < deadline) {
      const i = next++;
      const namespace = i % 2 ? 'hooked' : 'plain';
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${i}` }, data: { key: `value-${i}` } });
      const started = performance.now();
      const result = await call(client, 'POST', `/api/v1/namespaces/${namespace}/configmaps`, body);
      series[namespace].push(performance.now() - started);
      if (result.status !== 201) throw new Error(`create failed: ${result.status} ${result.text}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  series.plain.sort((a, b) => a - b);
  series.hooked.sort((a, b) => a - b);
  return series;
}

export async function webhooksBenchmark(): Promise<void> {
  const [server, hooks] = await Promise.all([startServer(), startWebhookServer()]);
  try {
    hooks.handle('/mutate', () => ({ allowed: true, ...jsonPatch([{ op: 'add', path: '/metadata/labels', value: { mutated: 'true' } }]) }));
    hooks.handle('/validate', () => ({ allowed: true }));
    const client = clientFor(server, 16);
    for (const [name, labels] of [['plain', {}], ['hooked', { webhooks: 'on' }]] as const) {
      const result = await call(client, 'POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name, labels } }));
      if (result.status !== 201) throw new Error(result.text);
    }
    const webhook = (path: string) => ({
      name: `${path.slice(1)}.bench.k2.test`,
      clientConfig: { url: `${hooks.url}${path}`, caBundle: hooks.caBundle },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      namespaceSelector: { matchLabels: { webhooks: 'on' } },
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    });
    for (const [plural, path] of [['mutatingwebhookconfigurations', '/mutate'], ['validatingwebhookconfigurations', '/validate']]) {
      const result = await call(client, 'POST', `/apis/admissionregistration.k8s.io/v1/${plural}`, JSON.stringify({ metadata: { name: path.slice(1) }, webhooks: [webhook(path!)] }));
      if (result.status !== 201) throw new Error(result.text);
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // the watch cache takes the configurations in
    // Warm both paths (TLS sessions to the webhook server, JIT).
    await creates(client, 'warm', 4);
    const rows: string[][] = [];
    for (const concurrency of [1, 8]) {
      const { plain, hooked } = await creates(client, `c${concurrency}`, concurrency);
      const calls = hooks.received.get('/mutate')?.length ?? 0;
      if (!calls) throw new Error('the webhooks were not called');
      const row = (what: string, samples: number[]) => [`${what}, ${concurrency} client${concurrency > 1 ? 's' : ''}`, String(samples.length), ms(percentile(samples, 50)), ms(percentile(samples, 99))];
      rows.push(row('create, no webhook', plain), row('create, mutating + validating webhook', hooked));
      rows.push([`added by the webhooks, ${concurrency} client${concurrency > 1 ? 's' : ''}`, '', ms(percentile(hooked, 50) - percentile(plain, 50)), ms(percentile(hooked, 99) - percentile(plain, 99))]);
    }
    printTable(['operation', 'creates', 'p50', 'p99'], rows);
  } finally {
    await server.stop();
    await hooks.close();
  }
}
