// The workload flows users drive with real kubectl (1.27, 1.30, 1.33) against a real `k2 server`:
// deployments rolled out, updated, rolled back, scaled, restarted and deleted (with cascade and
// --cascade=orphan), a StatefulSet coming up in order, a DaemonSet on every node, Jobs to
// completion, CronJobs firing, events worded as Kubernetes words them.
//
// Pods do not run yet (the kubelet-bridge comes later): a TEST-ONLY kubelet stand-in marks pods
// Running/Ready, or Succeeded/Failed as their command would end, over the API as a kubelet would,
// and binds DaemonSet pods to the node their affinity names (the scheduler's work once it exists).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { startServer, type TestServer } from '../e2e/harness.ts';
import { KubeletStandIn, type PodApi } from './kubelet-stand-in.ts';

type Json = Record<string, any>;

function podApiOver(server: TestServer): PodApi {
  const path = (pod: KubeObject, sub = '') => `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}${sub}`;
  return {
    list: async () => (await server.request('GET', '/api/v1/pods')).json.items,
    writeStatus: async (pod, status) => {
      const result = await server.request('PUT', path(pod, '/status'), { body: { ...pod, status } });
      if (result.status >= 300) throw new Error(result.text);
    },
    finalDelete: async (pod) => {
      await server.request('DELETE', path(pod), { body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } } });
    },
    bind: async (pod, node) => {
      await server.request('POST', path(pod, '/binding'), { body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name }, target: { kind: 'Node', name: node } } });
    },
  };
}

async function until<T>(probe: () => Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const image = 'busybox:1';

describe.each(['1.27', '1.30', '1.33'])('workloads with kubectl %s', (version) => {
  let server: TestServer;
  let kubelet: KubeletStandIn;
  const ns = `w${version.replace('.', '')}`;
  const k = async (args: string[], input?: string) => {
    const result = await server.kubectl(['-n', ns, ...args], { version, input, timeoutMs: 90_000 });
    return result;
  };
  const ok = async (args: string[], input?: string) => {
    const result = await k(args, input);
    expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result.stdout;
  };
  const json = async (args: string[]) => JSON.parse(await ok([...args, '-o', 'json'])) as Json;
  /**
   * `kubectl create <subcommand>`. kubectl 1.32+ sends those bodies as Kubernetes protobuf, which
   * the protobuf module (developed on its own branch) decodes; with 1.33 the same object is
   * generated client-side and sent as JSON through `create -f`.
   */
  const create = async (args: string[]) => {
    if (version !== '1.33') return ok(['create', ...args]);
    const dash = args.indexOf('--');
    const [flags, command] = dash < 0 ? [args, []] : [args.slice(0, dash), args.slice(dash)];
    const manifest = await ok(['create', ...flags, '--dry-run=client', '-o', 'json', ...command]);
    return ok(['create', '-f', '-', '--validate=false'], manifest);
  };

  beforeAll(async () => {
    server = await startServer();
    kubelet = new KubeletStandIn(podApiOver(server), { intervalMs: 200 });
    kubelet.start();
    await create(['namespace', ns]);
  });
  afterAll(async () => {
    await kubelet?.stop();
    await server?.stop();
  });

  it('creates, updates, rolls back, scales, restarts and deletes a deployment', async () => {
    await create(['deployment', 'web', `--image=${image}`, '--replicas=3', '--', 'sleep', '3600']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(await ok(['get', 'deploy', 'web'])).toMatch(/web +3\/3 +3 +3 /);
    const rs1 = (await json(['get', 'rs', '-l', 'app=web'])).items[0];
    expect(rs1.metadata.name).toMatch(/^web-[456789bcdf]+$/);
    expect(rs1.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');

    await ok(['set', 'image', 'deployment/web', 'busybox=busybox:2']);
    const status = await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(status).toContain('deployment "web" successfully rolled out');
    expect((await json(['get', 'rs', '-l', 'app=web'])).items).toHaveLength(2);
    const history = await ok(['rollout', 'history', 'deployment/web']);
    expect(history).toMatch(/1 +<none>/);
    expect(history).toMatch(/2 +<none>/);

    await ok(['rollout', 'undo', 'deployment/web']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    const undone = await json(['get', 'deploy', 'web']);
    expect(undone.spec.template.spec.containers[0].image).toBe(image);
    expect(undone.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(undone.spec.template.metadata.labels).toEqual({ app: 'web' });

    await ok(['scale', 'deployment', 'web', '--replicas=1']);
    await until(async () => (await json(['get', 'pods', '-l', 'app=web'])).items.filter((p: Json) => !p.metadata.deletionTimestamp).length === 1, 30_000, 'scaled to 1');

    await ok(['rollout', 'restart', 'deployment/web']);
    await ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect((await json(['get', 'deploy', 'web'])).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    await ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']);

    const events = await ok(['get', 'events']);
    expect(events).toMatch(new RegExp(`Normal +ScalingReplicaSet +deployment/web +Scaled up replica set ${rs1.metadata.name} from 0 to 3`));
    expect(events).toMatch(/Normal +SuccessfulCreate +replicaset\/web-[a-z0-9]+ +Created pod: web-/);
    expect(events).toMatch(/Scaled down replica set web-[a-z0-9]+ from 3 to 1/);

    await ok(['delete', 'deployment', 'web']);
    await until(async () => (await ok(['get', 'pods,rs', '-l', 'app=web', '-o', 'name'])).trim() === '', 30_000, 'pods and replicasets deleted');
  }, 240_000);

  it('orphans ReplicaSets and pods with --cascade=orphan', async () => {
    await create(['deployment', 'keep', `--image=${image}`, '--replicas=2', '--', 'sleep', '3600']);
    await ok(['rollout', 'status', 'deployment/keep', '--timeout=60s']);
    await ok(['delete', 'deployment', 'keep', '--cascade=orphan']);
    await until(async () => (await k(['get', 'deploy', 'keep'])).code !== 0, 20_000, 'deployment gone');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rs = (await json(['get', 'rs', '-l', 'app=keep'])).items;
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences).toBeUndefined();
    expect((await json(['get', 'pods', '-l', 'app=keep'])).items).toHaveLength(2);
  }, 120_000);

  it('brings a StatefulSet up in order', async () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image, command: ['sleep', '3600'] }] } } },
    };
    await ok(['create', '-f', '-', '--validate=false'], JSON.stringify(manifest));
    await ok(['rollout', 'status', 'statefulset/db', '--timeout=60s']);
    const pods = (await json(['get', 'pods', '-l', 'app=db'])).items as Json[];
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    const created = Object.fromEntries(pods.map((p) => [p.metadata.name, Date.parse(p.status.startTime)]));
    expect(created['db-0']).toBeLessThanOrEqual(created['db-1']!);
    expect(created['db-1']).toBeLessThanOrEqual(created['db-2']!);
    const events = (await json(['get', 'events', '--field-selector', 'involvedObject.name=db'])).items.map((e: Json) => e.message);
    expect(events.filter((m: string) => /^create Pod db-\d in StatefulSet db successful$/.test(m))).toEqual(['create Pod db-0 in StatefulSet db successful', 'create Pod db-1 in StatefulSet db successful', 'create Pod db-2 in StatefulSet db successful']);
    expect(await ok(['get', 'sts', 'db'])).toMatch(/db +3\/3 /);
  }, 120_000);

  it('runs a DaemonSet pod on every node', async () => {
    const nodes = ['a', 'b'].map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `${ns}-${n}`, labels: { 'kubernetes.io/hostname': `${ns}-${n}` } } }));
    await ok(['create', '-f', '-', '--validate=false'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes }));
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image, command: ['sleep', '3600'] }] } } } };
    await ok(['create', '-f', '-', '--validate=false'], JSON.stringify(ds));
    await ok(['rollout', 'status', 'daemonset/agent', '--timeout=60s']);
    const placed = ((await json(['get', 'pods', '-l', 'app=agent'])).items as Json[]).map((p) => p.spec.nodeName).sort();
    expect(placed).toEqual(nodes.map((n) => n.metadata.name));
    await server.kubectl(['delete', 'nodes', ...nodes.map((n) => n.metadata.name), '--wait=false'], { version });
  }, 120_000);

  it('runs a Job to completion and starts one from a CronJob', async () => {
    await create(['job', 'once', `--image=${image}`, '--', 'sh', '-c', 'echo done']);
    await ok(['wait', '--for=condition=Complete', 'job/once', '--timeout=60s']);
    expect(await ok(['get', 'job', 'once'])).toMatch(/once +(Complete +)?1\/1 /);
    const events = await ok(['get', 'events', '--field-selector', 'involvedObject.name=once']);
    expect(events).toMatch(/Normal +SuccessfulCreate +job\/once +Created pod: once-/);
    expect(events).toMatch(/Normal +Completed +job\/once +Job completed/);

    await create(['cronjob', 'tick', `--image=${image}`, '--schedule=*/5 * * * *', '--', 'sh', '-c', 'echo tick']);
    await create(['job', 'manual', '--from=cronjob/tick']);
    const manual = await json(['get', 'job', 'manual']);
    expect(manual.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(manual.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'tick' });
    await ok(['wait', '--for=condition=Complete', 'job/manual', '--timeout=60s']);
    await ok(['delete', 'cronjob', 'tick']);
    await until(async () => (await k(['get', 'job', 'manual'])).code !== 0, 30_000, 'cronjob deletion cascades to its jobs');
  }, 180_000);
});

