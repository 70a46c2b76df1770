// The event recorder: events written one at a time in the order recorded (as client-go's broadcaster
// sends them), repeats counted on one Event, timestamps of the moment recorded, and a bounded queue.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../apiserver/client.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { EventRecorder } from '../../controllers/events.ts';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';

const admin = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7' } });

describe('EventRecorder', () => {
  let api: ApiFixture;
  let client: ApiClient;
  beforeEach(async () => {
    api = await apiFixture();
    client = new ApiClient(api.core, admin);
    await client.resource('', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  });
  afterEach(() => api.close());

  const events = async () => (await client.resource('', 'events').list('default')).items;

  it('writes events one at a time, in the order recorded, and flush waits for the last', async () => {
    const recorder = new EventRecorder(client, 'default-scheduler', { host: 'node-1' });
    const store = client.resource('', 'events').store;
    const create = store.create.bind(store);
    let inFlight = 0;
    let most = 0;
    const order: string[] = [];
    store.create = async (...args: Parameters<typeof create>) => {
      most = Math.max(most, ++inFlight);
      try {
        const created = await create(...args);
        order.push(String((created.involvedObject as { name: string }).name));
        return created;
      } finally {
        inFlight--;
      }
    };
    const recordedAt = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (let i = 0; i < 20; i++) recorder.event(pod(`p${i}`), 'Normal', 'Scheduled', `Successfully assigned default/p${i} to n1`);
    await recorder.flush();
    expect(most).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
    const written = await events();
    expect(written).toHaveLength(20);
    const first = written.find((e) => (e.involvedObject as { name: string }).name === 'p0')!;
    expect(first).toMatchObject({
      type: 'Normal',
      reason: 'Scheduled',
      count: 1,
      source: { component: 'default-scheduler', host: 'node-1' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p0', uid: 'uid-p0', resourceVersion: '7' },
      reportingComponent: 'default-scheduler',
      reportingInstance: 'node-1',
    });
    expect(first.metadata.name).toMatch(/^p0\.[0-9a-f]+$/);
    expect(String(first.firstTimestamp) >= recordedAt).toBe(true);
    expect(new Set(written.map((e) => e.metadata.name)).size).toBe(20);
  });

  it('counts a repeated event on one Event', async () => {
    const recorder = new EventRecorder(client, 'deployment-controller');
    const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd1' } };
    for (let i = 0; i < 3; i++) recorder.event(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-1 to 3');
    recorder.event(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled down replica set web-0 to 0');
    await recorder.flush();
    const written = await events();
    expect(written.map((e) => [e.message, e.count])).toEqual(
      expect.arrayContaining([
        ['Scaled up replica set web-1 to 3', 3],
        ['Scaled down replica set web-0 to 0', 1],
      ]),
    );
    expect(written).toHaveLength(2);
  });

  it('drops events when its queue is full, and keeps recording once it drains', async () => {
    const recorder = new EventRecorder(client, 'default-scheduler', { maxQueued: 2 });
    // The first is being written as the next ones are recorded: two wait, two are dropped.
    for (let i = 0; i < 5; i++) recorder.event(pod(`p${i}`), 'Normal', 'Scheduled', `assigned p${i}`);
    await recorder.flush();
    expect(recorder.dropped).toBe(2);
    expect((await events()).map((e) => e.message).sort()).toEqual(['assigned p0', 'assigned p1', 'assigned p2']);
    recorder.event(pod('late'), 'Normal', 'Scheduled', 'assigned late');
    await recorder.flush();
    expect(await events()).toHaveLength(4);
  });

  it('goes on after a write fails', async () => {
    const recorder = new EventRecorder(client, 'default-scheduler');
    // A name the API rejects (not a DNS subdomain): that event is lost, the next is written.
    recorder.event(pod('Bad_Name'), 'Normal', 'Scheduled', 'rejected');
    recorder.event(pod('good'), 'Normal', 'Scheduled', 'written');
    await recorder.flush();
    expect((await events()).map((e) => e.message)).toEqual(['written']);
  });
});
