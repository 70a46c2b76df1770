// PodDisruptionBudget status, the pods/eviction subresource over HTTP, and the HPA with a fake
// metrics source (the metrics API comes with the node agent). Pods are marked Running/Ready by the
// test-only kubelet stand-in.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installApi } from '../../apiserver/api.ts';
import type { LabelSelector } from '../../apiserver/registry/selectors.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { toStatusError } from '../../apiserver/http-server.ts';
import { resourceReplicas, type PodUsage } from '../../controllers/horizontal-pod-autoscaler.ts';
import { adminUser, controllerFixture, eventually, type ControllerFixture } from './fixture.ts';

type Json = Record<string, any>;

function deployment(name: string, replicas: number, requests?: Json): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1', command: ['sleep', '3600'], ...(requests ? { resources: { requests } } : {}) }] } } },
  };
}

describe('disruption budgets and eviction', () => {
  let f: ControllerFixture;
  let app: FastifyInstance;
  beforeAll(async () => {
    f = await controllerFixture();
    app = Fastify();
    app.addHook('onRequest', async (request) => {
      request.user = adminUser;
    });
    app.setErrorHandler((error, _request, reply) => {
      const status = toStatusError(error);
      reply.code(status.code).send(status.toStatus());
    });
    installApi(app, f.core);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await f.close();
  });

  const evict = (ns: string, name: string) =>
    app.inject({ method: 'POST', url: `/api/v1/namespaces/${ns}/pods/${name}/eviction`, headers: { 'content-type': 'application/json' }, payload: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } } });

  it('keeps PDB status and refuses evictions that would violate it', async () => {
    const ns = await f.namespace('pdb');
    await f.admin.resource('apps', 'deployments').create({ ...deployment('web', 3), metadata: { name: 'web', namespace: ns } });
    const pdbs = f.admin.resource('policy', 'poddisruptionbudgets');
    await pdbs.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: ns }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    const ready = (await eventually(async () => {
      const p = (await pdbs.get(ns, 'web')) as Json;
      return p.status?.currentHealthy === 3 ? p : undefined;
    }, 10_000, 'pdb status')) as Json;
    expect(ready.status).toMatchObject({ observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    expect(ready.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' })]);

    const [first, second] = (await f.admin.resource('', 'pods').list(ns)).items;
    // Replacement pods stay Pending (not ready) until the refusal is checked.
    const standIn = f.kubelet as unknown as { options: { outcome?: (pod: KubeObject) => string } };
    standIn.options.outcome = () => 'Pending';
    const allowed = await evict(ns, first!.metadata.name!);
    expect(allowed.statusCode).toBe(201);
    expect(allowed.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const refused = await evict(ns, second!.metadata.name!);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'TooManyRequests',
      code: 429,
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
    });
    expect((await evict(ns, 'missing')).statusCode).toBe(404);
    delete standIn.options.outcome;
    // The ReplicaSet replaces the evicted pod; once it is ready, one disruption is allowed again.
    await eventually(async () => ((await pdbs.get(ns, 'web')) as Json).status.disruptionsAllowed === 1, 10_000, 'budget recovers');
    expect((await evict(ns, second!.metadata.name!)).statusCode).toBe(201);
  });

  it('computes percentage budgets against the owning controller scale', async () => {
    const ns = await f.namespace('pdb2');
    await f.admin.resource('apps', 'deployments').create({ ...deployment('api', 4), metadata: { name: 'api', namespace: ns } });
    const pdbs = f.admin.resource('policy', 'poddisruptionbudgets');
    await pdbs.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: ns }, spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'api' } } } });
    const status = ((await eventually(async () => {
      const p = (await pdbs.get(ns, 'api')) as Json;
      return p.status?.currentHealthy === 4 ? p : undefined;
    }, 10_000)) as Json).status;
    expect(status).toMatchObject({ expectedPods: 4, desiredHealthy: 3, disruptionsAllowed: 1 });
  });
});

