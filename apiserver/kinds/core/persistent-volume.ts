import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const persistentVolumes = defineKind({
  group: '',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  shortNames: ['pv'],
  namespaced: false,
  versions: ['v1'],
  status: true,
  returnDeletedObject: true,
  defaults(pv) {
    const spec: Json = ((pv.spec as Json | undefined) ??= {});
    spec.persistentVolumeReclaimPolicy ||= 'Retain';
    spec.volumeMode ||= 'Filesystem';
  },
  prepareForCreate(pv) {
    pv.status = { phase: 'Pending' };
  },
});
