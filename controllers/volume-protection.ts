// Storage object in-use protection, as Kubernetes does it: admission gives every new claim the
// kubernetes.io/pvc-protection finalizer and every new volume kubernetes.io/pv-protection; this
// controller (kube-controller-manager's pvc-protection and pv-protection controllers) removes them
// once a deleted claim is used by no scheduled pod, and once a deleted volume is no longer Bound.
// Until then the object stays Terminating: deleting a claim that a running pod uses does not take
// the pod's data away.
import type { AdmissionPlugin } from '../apiserver/admission/types.ts';
import type { ApiClient } from '../apiserver/client.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { Controller } from './controller.ts';
import { removeFinalizer } from './finalizers.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';

type Json = Record<string, any>;

export const pvcProtectionFinalizer = 'kubernetes.io/pvc-protection';
export const pvProtectionFinalizer = 'kubernetes.io/pv-protection';

export function storageObjectInUseProtectionAdmission(): AdmissionPlugin {
  return {
    name: 'StorageObjectInUseProtection',
    mutate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== '' || operation !== 'CREATE' || !object || attributes.subresource) return;
      const finalizer = description.plural === 'persistentvolumeclaims' ? pvcProtectionFinalizer : description.plural === 'persistentvolumes' ? pvProtectionFinalizer : undefined;
      if (!finalizer) return;
      const finalizers = object.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) object.metadata.finalizers = [...finalizers, finalizer];
    },
  };
}

/**
 * The claims a pod's volumes name: persistentVolumeClaim volumes, and the `<pod>-<volume>` claims of ephemeral
 * ones (those only while the pod runs, unless `finished` is true).
 */
function claimsOf(pod: KubeObject, finished = true): string[] {
  const phase = (pod.status as Json | undefined)?.phase;
  const running = phase !== 'Succeeded' && phase !== 'Failed';
  const claims: string[] = [];
  for (const volume of ((pod.spec as Json | undefined)?.volumes ?? []) as Json[]) {
    if (volume.persistentVolumeClaim?.claimName) claims.push(volume.persistentVolumeClaim.claimName);
    else if (volume.ephemeral && (finished || running)) claims.push(`${pod.metadata.name}-${volume.name}`);
  }
  return claims;
}

/** Whether the pod holds the claim: the kubelet may be using it once the pod is scheduled. */
function podUsesClaim(pod: KubeObject, claim: string): boolean {
  return Boolean((pod.spec as Json | undefined)?.nodeName) && claimsOf(pod, false).includes(claim);
}

export class VolumeProtectionController extends Controller {
  readonly name = 'volume-protection-controller';

  /** Claims and volumes are written by the two users of Kubernetes' two controllers (their RBAC roles). */
  constructor(
    private readonly informers: InformerFactory,
    private readonly clients: { claims: ApiClient; volumes: ApiClient },
  ) {
    super();
  }

  setup(): void {
    const claims = this.informers.informer('', 'persistentvolumeclaims');
    const claimChanged = (claim: KubeObject) => claim.metadata.deletionTimestamp && this.queue.add(`claim:${objectKey(claim)}`);
    claims.addHandlers({ add: claimChanged, update: (_old, claim) => claimChanged(claim) });
    const volumeChanged = (volume: KubeObject) => volume.metadata.deletionTimestamp && this.queue.add(`volume:${volume.metadata.name}`);
    this.informers.informer('', 'persistentvolumes').addHandlers({ add: volumeChanged, update: (_old, volume) => volumeChanged(volume) });
    // A pod that goes away (or finishes) may free a claim that waits to be deleted.
    const podChanged = (pod: KubeObject) => {
      for (const claim of claimsOf(pod)) {
        const object = claims.get(pod.metadata.namespace, claim);
        if (object?.metadata.deletionTimestamp) this.queue.add(`claim:${pod.metadata.namespace}/${claim}`);
      }
    };
    this.informers.informer('', 'pods').addHandlers({ update: (_old, pod) => podChanged(pod), delete: podChanged });
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('claim:')) {
      const { namespace, name } = splitKey(key.slice(6));
      const claim = this.informers.informer('', 'persistentvolumeclaims').get(namespace, name);
      if (!claim?.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(pvcProtectionFinalizer)) return;
      if (this.informers.informer('', 'pods').list(namespace).some((pod) => podUsesClaim(pod, name))) return;
      await removeFinalizer(this.clients.claims.resource('', 'persistentvolumeclaims'), claim, pvcProtectionFinalizer);
    } else {
      const volume = this.informers.informer('', 'persistentvolumes').get(undefined, key.slice(7));
      if (!volume?.metadata.deletionTimestamp || !volume.metadata.finalizers?.includes(pvProtectionFinalizer)) return;
      if ((volume.status as Json | undefined)?.phase === 'Bound') return;
      await removeFinalizer(this.clients.volumes.resource('', 'persistentvolumes'), volume, pvProtectionFinalizer);
    }
  }
}
