// storagemigration.k8s.io/v1alpha1 StorageVersionMigration (1.30–1.34). k2 migrates stored objects
// itself when their stored shape changes (apiserver/registry/stored-shapes.ts), so nothing acts on
// these; they are stored and served so that manifests still apply.
import { defineKind } from '../define.ts';

export const storageVersionMigrations = defineKind({
  group: 'storagemigration.k8s.io',
  kind: 'StorageVersionMigration',
  plural: 'storageversionmigrations',
  namespaced: false,
  versions: ['v1alpha1'],
  status: true,
});
