// An in-process cluster for scheduler and controller tests: the API core over the memory datastore
// (with every admission plugin), the controller manager, and the scheduler — no HTTP, no processes.
import { pino } from 'pino';
import { bootstrapCluster } from '../../apiserver/bootstrap.ts';
import { ApiClient } from '../../apiserver/client.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { ControllerManager, type ControllerManagerOptions } from '../../controllers/manager.ts';
import { ensureSystemPriorityClasses } from '../../scheduler/priority-admission.ts';
import { Scheduler } from '../../scheduler/scheduler.ts';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';

type Json = Record<string, any>;

export const admin = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

export interface TestCluster {
  api: ApiFixture;
  client: ApiClient;
  manager: ControllerManager;
  scheduler: Scheduler | undefined;
  /** Creates a Node with this capacity (allocatable = capacity) and Ready=True. */
  addNode(name: string, options?: NodeOptions): Promise<KubeObject>;
  addPod(namespace: string, name: string, spec?: Json, metadata?: Json): Promise<KubeObject>;
  get(group: string, plural: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  /** Events in a namespace, with the given reason. */
  events(namespace: string, reason?: string): Promise<KubeObject[]>;
  close(): Promise<void>;
}

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Json[];
  unschedulable?: boolean;
}

export async function testCluster(options: Partial<ControllerManagerOptions> & { scheduler?: boolean } = {}): Promise<TestCluster> {
  const api = await apiFixture();
  const core = api.core;
  await bootstrapCluster(core, { serviceCidr: '10.43.0.0/16', apiserverPort: 6443 });
  await ensureSystemPriorityClasses(core);
  const log = pino({ level: 'silent' });
  const manager = new ControllerManager(core, log, { caPem: 'test-ca', ...options });
  manager.start();
  const scheduler = options.scheduler === false ? undefined : new Scheduler(core, manager.informers, log, { host: 'test' });
  scheduler?.start();
  const client = new ApiClient(core, admin);
  // Pods need their namespace's default ServiceAccount (admission); the controller makes it.
  await waitFor(async () => Boolean(await client.resource('', 'serviceaccounts').find('default', 'default')));
  return {
    api,
    client,
    manager,
    scheduler,
    addNode: (name, node = {}) => {
      const capacity = { cpu: node.cpu ?? '4', memory: node.memory ?? '8Gi', pods: node.pods ?? '110' };
      return client.resource('', 'nodes').create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name, ...node.labels } },
        spec: { taints: node.taints, unschedulable: node.unschedulable },
        status: {
          capacity,
          allocatable: capacity,
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString().slice(0, 19) + 'Z', lastTransitionTime: new Date().toISOString().slice(0, 19) + 'Z' }],
        },
      });
    },
    addPod: (namespace, name, spec = {}, metadata = {}) =>
      client.resource('', 'pods').create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, ...metadata },
        spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
      }),
    get: (group, plural, namespace, name) => client.resource(group, plural).find(namespace, name),
    events: async (namespace, reason) => (await client.resource('', 'events').list(namespace)).items.filter((e) => !reason || e.reason === reason),
    close: async () => {
      await scheduler?.stop();
      await manager.stop();
      await api.close();
    },
  };
}

/** Polls `check` until it holds (bounded: 10 s by default). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function nodeOf(pod: KubeObject | undefined): string | undefined {
  return (pod?.spec as Json | undefined)?.nodeName;
}

export function condition(object: KubeObject | undefined, type: string): Json | undefined {
  return ((object?.status as Json | undefined)?.conditions ?? []).find((c: Json) => c.type === type);
}

/** Plays the kubelet for a pod: Running with an IP, Ready or not. */
export async function markRunning(cluster: TestCluster, namespace: string, name: string, ip: string, ready = true): Promise<void> {
  await cluster.client.resource('', 'pods').modify(namespace, name, (pod) => {
    const now = new Date().toISOString().slice(0, 19) + 'Z';
    pod.status = {
      ...(pod.status as Json),
      phase: 'Running',
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
    };
    return pod;
  }, { subresource: 'status' });
}
