// Taints and tolerations (k8s.io/api/core/v1 helpers): which toleration tolerates which taint,
// shared by the scheduler's TaintToleration plugin, the taint eviction controller and admission.

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Whether a toleration tolerates a taint: matching effect (empty = all), key (empty + Exists = all) and value. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== '' && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case '':
    case 'Equal':
      // An empty key with Equal never matches (validation forbids it); Kubernetes compares values.
      if (!toleration.key) return false;
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function toleratedBy(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const toleration of tolerations) if (tolerates(toleration, taint)) return true;
  return false;
}

/** The first taint (for which `relevant` holds) that none of the tolerations tolerates. */
export function firstUntoleratedTaint(taints: Taint[] | undefined, tolerations: Toleration[] | undefined, relevant: (taint: Taint) => boolean): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) if (relevant(taint) && !toleratedBy(tolerations, taint)) return taint;
  return undefined;
}

export const noScheduleOrExecute = (taint: Taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';

/** The taint keys Kubernetes' node controllers and the kubelet put on nodes. */
export const nodeTaintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  unschedulable: 'node.kubernetes.io/unschedulable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
} as const;
