// DeviceClasses: resource.k8s.io/v1beta1 (1.32–), stored, and v1alpha3 (1.31–1.32), the same shape.
import { defineKind } from '../define.ts';

export const deviceClasses = defineKind({
  group: 'resource.k8s.io',
  kind: 'DeviceClass',
  plural: 'deviceclasses',
  namespaced: false,
  versions: ['v1beta1', 'v1alpha3'],
});
