import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const persistentVolumeClaims = defineKind({
  group: '',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  shortNames: ['pvc'],
  namespaced: true,
  versions: ['v1'],
  status: true,
  returnDeletedObject: true,
  defaults(pvc) {
    const spec: Json = ((pvc.spec as Json | undefined) ??= {});
    spec.volumeMode ||= 'Filesystem';
  },
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },
});
