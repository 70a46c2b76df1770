// DefaultStorageClass admission: a new claim that names no StorageClass gets the default one (the
// class annotated storageclass.kubernetes.io/is-default-class=true; the newest if several), as in
// Kubernetes. A claim that sets storageClassName "" explicitly keeps asking for no class.
import type { AdmissionPlugin } from '../apiserver/admission/types.ts';
import type { ApiCore } from '../apiserver/core.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';

type Json = Record<string, any>;

export const defaultClassAnnotation = 'storageclass.kubernetes.io/is-default-class';
const betaDefaultClassAnnotation = 'storageclass.beta.kubernetes.io/is-default-class';

export function isDefaultStorageClass(sc: KubeObject): boolean {
  const annotations = sc.metadata.annotations ?? {};
  return annotations[defaultClassAnnotation] === 'true' || annotations[betaDefaultClassAnnotation] === 'true';
}

export function defaultStorageClass(core: ApiCore): KubeObject | undefined {
  const store = core.storeFor('storage.k8s.io', 'storageclasses');
  let chosen: KubeObject | undefined;
  for (const { object } of core.cache.list(store.prefix())) {
    if (!isDefaultStorageClass(object)) continue;
    const newer = !chosen || (object.metadata.creationTimestamp ?? '') > (chosen.metadata.creationTimestamp ?? '') || ((object.metadata.creationTimestamp ?? '') === (chosen.metadata.creationTimestamp ?? '') && object.metadata.name! < chosen.metadata.name!);
    if (newer) chosen = object;
  }
  return chosen;
}

export function defaultStorageClassAdmission(core: ApiCore): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    mutate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== '' || description.plural !== 'persistentvolumeclaims' || operation !== 'CREATE' || !object || attributes.subresource) return;
      const spec: Json = ((object.spec as Json | undefined) ??= {});
      if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
      if (object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] !== undefined) return;
      const chosen = defaultStorageClass(core);
      if (chosen) spec.storageClassName = chosen.metadata.name;
    },
  };
}
