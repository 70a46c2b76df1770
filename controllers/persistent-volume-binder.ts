// The PersistentVolume binder (kube-controller-manager's persistentvolume-binder): claims bind to
// matching volumes, both sides recording it (claimRef, volumeName, the bind-completed and
// bound-by-controller annotations, phases Bound); claims no volume satisfies are handed to their
// class's provisioner (or wait for their first consumer); volumes whose claim is gone turn
// Released and are reclaimed as their policy says.
import type { ApiClient } from '../apiserver/client.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { EventSink } from './events.ts';
import { boundByControllerAnnotation, selectedNodeAnnotation } from '../scheduler/plugins/volume-binding.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';
import { claimClass, findMatchingVolume, isDelayedBinding, isVolumeBoundToClaim, volumeClass } from './persistent-volume-matching.ts';

type Json = Record<string, any>;

export const bindCompletedAnnotation = 'pv.kubernetes.io/bind-completed';
export const provisionedByAnnotation = 'pv.kubernetes.io/provisioned-by';
export const storageProvisionerAnnotation = 'volume.kubernetes.io/storage-provisioner';
export const betaStorageProvisionerAnnotation = 'volume.beta.kubernetes.io/storage-provisioner';

function claimRef(claim: KubeObject): Json {
  return { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
}

const resyncMs = 15_000;

export class PersistentVolumeBinder extends Controller {
  readonly name = 'persistentvolume-binder';
  private resync: NodeJS.Timeout | undefined;

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly events: EventSink,
  ) {
    super();
  }

  setup(): void {
    const claimChanged = (claim: KubeObject) => this.queue.add(`claim:${objectKey(claim)}`);
    this.informers.informer('', 'persistentvolumeclaims').addHandlers({
      add: claimChanged,
      update: (_old, claim) => claimChanged(claim),
      // Its volume is released.
      delete: (claim) => {
        const volume = (claim.spec as Json | undefined)?.volumeName;
        if (volume) this.queue.add(`volume:${volume}`);
      },
    });
    const volumeChanged = (volume: KubeObject) => {
      this.queue.add(`volume:${volume.metadata.name}`);
      const ref = (volume.spec as Json | undefined)?.claimRef;
      if (ref?.name && ref.namespace) this.queue.add(`claim:${ref.namespace}/${ref.name}`);
      // A free volume may be what a pending claim of its class waits for.
      else this.pendingClaims().forEach((c) => claimClass(c) === volumeClass(volume) && claimChanged(c));
    };
    this.informers.informer('', 'persistentvolumes').addHandlers({ add: volumeChanged, update: (_old, v) => volumeChanged(v) });
    // A new default or WaitForFirstConsumer class may let pending claims proceed.
    this.informers.informer('storage.k8s.io', 'storageclasses').addHandlers({ add: () => this.pendingClaims().forEach(claimChanged) });
  }

  private pendingClaims(): KubeObject[] {
    return this.informers.informer('', 'persistentvolumeclaims').list().filter((c) => !(c.spec as Json | undefined)?.volumeName && !c.metadata.deletionTimestamp);
  }

  override start(log: Parameters<Controller['start']>[0]): void {
    super.start(log);
    // As kube-controller-manager's --pvclaimbinder-sync-period: look at pending claims again now and then.
    this.resync = setInterval(() => this.pendingClaims().forEach((c) => this.queue.add(`claim:${objectKey(c)}`)), resyncMs);
    this.resync.unref?.();
  }

  override async stop(): Promise<void> {
    if (this.resync) clearInterval(this.resync);
    await super.stop();
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key.startsWith('volume:')) return this.syncVolume(key.slice(7));
    const { namespace, name } = splitKey(key.slice(6));
    const claim = this.informers.informer('', 'persistentvolumeclaims').get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    if ((claim.spec as Json | undefined)?.volumeName) return this.syncBoundClaim(claim);
    return this.syncUnboundClaim(claim);
  }

  private volumes(): KubeObject[] {
    return this.informers.informer('', 'persistentvolumes').list();
  }

  private async syncUnboundClaim(claim: KubeObject): Promise<void> {
    const className = claimClass(claim);
    const storageClass = className ? this.informers.informer('storage.k8s.io', 'storageclasses').get(undefined, className) : undefined;
    const selectedNode = claim.metadata.annotations?.[selectedNodeAnnotation];
    const delayed = isDelayedBinding(claim, storageClass);
    const node = selectedNode ? this.informers.informer('', 'nodes').get(undefined, selectedNode) : undefined;
    const volume = delayed && !selectedNode ? undefined : findMatchingVolume(claim, this.volumes(), node ? { node: { name: node.metadata.name!, labels: node.metadata.labels } } : {});
    if (volume) {
      await this.bind(volume, claim);
      return;
    }
    if (delayed && !selectedNode) {
      this.events.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    if (!className) {
      this.events.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    if (!storageClass) {
      this.events.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    const provisioner = (storageClass as Json).provisioner as string;
    if (claim.metadata.annotations?.[storageProvisionerAnnotation] !== provisioner) {
      await this.client.resource('', 'persistentvolumeclaims').modify(claim.metadata.namespace, claim.metadata.name!, (latest) => {
        latest.metadata.annotations = { ...latest.metadata.annotations, [storageProvisionerAnnotation]: provisioner, [betaStorageProvisionerAnnotation]: provisioner };
        return latest;
      });
    }
    this.events.event(
      claim,
      'Normal',
      'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
    );
  }

  private async syncBoundClaim(claim: KubeObject): Promise<void> {
    const volumeName = (claim.spec as Json).volumeName as string;
    const volume = this.informers.informer('', 'persistentvolumes').get(undefined, volumeName);
    if (!volume) {
      if ((claim.status as Json | undefined)?.phase !== 'Lost') {
        await this.setClaimStatus(claim, { phase: 'Lost' });
        this.events.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    const ref = (volume.spec as Json | undefined)?.claimRef;
    if (!ref || isVolumeBoundToClaim(volume, claim)) {
      await this.bind(volume, claim);
      return;
    }
    if ((claim.status as Json | undefined)?.phase !== 'Lost') {
      await this.setClaimStatus(claim, { phase: 'Lost' });
      this.events.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    }
  }

  /** Binds both ways: volume claimRef and phase, then claim volumeName, annotations and status. */
  private async bind(volume: KubeObject, claim: KubeObject): Promise<void> {
    const pvs = this.client.resource('', 'persistentvolumes');
    const pvcs = this.client.resource('', 'persistentvolumeclaims');
    let pv = volume;
    const ref = (pv.spec as Json | undefined)?.claimRef;
    if (!isVolumeBoundToClaim(pv, claim) || !ref?.uid) {
      const setByUs = !isVolumeBoundToClaim(pv, claim);
      pv = await pvs.modify(undefined, pv.metadata.name!, (latest) => {
        const spec = (latest.spec ??= {}) as Json;
        if (spec.claimRef && !isVolumeBoundToClaim(latest, claim)) throw new StatusError(409, 'Conflict', `volume ${latest.metadata.name} is bound to another claim`);
        spec.claimRef = claimRef(claim);
        if (setByUs) latest.metadata.annotations = { ...latest.metadata.annotations, [boundByControllerAnnotation]: 'yes' };
        return latest;
      });
    }
    if ((pv.status as Json | undefined)?.phase !== 'Bound') {
      pv = await pvs.modify(undefined, pv.metadata.name!, (latest) => {
        latest.status = { ...(latest.status as Json | undefined), phase: 'Bound', lastPhaseTransitionTime: new Date().toISOString().slice(0, 19) + 'Z' };
        delete (latest.status as Json).message;
        delete (latest.status as Json).reason;
        return latest;
      }, { subresource: 'status' });
    }
    let current = claim;
    const claimSpec: Json = (claim.spec as Json | undefined) ?? {};
    if (claimSpec.volumeName !== pv.metadata.name || claim.metadata.annotations?.[bindCompletedAnnotation] !== 'yes') {
      const setByUs = claimSpec.volumeName !== pv.metadata.name;
      current = await pvcs.modify(claim.metadata.namespace, claim.metadata.name!, (latest) => {
        const spec = (latest.spec ??= {}) as Json;
        if (spec.volumeName && spec.volumeName !== pv.metadata.name) throw new StatusError(409, 'Conflict', `claim ${latest.metadata.name} is bound to another volume`);
        spec.volumeName = pv.metadata.name;
        const annotations: Record<string, string> = { ...latest.metadata.annotations, [bindCompletedAnnotation]: 'yes' };
        if (setByUs) annotations[boundByControllerAnnotation] = 'yes';
        latest.metadata.annotations = annotations;
        return latest;
      });
    }
    const pvSpec: Json = (pv.spec as Json | undefined) ?? {};
    const status: Json = (current.status as Json | undefined) ?? {};
    if (status.phase !== 'Bound' || JSON.stringify(status.capacity) !== JSON.stringify(pvSpec.capacity)) {
      await this.setClaimStatus(current, { phase: 'Bound', accessModes: pvSpec.accessModes, capacity: pvSpec.capacity });
    }
  }

  private async setClaimStatus(claim: KubeObject, status: Json): Promise<void> {
    try {
      await this.client.resource('', 'persistentvolumeclaims').modify(claim.metadata.namespace, claim.metadata.name!, (latest) => {
        latest.status = { ...(latest.status as Json | undefined), ...status };
        return latest;
      }, { subresource: 'status' });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }

  private async setVolumePhase(volume: KubeObject, phase: string, message?: string): Promise<void> {
    await this.client.resource('', 'persistentvolumes').modify(undefined, volume.metadata.name!, (latest) => {
      const status: Json = { ...(latest.status as Json | undefined), phase, lastPhaseTransitionTime: new Date().toISOString().slice(0, 19) + 'Z' };
      if (message) status.message = message;
      else delete status.message;
      latest.status = status;
      return latest;
    }, { subresource: 'status' });
  }

  private async syncVolume(name: string): Promise<ReconcileResult | void> {
    // A volume being deleted is still followed: once its claim is gone it turns Released, which lets the
    // in-use protection finalizer go.
    const volume = this.informers.informer('', 'persistentvolumes').get(undefined, name);
    if (!volume) return;
    const spec: Json = (volume.spec as Json | undefined) ?? {};
    const phase = (volume.status as Json | undefined)?.phase;
    const ref = spec.claimRef as Json | undefined;
    if (!ref || !ref.uid) {
      // Free, or promised by an admin to a claim that may not exist yet.
      if (phase !== 'Available') await this.setVolumePhase(volume, 'Available');
      if (ref?.name) this.queue.add(`claim:${ref.namespace}/${ref.name}`);
      return;
    }
    const claim = this.informers.informer('', 'persistentvolumeclaims').get(ref.namespace, ref.name);
    if (!claim || claim.metadata.uid !== ref.uid) {
      if (phase === 'Released' || phase === 'Failed') return;
      await this.setVolumePhase(volume, 'Released');
      await this.reclaim(volume);
      return;
    }
    const claimVolume = (claim.spec as Json | undefined)?.volumeName;
    if (!claimVolume) {
      this.queue.add(`claim:${objectKey(claim)}`);
      return;
    }
    if (claimVolume === name) {
      if (phase !== 'Bound') await this.setVolumePhase(volume, 'Bound');
      return;
    }
    // The claim went to another volume: a volume the controller promised is freed again.
    if (volume.metadata.annotations?.[boundByControllerAnnotation] === 'yes') {
      await this.client.resource('', 'persistentvolumes').modify(undefined, name, (latest) => {
        delete (latest.spec as Json).claimRef;
        return latest;
      });
    }
  }

  /** Retain keeps a Released volume; Delete is its provisioner's job; volumes nothing can delete fail. */
  private async reclaim(volume: KubeObject): Promise<void> {
    const policy = (volume.spec as Json | undefined)?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Retain') return;
    if (policy === 'Delete' && volume.metadata.annotations?.[provisionedByAnnotation]) return;
    const message =
      policy === 'Delete'
        ? `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched`
        : `No recycler plugin found for the volume!`;
    await this.setVolumePhase(volume, 'Failed', message);
    this.events.event(volume, 'Warning', policy === 'Delete' ? 'VolumeFailedDelete' : 'VolumeFailedRecycle', message);
  }
}
