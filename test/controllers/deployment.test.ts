// Deployments, ReplicaSets and the garbage collector in process. Pods are marked Running/Ready by
// the test-only kubelet stand-in (nothing runs pods until the kubelet-bridge exists).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { podTemplateHash, safeEncode } from '../../controllers/deployment.ts';
import { controllerFixture, eventually, type ControllerFixture } from './fixture.ts';

type Json = Record<string, any>;

function deployment(name: string, replicas: number, extra: Json = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'busybox:1', command: ['sleep', '3600'] }] } },
      ...extra,
    },
  };
}

describe('pod-template-hash', () => {
  it('encodes like Kubernetes (digits mapped into the vowel-free alphabet)', () => {
    expect(safeEncode('0123456789')).toBe('456789bcdf');
    const hash = podTemplateHash({ metadata: { labels: { a: 'b' } } });
    expect(hash).toMatch(/^[456789bcdf]{1,10}$/);
    expect(podTemplateHash({ metadata: { labels: { a: 'b' } } }, 1)).not.toBe(hash);
  });
});

describe('deployment controller', () => {
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture();
  });
  afterAll(() => f.close());

  const deployments = () => f.admin.resource('apps', 'deployments');
  const replicaSets = () => f.admin.resource('apps', 'replicasets');
  const pods = () => f.admin.resource('', 'pods');
  const events = async (ns: string) => (await f.admin.resource('', 'events').list(ns)).items as Json[];
  const complete = async (ns: string, name: string, replicas: number) => {
    const d = (await deployments().get(ns, name)) as Json;
    const s = d.status ?? {};
    return s.observedGeneration >= d.metadata.generation && s.updatedReplicas === replicas && s.replicas === replicas && s.availableReplicas === replicas ? d : undefined;
  };

  it('creates a ReplicaSet named by the template hash, its pods, and a complete status', async () => {
    const ns = await f.namespace('d1');
    await deployments().create({ ...deployment('web', 3), metadata: { name: 'web', namespace: ns } });
    const d = await eventually(() => complete(ns, 'web', 3), 10_000, 'deployment complete');
    const rsList = (await replicaSets().list(ns)).items;
    expect(rsList).toHaveLength(1);
    const rs = rsList[0]! as Json;
    const hash = rs.metadata.labels['pod-template-hash'];
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    const podList = (await pods().list(ns)).items;
    expect(podList).toHaveLength(3);
    for (const pod of podList) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, controller: true });
    }
    const conditions = Object.fromEntries(d.status.conditions.map((c: Json) => [c.type, c]));
    expect(conditions.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(conditions.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rs.metadata.name}" has successfully progressed.` });
    const recorded = await eventually(async () => {
      const list = await events(ns);
      return list.some((e) => e.reason === 'ScalingReplicaSet') && list.filter((e) => e.reason === 'SuccessfulCreate').length === 3 ? list : undefined;
    });
    const scaling = recorded.find((e) => e.reason === 'ScalingReplicaSet')!;
    expect(scaling).toMatchObject({
      type: 'Normal',
      message: `Scaled up replica set ${rs.metadata.name} from 0 to 3`,
      source: { component: 'deployment-controller' },
      reportingComponent: 'deployment-controller',
      involvedObject: { kind: 'Deployment', name: 'web', namespace: ns, apiVersion: 'apps/v1', uid: d.metadata.uid },
      count: 1,
    });
    expect(recorded.find((e) => e.reason === 'SuccessfulCreate')!.message).toMatch(/^Created pod: web-/);
  });

  it('rolls out a new template within maxSurge/maxUnavailable and keeps the revision history', async () => {
    const ns = await f.namespace('d2');
    await deployments().create({ ...deployment('app', 4), metadata: { name: 'app', namespace: ns } });
    await eventually(() => complete(ns, 'app', 4));
    let maxPods = 0;
    let minAvailable = Infinity;
    const watch = setInterval(async () => {
      const list = (await pods().list(ns)).items.filter((p) => !p.metadata.deletionTimestamp);
      maxPods = Math.max(maxPods, list.length);
      const d = (await deployments().get(ns, 'app')) as Json;
      minAvailable = Math.min(minAvailable, d.status?.availableReplicas ?? 0);
    }, 20);
    await deployments().modify(ns, 'app', (d) => {
      (d.spec as Json).template.spec.containers[0].image = 'busybox:2';
      return d;
    });
    const done = await eventually(async () => {
      const d = await complete(ns, 'app', 4);
      return d && d.metadata.annotations['deployment.kubernetes.io/revision'] === '2' ? d : undefined;
    }, 15_000);
    clearInterval(watch);
    expect(maxPods).toBeLessThanOrEqual(5); // 4 + maxSurge 25% (1)
    expect(minAvailable).toBeGreaterThanOrEqual(3); // 4 - maxUnavailable 25% (1)
    const rsList = (await replicaSets().list(ns)).items as Json[];
    expect(rsList).toHaveLength(2);
    const byRevision = Object.fromEntries(rsList.map((rs) => [rs.metadata.annotations['deployment.kubernetes.io/revision'], rs]));
    expect(byRevision['1'].spec.replicas).toBe(0);
    expect(byRevision['2'].spec.replicas).toBe(4);
    expect(byRevision['2'].spec.template.spec.containers[0].image).toBe('busybox:2');
    expect(done.status.conditions.find((c: Json) => c.type === 'Progressing').reason).toBe('NewReplicaSetAvailable');
    const messages = (await events(ns)).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
    expect(messages).toContain(`Scaled up replica set ${byRevision['2'].metadata.name} from 0 to 1`);
    expect(messages.some((m: string) => m.startsWith(`Scaled down replica set ${byRevision['1'].metadata.name} from 4 to `))).toBe(true);

    // Rolling back to revision 1's template (what `kubectl rollout undo` does client-side) reuses its ReplicaSet.
    const template = structuredClone(byRevision['1'].spec.template);
    delete template.metadata.labels['pod-template-hash'];
    await deployments().modify(ns, 'app', (d) => ({ ...d, spec: { ...(d.spec as Json), template } }));
    await eventually(async () => {
      const d = await complete(ns, 'app', 4);
      return d && d.metadata.annotations['deployment.kubernetes.io/revision'] === '3' ? d : undefined;
    }, 15_000);
    const old = (await replicaSets().get(ns, byRevision['1'].metadata.name)) as Json;
    expect(old.metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
    expect(old.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(old.spec.replicas).toBe(4);
  });

  it('scales, recreates, pauses and cleans old ReplicaSets beyond revisionHistoryLimit', async () => {
    const ns = await f.namespace('d3');
    await deployments().create({ ...deployment('r', 2, { strategy: { type: 'Recreate' }, revisionHistoryLimit: 1 }), metadata: { name: 'r', namespace: ns } });
    await eventually(() => complete(ns, 'r', 2));
    await deployments().modify(ns, 'r', (d) => ({ ...d, spec: { ...(d.spec as Json), replicas: 3 } }));
    await eventually(() => complete(ns, 'r', 3));
    for (const image of ['busybox:2', 'busybox:3']) {
      await deployments().modify(ns, 'r', (d) => {
        (d.spec as Json).template.spec.containers[0].image = image;
        return d;
      });
      await eventually(async () => {
        const d = await complete(ns, 'r', 3);
        return d && d.spec.template.spec.containers[0].image === image ? d : undefined;
      }, 15_000);
    }
    await eventually(async () => (await replicaSets().list(ns)).items.length === 2, 10_000, 'history limited to 1 old ReplicaSet');
    await deployments().modify(ns, 'r', (d) => ({ ...d, spec: { ...(d.spec as Json), paused: true } }));
    const paused = await eventually(async () => {
      const d = (await deployments().get(ns, 'r')) as Json;
      return d.status.conditions.find((c: Json) => c.type === 'Progressing' && c.reason === 'DeploymentPaused') ? d : undefined;
    });
    expect(paused.status.conditions.find((c: Json) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    await deployments().modify(ns, 'r', (d) => {
      (d.spec as Json).template.spec.containers[0].image = 'busybox:4';
      return d;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await replicaSets().list(ns)).items.every((rs) => (rs.spec as Json).template.spec.containers[0].image !== 'busybox:4')).toBe(true);
  });

  it('reports ProgressDeadlineExceeded when the new pods never become ready', async () => {
    const ns = await f.namespace('d4');
    const stuck = deployment('stuck', 1, { progressDeadlineSeconds: 1 });
    (stuck.spec as Json).template.metadata.labels.pending = 'yes';
    const standIn = f.kubelet as unknown as { options: { outcome?: (pod: KubeObject) => string } };
    standIn.options.outcome = (pod) => (pod.metadata.labels?.pending === 'yes' ? 'Pending' : 'Running');
    await deployments().create({ ...stuck, metadata: { name: 'stuck', namespace: ns } });
    const d = await eventually(async () => {
      const current = (await deployments().get(ns, 'stuck')) as Json;
      return current.status?.conditions?.find((c: Json) => c.type === 'Progressing' && c.status === 'False') ? current : undefined;
    }, 10_000);
    const progressing = d.status.conditions.find((c: Json) => c.type === 'Progressing');
    expect(progressing.reason).toBe('ProgressDeadlineExceeded');
    expect(progressing.message).toMatch(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    expect(d.status.conditions.find((c: Json) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    delete standIn.options.outcome;
  });
});

describe('garbage collector', () => {
  let f: ControllerFixture;
  beforeAll(async () => {
    f = await controllerFixture();
  });
  afterAll(() => f.close());

  const deployments = () => f.admin.resource('apps', 'deployments');
  const countIn = async (ns: string) => ({ rs: (await f.admin.resource('apps', 'replicasets').list(ns)).items.length, pods: (await f.admin.resource('', 'pods').list(ns)).items.length });

  it('deletes dependents in the background, in the foreground, or orphans them', async () => {
    const ns = await f.namespace('gc');
    for (const name of ['bg', 'fg', 'orphan']) {
      await deployments().create({ ...deployment(name, 2), metadata: { name, namespace: ns } });
    }
    await eventually(async () => (await countIn(ns)).pods === 6);

    await deployments().delete(ns, 'bg', { propagationPolicy: 'Background' });
    await eventually(async () => {
      const pods = (await f.admin.resource('', 'pods').list(ns)).items;
      return !pods.some((p) => p.metadata.labels?.app === 'bg');
    }, 10_000, 'background cascade');

    const fg = await deployments().delete(ns, 'fg', { propagationPolicy: 'Foreground' });
    expect(fg.deleted).toBe(false);
    expect(fg.object.metadata.finalizers).toContain('foregroundDeletion');
    await eventually(async () => !(await deployments().find(ns, 'fg')), 10_000, 'foreground deletion finished');
    expect((await f.admin.resource('', 'pods').list(ns)).items.some((p) => p.metadata.labels?.app === 'fg')).toBe(false);

    await deployments().delete(ns, 'orphan', { propagationPolicy: 'Orphan' });
    await eventually(async () => !(await deployments().find(ns, 'orphan')), 10_000, 'orphaning finished');
    const left = (await f.admin.resource('apps', 'replicasets').list(ns)).items;
    expect(left).toHaveLength(1);
    expect(left[0]!.metadata.ownerReferences).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await countIn(ns)).pods).toBe(2);
  });
});
