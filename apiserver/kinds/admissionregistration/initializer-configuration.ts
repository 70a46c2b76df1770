// admissionregistration.k8s.io/v1alpha1 InitializerConfiguration (1.7–1.13): Kubernetes removed it with
// initializers themselves and no successor. k2 stores and serves it so that manifests carrying one
// still apply; nothing acts on it.
import { defineKind } from '../define.ts';

export const initializerConfigurations = defineKind({
  group: 'admissionregistration.k8s.io',
  kind: 'InitializerConfiguration',
  plural: 'initializerconfigurations',
  namespaced: false,
  versions: ['v1alpha1'],
});
