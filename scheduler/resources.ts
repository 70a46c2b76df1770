// Resource arithmetic of the scheduler: a pod's effective requests (containers, init containers,
// sidecars, overhead, pod-level resources) and a node's allocatable, as plain numbers — CPU in
// millicores, memory and storage in bytes — so that filtering and scoring never parse quantities.
import { milliValue, quantityValue } from '../apiserver/quantity.ts';

type Json = Record<string, any>;

export interface Resources {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Allowed pod count (allocatable only). */
  pods: number;
  /** Extended and hugepages resources, in whole units. */
  scalars: Map<string, number> | undefined;
}

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalars: undefined };
}

/** What the scheduler assumes a container asks for when it asks for nothing (schedutil defaults). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

function quantity(value: unknown, milli: boolean): number {
  if (value === undefined || value === null) return 0;
  try {
    return milli ? milliValue(value as string) : quantityValue(value as string);
  } catch {
    return 0;
  }
}

/** Whether a resource name is one the scheduler accounts as a scalar (extended, hugepages, attachable volumes). */
function isScalarResource(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

function addList(target: Resources, list: Json | undefined): void {
  if (!list) return;
  for (const [name, value] of Object.entries(list)) {
    switch (name) {
      case 'cpu':
        target.milliCpu += quantity(value, true);
        break;
      case 'memory':
        target.memory += quantity(value, false);
        break;
      case 'ephemeral-storage':
        target.ephemeralStorage += quantity(value, false);
        break;
      case 'pods':
        target.pods += quantity(value, false);
        break;
      default:
        if (isScalarResource(name)) {
          target.scalars ??= new Map();
          target.scalars.set(name, (target.scalars.get(name) ?? 0) + quantity(value, false));
        }
    }
  }
}

function add(target: Resources, other: Resources): void {
  target.milliCpu += other.milliCpu;
  target.memory += other.memory;
  target.ephemeralStorage += other.ephemeralStorage;
  target.pods += other.pods;
  if (other.scalars) for (const [name, value] of other.scalars) (target.scalars ??= new Map()).set(name, (target.scalars.get(name) ?? 0) + value);
}

function setMax(target: Resources, other: Resources): void {
  target.milliCpu = Math.max(target.milliCpu, other.milliCpu);
  target.memory = Math.max(target.memory, other.memory);
  target.ephemeralStorage = Math.max(target.ephemeralStorage, other.ephemeralStorage);
  if (other.scalars) for (const [name, value] of other.scalars) (target.scalars ??= new Map()).set(name, Math.max(target.scalars.get(name) ?? 0, value));
}

function fromList(list: Json | undefined): Resources {
  const r = emptyResources();
  addList(r, list);
  return r;
}

export interface PodRequests {
  requests: Resources;
  /** CPU and memory with the scheduler's defaults for containers that request none (for scoring). */
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
}

/**
 * A pod's effective requests: the sum of its containers and restartable init containers (sidecars),
 * or the largest init container (plus the sidecars started before it) if that is more, plus overhead.
 * Pod-level `spec.resources.requests` win for the resources they name.
 */
export function podRequests(spec: Json | undefined): PodRequests {
  const requests = emptyResources();
  let nonZeroMilliCpu = 0;
  let nonZeroMemory = 0;
  const containerNonZero = (container: Json) => {
    const asked = container.resources?.requests ?? {};
    return {
      cpu: asked.cpu !== undefined ? quantity(asked.cpu, true) : defaultMilliCpuRequest,
      memory: asked.memory !== undefined ? quantity(asked.memory, false) : defaultMemoryRequest,
    };
  };
  for (const container of (spec?.containers ?? []) as Json[]) {
    addList(requests, container.resources?.requests);
    const nz = containerNonZero(container);
    nonZeroMilliCpu += nz.cpu;
    nonZeroMemory += nz.memory;
  }
  const sidecars = emptyResources();
  const initMax = emptyResources();
  let sidecarNonZeroCpu = 0;
  let sidecarNonZeroMemory = 0;
  let initNonZeroCpu = 0;
  let initNonZeroMemory = 0;
  for (const container of (spec?.initContainers ?? []) as Json[]) {
    const own = fromList(container.resources?.requests);
    const nz = containerNonZero(container);
    if (container.restartPolicy === 'Always') {
      add(requests, own);
      add(sidecars, own);
      nonZeroMilliCpu += nz.cpu;
      nonZeroMemory += nz.memory;
      sidecarNonZeroCpu += nz.cpu;
      sidecarNonZeroMemory += nz.memory;
      setMax(initMax, sidecars);
    } else {
      const during = emptyResources();
      add(during, own);
      add(during, sidecars);
      setMax(initMax, during);
      initNonZeroCpu = Math.max(initNonZeroCpu, nz.cpu + sidecarNonZeroCpu);
      initNonZeroMemory = Math.max(initNonZeroMemory, nz.memory + sidecarNonZeroMemory);
    }
  }
  setMax(requests, initMax);
  nonZeroMilliCpu = Math.max(nonZeroMilliCpu, initNonZeroCpu);
  nonZeroMemory = Math.max(nonZeroMemory, initNonZeroMemory);
  const podLevel = spec?.resources?.requests as Json | undefined;
  if (podLevel) {
    if (podLevel.cpu !== undefined) requests.milliCpu = nonZeroMilliCpu = quantity(podLevel.cpu, true);
    if (podLevel.memory !== undefined) requests.memory = nonZeroMemory = quantity(podLevel.memory, false);
  }
  if (spec?.overhead) {
    const overhead = fromList(spec.overhead);
    add(requests, overhead);
    nonZeroMilliCpu += overhead.milliCpu;
    nonZeroMemory += overhead.memory;
  }
  requests.pods = 0;
  return { requests, nonZeroMilliCpu, nonZeroMemory };
}

/** A node's allocatable (falling back to capacity, as the kubelet reports both). */
export function nodeAllocatable(node: Json): Resources {
  return fromList(node.status?.allocatable ?? node.status?.capacity);
}

export function addResources(target: Resources, other: Resources, sign: 1 | -1): void {
  target.milliCpu += sign * other.milliCpu;
  target.memory += sign * other.memory;
  target.ephemeralStorage += sign * other.ephemeralStorage;
  if (other.scalars) {
    target.scalars ??= new Map();
    for (const [name, value] of other.scalars) target.scalars.set(name, (target.scalars.get(name) ?? 0) + sign * value);
  }
}
