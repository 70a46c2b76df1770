// ControllerRefs: which controller owns an object, and claiming objects by selector as Kubernetes'
// ControllerRefManager does — adopt matching orphans, release owned objects that no longer match,
// never touch objects another controller owns.
import type { ResourceClient } from '../apiserver/client.ts';
import type { LabelSelector } from '../apiserver/registry/selectors.ts';
import type { KubeObject, OwnerReference } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller);
}

export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return controllerOf(object)?.uid === owner.metadata.uid;
}

/** The reference a controller puts on what it creates (blocks foreground deletion of the owner). */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Informer index of objects by the uid of their controller. */
export const byControllerUid = (object: KubeObject): string[] => {
  const ref = controllerOf(object);
  return ref ? [ref.uid] : [];
};

function ignoreGone(error: unknown): void {
  if (error instanceof StatusError && (error.code === 404 || error.code === 409 || error.code === 422)) return;
  throw error;
}

/**
 * The objects `owner` controls after adoption and release: `candidates` are every object of the
 * kind in the owner's namespace. Writes go through `client`; objects that vanish meanwhile are skipped.
 */
export async function claimObjects(owner: KubeObject, selector: LabelSelector, candidates: KubeObject[], client: ResourceClient, options: { adoptionFinalizer?: string } = {}): Promise<KubeObject[]> {
  const claimed: KubeObject[] = [];
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp);
  for (const object of candidates) {
    const ref = controllerOf(object);
    const matches = !selector.empty && selector.matches(object.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches || ownerDeleting) {
        claimed.push(object);
        continue;
      }
      try {
        await client.modify(object.metadata.namespace, object.metadata.name!, (current) => {
          current.metadata.ownerReferences = (current.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid);
          if (!current.metadata.ownerReferences.length) delete current.metadata.ownerReferences;
          return current;
        });
      } catch (error) {
        ignoreGone(error);
      }
      continue;
    }
    if (!matches || ownerDeleting || object.metadata.deletionTimestamp) continue;
    try {
      const adopted = await client.modify(object.metadata.namespace, object.metadata.name!, (current) => {
        if (controllerOf(current) || current.metadata.uid !== object.metadata.uid) throw new StatusError(409, 'Conflict', 'adopted by another controller');
        current.metadata.ownerReferences = [...(current.metadata.ownerReferences ?? []), newControllerRef(owner)];
        if (options.adoptionFinalizer && !current.metadata.finalizers?.includes(options.adoptionFinalizer)) {
          current.metadata.finalizers = [...(current.metadata.finalizers ?? []), options.adoptionFinalizer];
        }
        return current;
      });
      claimed.push(adopted);
    } catch (error) {
      ignoreGone(error);
    }
  }
  return claimed;
}
