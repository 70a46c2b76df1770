// ResourceSlices: resource.k8s.io/v1beta1 (1.32–), stored, and v1alpha3 (1.31–1.32), whose basic
// devices gave each capacity as a bare quantity where v1beta1 wraps it: {value: <quantity>}.
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

function mapCapacities(slice: KubeObject, convert: (capacity: unknown) => unknown): KubeObject {
  for (const device of ((slice.spec as Json | undefined)?.devices ?? []) as Json[]) {
    const capacity = device.basic?.capacity as Json | undefined;
    if (capacity) device.basic.capacity = Object.fromEntries(Object.entries(capacity).map(([name, value]) => [name, convert(value)]));
  }
  return slice;
}

export const resourceSlices = defineKind({
  group: 'resource.k8s.io',
  kind: 'ResourceSlice',
  plural: 'resourceslices',
  namespaced: false,
  versions: [
    'v1beta1',
    {
      version: 'v1alpha3',
      toStored: (slice) => mapCapacities(slice, (quantity) => ({ value: quantity })),
      fromStored: (stored) => mapCapacities(cloneObject(stored), (capacity) => (capacity && typeof capacity === 'object' ? (capacity as Json).value : capacity)),
    },
  ],
});
