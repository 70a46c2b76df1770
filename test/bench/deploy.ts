// Deploy engine figures: time to deploy a 200-object artifact onto a fresh k2 the first time, again unchanged,
// and as a next version that changes 20 objects and drops 20 (pruned); plus a diff of that next version.
import { deployArtifact, diffArtifact, KubeClient, type ArtifactToDeploy } from '../../packaging/deploy/index.ts';
import { startServer } from '../e2e/harness.ts';
import { ms, printTable } from './table.ts';

type Json = Record<string, any>;

/** 200 objects: a namespace, 120 ConfigMaps, 40 Secrets, 20 Services, 19 Deployments. */
function objects(version: number, dropped = 0): Json[] {
  const namespace = 'bench';
  const list: Json[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }];
  for (let i = 0; i < 120 - dropped; i++) {
    list.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}`, namespace }, data: { index: String(i), version: i < 20 ? String(version) : '1', payload: 'x'.repeat(200) } });
  }
  for (let i = 0; i < 40; i++) list.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace }, data: { token: Buffer.from(`token-${i}`).toString('base64') } });
  for (let i = 0; i < 20; i++) {
    list.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace }, spec: { selector: { app: `app-${i}` }, ports: [{ port: 80, targetPort: 8080 }] } });
  }
  for (let i = 0; i < 19; i++) {
    list.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `app-${i}`, namespace },
      spec: { replicas: 1, selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 8080 }] }] } } },
    });
  }
  return list;
}

const artifact = (version: number, dropped = 0): ArtifactToDeploy => ({
  name: 'bench',
  reference: `bench:${version}`,
  digest: `sha256:${String(version).repeat(64)}`,
  parents: [],
  settings: {},
  objects: objects(version, dropped),
});

export async function deployBenchmark(): Promise<void> {
  const server = await startServer();
  const client = await KubeClient.fromKubeconfig(server.kubeconfig);
  try {
    const rows: (string | number)[][] = [];
    const run = async (label: string, action: () => Promise<{ applied?: number; changed?: number; pruned?: number }>) => {
      const started = performance.now();
      const result = await action();
      const elapsed = performance.now() - started;
      rows.push([label, result.applied ?? '', result.changed ?? '', result.pruned ?? '', ms(elapsed)]);
    };
    const deploy = async (version: number, dropped = 0) => {
      const report = await deployArtifact(artifact(version, dropped), { client });
      return { applied: report.applied.length, changed: report.applied.filter((a) => a.action !== 'unchanged').length, pruned: report.pruned.length };
    };
    await run('first deploy (200 objects)', () => deploy(1));
    await run('same artifact again', () => deploy(1));
    await run('diff of the next version', async () => {
      const diff = await diffArtifact(artifact(2, 20), { client });
      return { applied: diff.entries.filter((e) => e.change !== 'prune').length, changed: diff.entries.filter((e) => e.change === 'update').length, pruned: diff.entries.filter((e) => e.change === 'prune').length };
    });
    await run('next version (20 changed, 20 dropped)', () => deploy(2, 20));
    printTable(['run', 'objects', 'changed', 'pruned', 'time'], rows);
  } finally {
    client.close();
    await server.stop();
  }
}
