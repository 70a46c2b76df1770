// ResourceClasses of classic dynamic resource allocation: resource.k8s.io/v1alpha2 (1.27–1.30),
// stored, and v1alpha1 (1.26). DeviceClass replaced them without a conversion; k2 stores and serves
// them so that manifests still apply, and allocates nothing for them.
import { defineKind } from '../define.ts';

export const resourceClasses = defineKind({
  group: 'resource.k8s.io',
  kind: 'ResourceClass',
  plural: 'resourceclasses',
  namespaced: false,
  versions: ['v1alpha2', 'v1alpha1'],
});
