// Which PersistentVolume a claim may bind to (the PV controller's findMatchingVolume): class,
// access modes, volume mode, capacity, label selector, pre-binding through claimRef, and — for
// WaitForFirstConsumer claims — the node the scheduler chose. Shared by the PV binder and the
// scheduler's VolumeBinding plugin.
import { quantityValue } from '../apiserver/quantity.ts';
import { labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { volumeNodeAffinityMatches, type NodeLike } from '../scheduler/node-selector.ts';

type Json = Record<string, any>;

export const noProvisioner = 'kubernetes.io/no-provisioner';

/** The claim's StorageClass name ("" for none), honouring the beta annotation first, as Kubernetes. */
export function claimClass(pvc: KubeObject): string {
  return pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? ((pvc.spec as Json | undefined)?.storageClassName as string | undefined) ?? '';
}

export function volumeClass(pv: KubeObject): string {
  return pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? ((pv.spec as Json | undefined)?.storageClassName as string | undefined) ?? '';
}

export function storageBytes(value: unknown): number {
  if (value === undefined || value === null) return 0;
  try {
    return quantityValue(value as string);
  } catch {
    return 0;
  }
}

/** Whether the claim waits for a consumer pod before it binds (its class says WaitForFirstConsumer). */
export function isDelayedBinding(pvc: KubeObject, storageClass: KubeObject | undefined): boolean {
  if (!claimClass(pvc)) return false;
  return (storageClass as Json | undefined)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Whether a PV's claimRef names this claim (uid too, when the claimRef has one). */
export function isVolumeBoundToClaim(pv: KubeObject, pvc: KubeObject): boolean {
  const ref = (pv.spec as Json | undefined)?.claimRef as Json | undefined;
  if (!ref) return false;
  if (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

function accessModesContain(volume: string[], wanted: string[]): boolean {
  for (const mode of wanted) if (!volume.includes(mode)) return false;
  return true;
}

/**
 * The best PV for the claim: one pre-bound to it, else the smallest Available one that satisfies it.
 * `node` (WaitForFirstConsumer) restricts to volumes reachable from that node; `exclude` skips
 * volumes already promised to other claims of the same pod.
 */
export function findMatchingVolume(pvc: KubeObject, volumes: Iterable<KubeObject>, options: { node?: NodeLike; exclude?: Set<string> } = {}): KubeObject | undefined {
  const spec: Json = (pvc.spec as Json | undefined) ?? {};
  const requested = storageBytes(spec.resources?.requests?.storage);
  const wantedClass = claimClass(pvc);
  const wantedModes: string[] = spec.accessModes ?? [];
  const wantedMode = spec.volumeMode ?? 'Filesystem';
  let selector;
  try {
    selector = spec.selector ? labelSelectorFromObject(spec.selector) : undefined;
  } catch {
    return undefined;
  }
  let best: KubeObject | undefined;
  let bestSize = Infinity;
  for (const pv of volumes) {
    const pvSpec: Json = (pv.spec as Json | undefined) ?? {};
    if (options.exclude?.has(pv.metadata.name!)) continue;
    if ((pvSpec.volumeMode ?? 'Filesystem') !== wantedMode) continue;
    if (options.node && !volumeNodeAffinityMatches(pv as Json, options.node)) continue;
    const size = storageBytes(pvSpec.capacity?.storage);
    if (isVolumeBoundToClaim(pv, pvc)) return pv; // pre-bound (by an admin or the scheduler)
    if (pvSpec.claimRef || pv.metadata.deletionTimestamp) continue;
    if ((pv.status as Json | undefined)?.phase && (pv.status as Json).phase !== 'Available') continue;
    if (volumeClass(pv) !== wantedClass) continue;
    if (selector && !selector.matches(pv.metadata.labels)) continue;
    if (size < requested) continue;
    if (!accessModesContain(pvSpec.accessModes ?? [], wantedModes)) continue;
    if (size < bestSize) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}