describe('horizontal pod autoscaler', () => {
  const usage = new Map<string, PodUsage>();
  let perPodCpu = 0;
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture({
      hpaSyncMs: 200,
      metrics: {
        podMetrics: async (namespace: string, selector: LabelSelector) => {
          const pods = (await f.admin.resource('', 'pods').list(namespace)).items.filter((p) => selector.matches(p.metadata.labels));
          for (const pod of pods) usage.set(pod.metadata.name!, { cpu: perPodCpu, memory: 64 * 1024 * 1024, timestamp: new Date() });
          return new Map(pods.map((p) => [p.metadata.name!, usage.get(p.metadata.name!)!]));
        },
      },
    });
  });
  afterAll(() => f.close());

  it('computes replicas with Kubernetes algorithm and tolerance', () => {
    const pod = (name: string, ready = true): KubeObject => ({
      metadata: { name },
      spec: { containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    });
    const metrics = (values: Record<string, number>) => new Map(Object.entries(values).map(([n, cpu]) => [n, { cpu, memory: 0, timestamp: new Date() }]));
    const target = { type: 'Utilization', averageUtilization: 50 };
    expect(resourceReplicas(2, [pod('a'), pod('b')], metrics({ a: 100, b: 100 }), 'cpu', target).replicas).toBe(4);
    expect(resourceReplicas(2, [pod('a'), pod('b')], metrics({ a: 54, b: 54 }), 'cpu', target).replicas).toBe(2); // within 10%
    expect(resourceReplicas(4, [pod('a'), pod('b'), pod('c'), pod('d')], metrics({ a: 10, b: 10, c: 10, d: 10 }), 'cpu', target).replicas).toBe(1);
    // A pod without metrics counts as 100% when scaling down: fewer pods removed.
    expect(resourceReplicas(3, [pod('a'), pod('b'), pod('c')], metrics({ a: 10, b: 10 }), 'cpu', target).replicas).toBe(3);
    expect(resourceReplicas(2, [pod('a'), pod('b')], metrics({ a: 100, b: 100 }), 'cpu', target).status).toEqual({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '100m' } } });
    expect(() => resourceReplicas(1, [{ ...pod('a'), spec: { containers: [{ name: 'c' }] } }], metrics({ a: 1 }), 'cpu', target)).toThrow('missing request for cpu in container c of Pod a');
  });

  it('scales a Deployment through its scale subresource and reports conditions and events', async () => {
    const ns = await f.namespace('hpa');
    await f.admin.resource('apps', 'deployments').create({ ...deployment('busy', 1, { cpu: '100m' }), metadata: { name: 'busy', namespace: ns } });
    const hpas = f.admin.resource('autoscaling', 'horizontalpodautoscalers');
    perPodCpu = 150; // 150% of the request against a 50% target: triple
    await hpas.create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'busy', namespace: ns },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'busy' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    });
    const scaled = (await eventually(async () => {
      const h = (await hpas.get(ns, 'busy')) as Json;
      return h.status?.desiredReplicas === 3 ? h : undefined;
    }, 10_000, 'hpa scaled up')) as Json;
    expect(((await f.admin.resource('apps', 'deployments').get(ns, 'busy')) as Json).spec.replicas).toBe(3);
    const conditions = Object.fromEntries(scaled.status.conditions.map((c: Json) => [c.type, c]));
    expect(conditions.AbleToScale).toMatchObject({ status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 3' });
    expect(conditions.ScalingActive).toMatchObject({ status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    expect(conditions.ScalingLimited).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
    expect(scaled.status.currentMetrics[0]).toMatchObject({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 150 } } });
    expect(scaled.status.lastScaleTime).toBeTruthy();
    const events = (await f.admin.resource('', 'events').list(ns)).items.filter((e) => e.reason === 'SuccessfulRescale');
    expect(events.map((e) => e.message)).toContain('New size: 3; reason: cpu resource utilization (percentage of request) above target');

    // Idle: the recommendation drops, but the 300 s scale-down stabilization window holds the size.
    perPodCpu = 5;
    const held = (await eventually(async () => {
      const h = (await hpas.get(ns, 'busy')) as Json;
      return h.status?.conditions?.find((c: Json) => c.type === 'AbleToScale' && c.reason === 'ScaleDownStabilized') ? h : undefined;
    }, 10_000, 'scale-down stabilized')) as Json;
    expect(held.status.desiredReplicas).toBe(3);
  });
});