describe('a CronJob fires on schedule (kubectl 1.30)', () => {
  let server: TestServer;
  let kubelet: KubeletStandIn;
  beforeAll(async () => {
    server = await startServer();
    kubelet = new KubeletStandIn(podApiOver(server), { intervalMs: 200 });
    kubelet.start();
  });
  afterAll(async () => {
    await kubelet?.stop();
    await server?.stop();
  });

  it('creates <cronjob>-<minutes> at the next minute and records it', async () => {
    const created = await server.kubectl(['create', 'cronjob', 'tick', `--image=${image}`, '--schedule=* * * * *', '--', 'sh', '-c', 'echo tick'], { version: '1.30' });
    expect(created.code, created.stderr).toBe(0);
    const job = await until(async () => (await server.request('GET', '/apis/batch/v1/namespaces/default/jobs')).json.items[0] as Json | undefined, 75_000, 'cronjob fired');
    const minutes = Number(job.metadata.name.slice('tick-'.length));
    expect(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'));
    await until(async () => (await server.request('GET', '/apis/batch/v1/namespaces/default/cronjobs/tick')).json.status?.lastSuccessfulTime, 30_000, 'job completed');
    const cj = await server.kubectl(['get', 'cronjob', 'tick', '-o', 'json'], { version: '1.30' });
    expect(JSON.parse(cj.stdout).status.lastScheduleTime).toBe(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']);
    const events = await server.kubectl(['get', 'events'], { version: '1.30' });
    expect(events.stdout).toMatch(new RegExp(`Normal +SuccessfulCreate +cronjob/tick +Created job ${job.metadata.name}`));
    expect(events.stdout).toMatch(new RegExp(`Normal +SawCompletedJob +cronjob/tick +Saw completed job: ${job.metadata.name}, condition: Complete`));
  }, 150_000);
});
