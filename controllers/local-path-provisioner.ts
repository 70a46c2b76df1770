// The built-in local-path provisioner (k3s's rancher.io/local-path, in process): the default
// StorageClass `local-path` (WaitForFirstConsumer, reclaim Delete) is created at startup; a claim of
// that class gets a hostPath volume under <data-dir>/storage on the node the scheduler selected for
// its first consumer; a released volume with reclaim Delete has its folder removed and goes.
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ApiClient } from '../apiserver/client.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { EventSink } from './events.ts';
import { selectedNodeAnnotation } from '../scheduler/plugins/volume-binding.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { defaultClassAnnotation } from './default-storage-class.ts';
import { objectKey, splitKey, type InformerFactory } from './informer.ts';
import { provisionedByAnnotation } from './persistent-volume-binder.ts';
import { claimClass } from './persistent-volume-matching.ts';

type Json = Record<string, any>;

export const localPathProvisioner = 'rancher.io/local-path';
export const localPathClassName = 'local-path';
const selectedNodeOfVolume = 'local.path.provisioner/selected-node';
const supportedAccessModes = ['ReadWriteOnce', 'ReadWriteOncePod'];

export const localPathStorageClass: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: localPathClassName, annotations: { [defaultClassAnnotation]: 'true' } },
  provisioner: localPathProvisioner,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'WaitForFirstConsumer',
};

export class LocalPathProvisioner extends Controller {
  readonly name = 'local-path-provisioner';
  private readonly storageDir: string;

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly events: EventSink,
    storageDir: string,
  ) {
    super();
    this.storageDir = resolve(storageDir);
  }

  setup(): void {
    const claimChanged = (claim: KubeObject) => this.queue.add(`claim:${objectKey(claim)}`);
    this.informers.informer('', 'persistentvolumeclaims').addHandlers({ add: claimChanged, update: (_old, claim) => claimChanged(claim) });
    const volumeChanged = (volume: KubeObject) => volume.metadata.annotations?.[provisionedByAnnotation] === localPathProvisioner && this.queue.add(`volume:${volume.metadata.name}`);
    this.informers.informer('', 'persistentvolumes').addHandlers({ add: volumeChanged, update: (_old, volume) => volumeChanged(volume) });
    this.queue.add('storageclass');
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key === 'storageclass') return this.ensureStorageClass();
    if (key.startsWith('volume:')) return this.reclaim(key.slice(7));
    const { namespace, name } = splitKey(key.slice(6));
    const claim = this.informers.informer('', 'persistentvolumeclaims').get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp || (claim.spec as Json | undefined)?.volumeName) return;
    const storageClass = this.informers.informer('storage.k8s.io', 'storageclasses').get(undefined, claimClass(claim));
    if ((storageClass as Json | undefined)?.provisioner !== localPathProvisioner) return;
    await this.provision(claim, storageClass!);
  }

  /** The default class exists from the first start (as k3s ships it); an admin's edits are kept. */
  private async ensureStorageClass(): Promise<void> {
    if (this.informers.informer('storage.k8s.io', 'storageclasses').get(undefined, localPathClassName)) return;
    try {
      await this.client.resource('storage.k8s.io', 'storageclasses').create(localPathStorageClass);
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 409)) throw error;
    }
  }

  private async provision(claim: KubeObject, storageClass: KubeObject): Promise<void> {
    const spec: Json = (claim.spec as Json | undefined) ?? {};
    const nodeName = claim.metadata.annotations?.[selectedNodeAnnotation];
    const volumeName = `pvc-${claim.metadata.uid}`;
    if (this.informers.informer('', 'persistentvolumes').get(undefined, volumeName)) return;
    if (!nodeName) {
      if ((storageClass as Json).volumeBindingMode !== 'WaitForFirstConsumer') this.events.event(claim, 'Warning', 'ProvisioningFailed', 'failed to provision volume with StorageClass "' + storageClass.metadata.name + '": configuration error, no node was specified');
      return;
    }
    const modes: string[] = spec.accessModes ?? [];
    if (modes.some((m) => !supportedAccessModes.includes(m))) {
      this.events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata.name}": NodePath only supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes`);
      return;
    }
    const node = this.informers.informer('', 'nodes').get(undefined, nodeName);
    const hostname = node?.metadata.labels?.['kubernetes.io/hostname'] ?? nodeName;
    const ref = `${claim.metadata.namespace}/${claim.metadata.name}`;
    this.events.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ref}"`);
    const path = join(this.storageDir, `${volumeName}_${claim.metadata.namespace}_${claim.metadata.name}`);
    await mkdir(path, { recursive: true });
    await chmod(path, 0o777); // pods run as any user, as local-path-provisioner's folders allow
    try {
      await this.client.resource('', 'persistentvolumes').create({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: volumeName, annotations: { [provisionedByAnnotation]: localPathProvisioner, [selectedNodeOfVolume]: nodeName } },
        spec: {
          capacity: { storage: spec.resources?.requests?.storage ?? '0' },
          accessModes: modes.length ? modes : ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: (storageClass as Json).reclaimPolicy ?? 'Delete',
          storageClassName: storageClass.metadata.name,
          volumeMode: spec.volumeMode ?? 'Filesystem',
          hostPath: { path, type: 'DirectoryOrCreate' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
          claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion },
        },
      });
    } catch (error) {
      if (error instanceof StatusError && error.code === 409) return;
      this.events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata.name}": ${(error as Error).message}`);
      throw error;
    }
    this.events.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volumeName}`);
  }

  /** A released volume of ours with reclaim Delete: its folder goes, then the volume. */
  private async reclaim(name: string): Promise<void> {
    const volume = this.informers.informer('', 'persistentvolumes').get(undefined, name);
    if (!volume || volume.metadata.deletionTimestamp) return;
    const spec: Json = (volume.spec as Json | undefined) ?? {};
    if ((volume.status as Json | undefined)?.phase !== 'Released' || spec.persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = resolve(String(spec.hostPath?.path ?? ''));
    // Never remove anything outside the storage folder, whatever a volume says.
    if (path.startsWith(this.storageDir + sep)) await rm(path, { recursive: true, force: true });
    try {
      await this.client.resource('', 'persistentvolumes').delete(undefined, name, { preconditions: { uid: volume.metadata.uid } });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
}
