// The scheduler's pure parts: requests arithmetic, tolerations, node selectors, the FitError text,
// the queue's order and back-off, and the adaptive number of nodes to score.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { fitErrorMessage, unresolvable, unschedulable } from '../../scheduler/framework.ts';
import { NodeInfo } from '../../scheduler/node-info.ts';
import { CompiledNodeSelector } from '../../scheduler/node-selector.ts';
import { PodInfo } from '../../scheduler/pod-info.ts';
import { insufficientResources } from '../../scheduler/plugins/node-resources.ts';
import { SchedulerCache } from '../../scheduler/cache.ts';
import { backoffDuration, SchedulingQueue } from '../../scheduler/queue.ts';
import { podRequests } from '../../scheduler/resources.ts';
import { feasibleNodesToFind, highestScoreIndex } from '../../scheduler/scheduler.ts';
import { tolerates, type Taint } from '../../scheduler/tolerations.ts';

type Json = Record<string, any>;

let uid = 0;
function pod(spec: Json, metadata: Json = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${uid}`, namespace: 'default', uid: `uid-${uid++}`, ...metadata }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } };
}

function node(name: string, allocatable: Json, labels: Record<string, string> = {}): NodeInfo {
  const info = new NodeInfo(name);
  info.setNode({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, status: { allocatable } });
  return info;
}

describe('pod requests', () => {
  it('adds containers and takes the largest init container', () => {
    const { requests, nonZeroMilliCpu, nonZeroMemory } = podRequests({
      containers: [{ resources: { requests: { cpu: '250m', memory: '64Mi' } } }, { resources: { requests: { cpu: '250m' } } }],
      initContainers: [{ resources: { requests: { cpu: '2', memory: '32Mi' } } }],
    });
    expect(requests.milliCpu).toBe(2000);
    expect(requests.memory).toBe(64 * 1024 * 1024);
    // The second container asks no memory: scoring assumes 200Mi for it.
    expect(nonZeroMilliCpu).toBe(2000);
    expect(nonZeroMemory).toBe(64 * 1024 * 1024 + 200 * 1024 * 1024);
  });

  it('counts sidecars (restartable init containers) for the whole pod life, and overhead', () => {
    const { requests } = podRequests({
      containers: [{ resources: { requests: { cpu: '1' } } }],
      initContainers: [
        { restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
        { resources: { requests: { cpu: '1' } } },
      ],
      overhead: { cpu: '100m' },
    });
    // max(1 + 0.5 sidecar, 1 init + 0.5 sidecar) + 0.1 overhead
    expect(requests.milliCpu).toBe(1600);
  });

  it('keeps extended resources apart', () => {
    const { requests } = podRequests({ containers: [{ resources: { requests: { 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' } } }] });
    expect(requests.scalars?.get('example.com/gpu')).toBe(2);
    expect(requests.scalars?.get('hugepages-2Mi')).toBe(4 * 1024 * 1024);
  });
});

describe('NodeResourcesFit', () => {
  it('names every resource that is short, and the pod count', () => {
    const n = node('n1', { cpu: '1', memory: '1Gi', pods: '1' });
    n.addPod(new PodInfo(pod({ containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }] })));
    const incoming = new PodInfo(pod({ containers: [{ name: 'c', resources: { requests: { cpu: '600m', memory: '2Gi', 'example.com/gpu': '1' } } }] }));
    expect(insufficientResources(incoming, n)).toEqual(['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient example.com/gpu']);
  });

  it('frees what a removed pod held', () => {
    const n = node('n1', { cpu: '1', pods: '10' });
    const first = new PodInfo(pod({ containers: [{ name: 'c', resources: { requests: { cpu: '800m' } } }] }));
    n.addPod(first);
    const next = new PodInfo(pod({ containers: [{ name: 'c', resources: { requests: { cpu: '500m' } } }] }));
    expect(insufficientResources(next, n)).toEqual(['Insufficient cpu']);
    n.removePod(first.uid);
    expect(insufficientResources(next, n)).toEqual([]);
  });
});

describe('the scheduler cache', () => {
  const kubeNode = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } });
  const withCpu = (cpu: string) => [{ name: 'c', image: 'x', resources: { requests: { cpu } } }];
  const requestedCpu = (cache: SchedulerCache) => cache.node('n1')!.requested.milliCpu;

  it('counts a pod resized in place with its new requests', () => {
    const cache = new SchedulerCache();
    cache.setNode(kubeNode('n1'));
    const bound = pod({ nodeName: 'n1', containers: withCpu('500m') }, { resourceVersion: '1' });
    cache.setPod(bound);
    expect(requestedCpu(cache)).toBe(500);
    // The resize subresource writes new container resources; labels stay as they were.
    cache.setPod({ ...bound, metadata: { ...bound.metadata, resourceVersion: '2' }, spec: { ...(bound.spec as Json), containers: withCpu('1500m') } });
    expect(requestedCpu(cache)).toBe(1500);
    expect(cache.podCount()).toBe(1);
  });

  it('keeps an assumed pod once its binding is seen, and counts it once', () => {
    const cache = new SchedulerCache();
    cache.setNode(kubeNode('n1'));
    const pending = pod({ containers: withCpu('250m') }, { resourceVersion: '1' });
    const info = new PodInfo(pending);
    cache.assume(info, 'n1');
    expect(requestedCpu(cache)).toBe(250);
    // A binding shares everything but spec.nodeName with the pod it binds.
    cache.setPod({ ...pending, metadata: { ...pending.metadata, resourceVersion: '2' }, spec: { ...(pending.spec as Json), nodeName: 'n1' } });
    expect(cache.isAssumed(info.uid)).toBe(false);
    expect(cache.node('n1')!.pods).toEqual([info]);
    expect(requestedCpu(cache)).toBe(250);
  });
});

describe('tolerations', () => {
  const taint: Taint = { key: 'dedicated', value: 'infra', effect: 'NoSchedule' };
  it.each([
    [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'infra' }, true],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true],
    [{ key: 'dedicated', value: 'other' }, false],
    [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ value: 'infra' }, false],
  ])('%j tolerates dedicated=infra:NoSchedule: %s', (toleration, expected) => {
    expect(tolerates(toleration, taint)).toBe(expected);
  });
});

describe('node selectors', () => {
  const labels = { zone: 'a', size: '8', 'kubernetes.io/hostname': 'n1' };
  const matches = (terms: Json[]) => CompiledNodeSelector.compile({ nodeSelectorTerms: terms })!.matches({ name: 'n1', labels });
  it('ANDs expressions within a term and ORs terms', () => {
    expect(matches([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }, { key: 'size', operator: 'Gt', values: ['4'] }] }])).toBe(true);
    expect(matches([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }])).toBe(true);
    expect(matches([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }])).toBe(false);
    expect(matches([{ matchExpressions: [{ key: 'size', operator: 'Lt', values: ['4'] }] }])).toBe(false);
  });
  it('matches fields on the node name and never matches empty or invalid terms', () => {
    expect(matches([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }])).toBe(true);
    expect(matches([{}])).toBe(false);
    expect(matches([{ matchExpressions: [{ key: 'size', operator: 'Gt', values: ['x'] }] }])).toBe(false);
    expect(CompiledNodeSelector.compile({ nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }] }] })!.pinnedNodeNames()).toEqual(new Set(['n1', 'n2']));
  });
});

describe('the FitError message', () => {
  it('counts reasons across nodes, sorted, then adds the preemption message', () => {
    const statuses = new Map([
      ['a', unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')],
      ['b', unschedulable('Insufficient cpu')],
      ['c', unschedulable('Insufficient cpu', 'Insufficient memory')],
    ]);
    expect(fitErrorMessage(3, { nodeStatuses: statuses, unschedulablePlugins: new Set() }, 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.')).toBe(
      '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });
  it('uses a PreFilter message alone and gives nodes PreFilter ruled out their own reason', () => {
    expect(fitErrorMessage(2, { nodeStatuses: new Map(), preFilterMessage: 'persistentvolumeclaim "data" not found', unschedulablePlugins: new Set() })).toBe('0/2 nodes are available: persistentvolumeclaim "data" not found.');
    expect(fitErrorMessage(3, { nodeStatuses: new Map([['a', unschedulable('Too many pods')]]), absentStatus: unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]"), unschedulablePlugins: new Set() })).toBe(
      "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].",
    );
  });
});

describe('the scheduling queue', () => {
  it('pops by priority, then by arrival', () => {
    let now = 1000;
    const queue = new SchedulingQueue(() => now++);
    const low = new PodInfo(pod({ priority: 0 }));
    const high = new PodInfo(pod({ priority: 100 }));
    const lowLater = new PodInfo(pod({ priority: 0 }));
    queue.add(low);
    queue.add(high);
    queue.add(lowLater);
    expect([queue.tryPop()!.info, queue.tryPop()!.info, queue.tryPop()!.info]).toEqual([high, low, lowLater]);
    queue.close();
  });

  it('parks unschedulable pods until a relevant event, honouring back-off', () => {
    let now = 0;
    const queue = new SchedulingQueue(() => now);
    const info = new PodInfo(pod({}));
    queue.add(info);
    const item = queue.tryPop()!;
    const cycle = queue.cycle;
    item.unschedulablePlugins = new Set(['NodeResourcesFit']);
    queue.addUnschedulable(item, cycle);
    expect(queue.counts()).toMatchObject({ active: 0, unschedulable: 1 });
    queue.moveAllToActiveOrBackoff((i) => i.unschedulablePlugins.has('TaintToleration'));
    expect(queue.counts().unschedulable).toBe(1);
    now += 5000; // past its first back-off (1 s)
    queue.moveAllToActiveOrBackoff((i) => i.unschedulablePlugins.has('NodeResourcesFit'));
    expect(queue.counts()).toMatchObject({ active: 1, unschedulable: 0 });
    queue.close();
  });

  it('backs off only when the cluster changed during the attempt', () => {
    const now = 0;
    const queue = new SchedulingQueue(() => now);
    queue.add(new PodInfo(pod({})));
    const item = queue.tryPop()!;
    const cycle = queue.cycle;
    queue.moveAllToActiveOrBackoff(); // a node was added while this pod was being scheduled
    queue.addUnschedulable(item, cycle);
    expect(queue.counts()).toMatchObject({ backoff: 1, unschedulable: 0 });
    queue.close();
  });

  it('doubles the back-off from 1 s up to 10 s', () => {
    expect([1, 2, 3, 4, 5, 9].map(backoffDuration)).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });
});

describe('nodes to score', () => {
  it('is every node below 100, then an adaptive share of at least 100', () => {
    expect(feasibleNodesToFind(50)).toBe(50);
    expect(feasibleNodesToFind(500)).toBe(230);
    expect(feasibleNodesToFind(5000)).toBe(500);
    expect(feasibleNodesToFind(150)).toBe(100);
    expect(feasibleNodesToFind(500, 100)).toBe(500);
  });
});

describe('choosing among the best scores', () => {
  it('takes the highest score, and each tied node alike', () => {
    expect(highestScoreIndex(new Float64Array([10, 30, 20]))).toBe(1);
    const scores = new Float64Array([50, 90, 10, 90, 90, 89]);
    // The draw picks among the three tied nodes (indexes 1, 3 and 4) in equal thirds of [0, 1).
    expect(highestScoreIndex(scores, () => 0)).toBe(1);
    expect(highestScoreIndex(scores, () => 0.34)).toBe(3);
    expect(highestScoreIndex(scores, () => 0.67)).toBe(4);
    expect(highestScoreIndex(scores, () => 0.9999)).toBe(4);
    const picked = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const index = highestScoreIndex(scores, () => i / 300);
      picked.set(index, (picked.get(index) ?? 0) + 1);
    }
    expect(Object.fromEntries(picked)).toEqual({ 1: 100, 3: 100, 4: 100 });
  });
});
