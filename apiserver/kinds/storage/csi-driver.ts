import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

/** storage.k8s.io/v1's defaults; v1beta1 (1.14–1.21) had the same ones as its feature gates arrived. */
function defaultCsiDriver(driver: KubeObject): void {
  const spec: Json = ((driver.spec as Json | undefined) ??= {});
  spec.attachRequired ??= true;
  spec.podInfoOnMount ??= false;
  spec.storageCapacity ??= false;
  spec.fsGroupPolicy ||= 'ReadWriteOnceWithFSType';
  if (!spec.volumeLifecycleModes?.length) spec.volumeLifecycleModes = ['Persistent'];
  spec.requiresRepublish ??= false;
  spec.seLinuxMount ??= false;
}

export const csiDrivers = defineKind({
  group: 'storage.k8s.io',
  kind: 'CSIDriver',
  plural: 'csidrivers',
  namespaced: false,
  versions: ['v1', 'v1beta1'],
  defaults: defaultCsiDriver,
});
