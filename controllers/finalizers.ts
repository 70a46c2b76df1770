// Removing a finalizer its controller owns: from the very object it looked at (a new object of the same name
// keeps its finalizers), and nothing to do once the object is gone.
import type { ResourceClient } from '../apiserver/client.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { ignoreNotFound } from './endpoints.ts';

export async function removeFinalizer(resource: ResourceClient, object: KubeObject, finalizer: string): Promise<void> {
  await resource
    .modify(object.metadata.namespace, object.metadata.name!, (current) => {
      if (current.metadata.uid !== object.metadata.uid) throw new StatusError(404, 'NotFound', 'replaced');
      current.metadata.finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      return current;
    })
    .catch(ignoreNotFound);
}
