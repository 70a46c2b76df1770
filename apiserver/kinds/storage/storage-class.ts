import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

/** The same in storage.k8s.io/v1 and v1beta1 (1.4–1.21). */
function defaultStorageClass(storageClass: KubeObject): void {
  storageClass.reclaimPolicy ||= 'Delete';
  storageClass.volumeBindingMode ||= 'Immediate';
}

export const storageClasses = defineKind({
  group: 'storage.k8s.io',
  kind: 'StorageClass',
  plural: 'storageclasses',
  namespaced: false,
  versions: ['v1', 'v1beta1'],
  shortNames: ['sc'],
  defaults: defaultStorageClass,
});
