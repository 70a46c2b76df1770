// An in-process control plane for controller tests: the API core over a memory datastore, the
// controller manager, an admin client, and the test-only kubelet stand-in (pods never run
// otherwise until the kubelet-bridge exists).
import { pino } from 'pino';
import { startApiCore } from '../../apiserver/api.ts';
import { ApiClient } from '../../apiserver/client.ts';
import type { ApiCore } from '../../apiserver/core.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import type { PodMetricsSource } from '../../controllers/horizontal-pod-autoscaler.ts';
import { ControllerManager } from '../../controllers/manager.ts';
import { MemoryDatastore } from '../support/memory-datastore.ts';
import { KubeletStandIn, type StandInOptions } from './kubelet-stand-in.ts';

type Json = Record<string, any>;

export interface ControllerFixture {
  core: ApiCore;
  manager: ControllerManager;
  admin: ApiClient;
  kubelet: KubeletStandIn;
  /** Creates a namespace for one test. */
  namespace(name: string): Promise<string>;
  close(): Promise<void>;
}

export const adminUser = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

export async function controllerFixture(options: StandInOptions & { kubelet?: boolean; metrics?: PodMetricsSource; hpaSyncMs?: number } = {}): Promise<ControllerFixture> {
  const core = await startApiCore(new MemoryDatastore(), pino({ level: 'silent' }));
  const admin = new ApiClient(core, adminUser);
  const manager = new ControllerManager(core, pino({ level: 'silent' }), { caPem: 'test-ca', metrics: options.metrics, hpaSyncMs: options.hpaSyncMs });
  manager.start();
  const pods = admin.resource('', 'pods');
  const kubelet = new KubeletStandIn(
    {
      list: async () => (await pods.list()).items,
      writeStatus: async (pod, status) => {
        await pods.modify(pod.metadata.namespace, pod.metadata.name!, (current) => {
          if (current.metadata.uid !== pod.metadata.uid) throw new Error('replaced');
          return { ...current, status };
        }, { subresource: 'status' });
      },
      finalDelete: async (pod) => {
        await pods.delete(pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      },
      bind: async (pod, node) => {
        await core.storeFor('', 'pods').guaranteedUpdate(pod.metadata.namespace, pod.metadata.name!, (current: KubeObject) => {
          const spec = current.spec as Json;
          if (spec.nodeName) throw new Error('already bound');
          spec.nodeName = node;
          return current;
        }, { user: adminUser, subresource: 'binding' });
      },
    },
    options,
  );
  if (options.kubelet !== false) kubelet.start();
  return {
    core,
    manager,
    admin,
    kubelet,
    namespace: async (name) => {
      await admin.resource('', 'namespaces').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    close: async () => {
      await kubelet.stop();
      await manager.stop();
      core.stop();
    },
  };
}

/** Polls `probe` until it returns a truthy value (bounded by `timeoutMs`). */
export async function eventually<T>(probe: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
