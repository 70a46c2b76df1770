// ControllerRevisions, the history StatefulSets and DaemonSets keep of their pod templates: one
// revision per distinct template, named `<owner>-<hash>` with the `controller.kubernetes.io/hash`
// label, numbered in order, older ones pruned to revisionHistoryLimit (pkg/controller/history).
import type { ApiClient } from '../apiserver/client.ts';
import { cloneObject, deepEqual } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { newControllerRef } from './controller-ref.ts';
import { canonicalJson } from '../apiserver/registry/object-meta.ts';
import { fnv32a, safeEncode } from './deployment.ts';

type Json = Record<string, any>;

export const revisionHashLabel = 'controller.kubernetes.io/hash';

/** What a revision records of its owner: the template, as a patch that replaces it. */
export function revisionData(owner: KubeObject): Json {
  return { spec: { template: { ...cloneObject((owner.spec as Json).template ?? {}), $patch: 'replace' } } };
}

/** HashControllerRevision: FNV-32a of the data (and collision count), hex, safe-encoded. */
export function revisionHash(data: Json, collisionCount?: number): string {
  let text = canonicalJson(data);
  if (collisionCount) text += `#${collisionCount}`;
  return safeEncode(fnv32a(text).toString(16));
}

export function revisionNumber(revision: KubeObject): number {
  return ((revision as Json).revision as number | undefined) ?? 0;
}

export interface RevisionState {
  /** The revision matching the owner's current template (created if needed). */
  update: KubeObject;
  /** Every revision owned, oldest first. */
  all: KubeObject[];
  collisionCount: number;
}

/** Finds or creates the revision of the owner's template; revisions are the owner's, by ControllerRef. */
export async function syncRevision(client: ApiClient, owner: KubeObject, owned: KubeObject[], collisionCount: number): Promise<RevisionState> {
  const revisions = client.resource('apps', 'controllerrevisions');
  const data = revisionData(owner);
  const all = [...owned].sort((a, b) => revisionNumber(a) - revisionNumber(b));
  const max = all.length ? revisionNumber(all[all.length - 1]!) : 0;
  const equal = all.filter((r) => deepEqual((r as Json).data, data));
  if (equal.length) {
    const latest = equal[equal.length - 1]!;
    if (revisionNumber(latest) === max) return { update: latest, all, collisionCount };
    // Rolling back to an earlier template: that revision becomes the newest.
    const bumped = await revisions.modify(latest.metadata.namespace, latest.metadata.name!, (current) => ({ ...current, revision: max + 1 }));
    return { update: bumped, all: [...all.filter((r) => r !== latest), bumped], collisionCount };
  }
  for (let count = collisionCount; ; count++) {
    const hash = revisionHash(data, count);
    const revision: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata.name}-${hash}`,
        namespace: owner.metadata.namespace,
        labels: { ...((owner.spec as Json).template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
        ownerReferences: [newControllerRef(owner)],
      },
      data,
      revision: max + 1,
    };
    try {
      const created = await revisions.create(revision);
      return { update: created, all: [...all, created], collisionCount: count };
    } catch (error) {
      if (!(error instanceof StatusError && error.reason === 'AlreadyExists')) throw error;
      const existing = await revisions.find(owner.metadata.namespace, revision.metadata.name!);
      if (existing && deepEqual((existing as Json).data, data) && existing.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) {
        return { update: existing, all: [...all, existing], collisionCount: count };
      }
    }
  }
}

/** Deletes the oldest revisions no pod uses, beyond `limit`. */
export async function pruneRevisions(client: ApiClient, all: KubeObject[], live: Set<string>, limit: number): Promise<void> {
  const idle = all.filter((r) => !live.has(r.metadata.name!));
  for (const revision of idle.slice(0, Math.max(0, idle.length - limit))) {
    try {
      await client.resource('apps', 'controllerrevisions').delete(revision.metadata.namespace, revision.metadata.name!, { preconditions: { uid: revision.metadata.uid } });
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}
