// StatefulSet: pods with stable names `<set>-<ordinal>` (and the pod-name / pod-index labels,
// hostname and subdomain), a PersistentVolumeClaim `<claim>-<set>-<ordinal>` per volumeClaimTemplate,
// created in order and each waiting for its predecessors to be Running and Ready (OrderedReady) or
// all at once (Parallel); scale-down from the highest ordinal; ControllerRevisions for the template;
// RollingUpdate from the highest ordinal down to the partition, or OnDelete.
import { cloneObject, deepEqual } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import type { ReconcileResult } from './controller.ts';
import { byControllerUid, claimObjects, newControllerRef } from './controller-ref.ts';
import { isPodAvailable, isPodReady, podFromTemplate, podPhase } from './pods.ts';
import { namespaceTerminating } from './replica-set.ts';
import { pruneRevisions, revisionNumber, syncRevision } from './revisions.ts';
import { WorkloadController } from './workload-controller.ts';

type Json = Record<string, any>;

export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';
export const revisionLabel = 'controller-revision-hash';

function ordinalOf(set: KubeObject, pod: KubeObject): number {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name!;
  if (!name.startsWith(prefix)) return -1;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

export class StatefulSetController extends WorkloadController {
  readonly name = 'statefulset-controller';

  private get sets() {
    return this.informers.informer('apps', 'statefulsets');
  }

  setup(): void {
    this.informers.informer('apps', 'controllerrevisions').addIndex('controller', byControllerUid);
    this.watchOwn(this.sets);
    this.watchChildren(this.informers.informer('', 'pods'), 'StatefulSet', { informer: this.sets, selectorOf: (s) => labelSelectorFromObject((s.spec as Json | undefined)?.selector) });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    await this.core.cache.sync();
    const cached = this.sets.getByKey(key);
    if (!cached) return;
    const set = cloneObject(cached);
    const spec = set.spec as Json;
    const status = (set.status ?? {}) as Json;
    const selector = labelSelectorFromObject(spec.selector);
    if (!selector) return;
    const namespace = set.metadata.namespace!;
    const pods = await claimObjects(set, selector, this.informers.informer('', 'pods').list(namespace), this.client.resource('', 'pods'));
    const ownedRevisions = this.informers.informer('apps', 'controllerrevisions').byIndex('controller', set.metadata.uid!);
    const { update, all, collisionCount } = await syncRevision(this.client, set, ownedRevisions, status.collisionCount ?? 0);
    const updateRevision = update.metadata.name!;
    const currentRevision = all.find((r) => r.metadata.name === status.currentRevision)?.metadata.name ?? updateRevision;
    const revisionData = (name: string) => (all.find((r) => r.metadata.name === name) as Json | undefined)?.data?.spec?.template;

    const replicas = (spec.replicas as number | undefined) ?? 1;
    const minReadySeconds = spec.minReadySeconds ?? 0;
    const parallel = spec.podManagementPolicy === 'Parallel';
    const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    const partition = rolling ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
    const byOrdinal = new Map<number, KubeObject>();
    const condemned: KubeObject[] = [];
    for (const pod of pods) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal < 0) continue;
      if (ordinal < replicas) byOrdinal.set(ordinal, pod);
      else condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(set, b) - ordinalOf(set, a));
    const healthy = (pod: KubeObject | undefined) => Boolean(pod && !pod.metadata.deletionTimestamp && podPhase(pod) === 'Running' && isPodReady(pod));

    const work = async (): Promise<void> => {
      if (set.metadata.deletionTimestamp) return;
      // Create (or recreate failed) pods, lowest ordinal first.
      for (let ordinal = 0; ordinal < replicas; ordinal++) {
        const pod = byOrdinal.get(ordinal);
        if (pod && podPhase(pod) === 'Failed' && !pod.metadata.deletionTimestamp) {
          this.recorder.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${namespace}/${set.metadata.name} is recreating failed Pod ${pod.metadata.name}`);
          await this.deletePod(set, pod);
          byOrdinal.delete(ordinal);
          if (!parallel) return;
          continue;
        }
        if (!pod) {
          // Below the partition new pods keep the current revision (newVersionedStatefulSetPod).
          const useCurrent = rolling && ordinal < partition;
          const revisionName = useCurrent ? currentRevision : updateRevision;
          const created = await this.createPod(set, ordinal, revisionName, revisionData(revisionName) ?? spec.template);
          if (created) byOrdinal.set(ordinal, created);
          if (!parallel) return;
          continue;
        }
        if (!parallel && (pod.metadata.deletionTimestamp || !healthy(pod))) return; // OrderedReady: wait for this one
        if (!parallel && !isPodAvailable(pod, minReadySeconds)) return;
      }
      // Scale down from the highest ordinal, one at a time unless Parallel.
      for (const pod of condemned) {
        if (pod.metadata.deletionTimestamp) {
          if (!parallel) return;
          continue;
        }
        await this.deletePod(set, pod);
        if (!parallel) return;
      }
      // Rolling update: highest ordinal first, down to the partition, one pod at a time.
      if (!rolling) return;
      for (let ordinal = replicas - 1; ordinal >= partition; ordinal--) {
        const pod = byOrdinal.get(ordinal);
        if (!pod) return;
        if (pod.metadata.labels?.[revisionLabel] !== updateRevision) {
          if (!pod.metadata.deletionTimestamp) await this.deletePod(set, pod);
          return;
        }
        if (!healthy(pod)) return;
      }
    };
    await work();

    // Status from the pods as they are now.
    const current = pods.filter((p) => !p.metadata.deletionTimestamp || byOrdinal.get(ordinalOf(set, p)) === p);
    const next: Json = {
      observedGeneration: set.metadata.generation,
      replicas: current.filter((p) => ordinalOf(set, p) >= 0).length,
      readyReplicas: current.filter(isPodReady).length,
      availableReplicas: current.filter((p) => isPodAvailable(p, minReadySeconds)).length,
      currentReplicas: current.filter((p) => p.metadata.labels?.[revisionLabel] === currentRevision).length,
      updatedReplicas: current.filter((p) => p.metadata.labels?.[revisionLabel] === updateRevision).length,
      currentRevision,
      updateRevision,
      collisionCount,
    };
    // The rollout is complete: the update revision becomes the current one.
    if (rolling && next.updatedReplicas === replicas && next.readyReplicas === replicas && next.replicas === replicas) {
      next.currentRevision = updateRevision;
      next.currentReplicas = next.updatedReplicas;
    }
    if (!rolling && next.currentReplicas === 0 && next.updatedReplicas === replicas) {
      next.currentRevision = updateRevision;
      next.currentReplicas = next.updatedReplicas;
    }
    for (const field of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (!next[field]) delete next[field];
    if (status.conditions) next.conditions = status.conditions;
    if (!deepEqual(status, next)) {
      await this.client.resource('apps', 'statefulsets').modify(namespace, set.metadata.name!, (latest) => {
        if (latest.metadata.uid !== set.metadata.uid) throw new StatusError(409, 'Conflict', 'replaced');
        latest.status = next;
        return latest;
      }, { subresource: 'status' });
    }
    const live = new Set([next.currentRevision, next.updateRevision, ...pods.map((p) => p.metadata.labels?.[revisionLabel]).filter(Boolean)]);
    await pruneRevisions(this.client, all.sort((a, b) => revisionNumber(a) - revisionNumber(b)), live as Set<string>, spec.revisionHistoryLimit ?? 10);
    const pending = [...byOrdinal.values()].filter((p) => isPodReady(p) && !isPodAvailable(p, minReadySeconds));
    if (pending.length && minReadySeconds) return { requeueAfterMs: minReadySeconds * 1000 + 50 };
  }

  private async createPod(set: KubeObject, ordinal: number, revisionName: string, template: Json): Promise<KubeObject | undefined> {
    const spec = set.spec as Json;
    const name = `${set.metadata.name}-${ordinal}`;
    const podTemplate: Json = cloneObject(template ?? {});
    delete podTemplate.$patch;
    podTemplate.metadata ??= {};
    podTemplate.metadata.labels = { ...(podTemplate.metadata.labels ?? {}), [podNameLabel]: name, [podIndexLabel]: String(ordinal), [revisionLabel]: revisionName };
    podTemplate.spec ??= {};
    podTemplate.spec.hostname = name;
    if (spec.serviceName) podTemplate.spec.subdomain = spec.serviceName;
    const volumes: Json[] = podTemplate.spec.volumes ?? [];
    for (const claim of (spec.volumeClaimTemplates ?? []) as Json[]) {
      const claimName = `${claim.metadata?.name}-${name}`;
      await this.ensureClaim(set, claim, claimName, name);
      const volume = { name: claim.metadata?.name, persistentVolumeClaim: { claimName } };
      const at = volumes.findIndex((v) => v.name === volume.name);
      if (at >= 0) volumes[at] = volume;
      else volumes.push(volume);
    }
    if (volumes.length) podTemplate.spec.volumes = volumes;
    try {
      const pod = await this.client.resource('', 'pods').create(podFromTemplate(podTemplate, set, { name }));
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
      return pod;
    } catch (error) {
      if (namespaceTerminating(error)) return undefined;
      if (error instanceof StatusError && error.reason === 'AlreadyExists') return undefined;
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
      throw error;
    }
  }

  private async ensureClaim(set: KubeObject, template: Json, claimName: string, podName: string): Promise<void> {
    const claims = this.client.resource('', 'persistentvolumeclaims');
    if (await claims.find(set.metadata.namespace, claimName)) return;
    const spec = set.spec as Json;
    const retention = spec.persistentVolumeClaimRetentionPolicy ?? {};
    const claim: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName,
        namespace: set.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
        ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      },
      spec: cloneObject(template.spec ?? {}),
    };
    if (retention.whenDeleted === 'Delete') claim.metadata.ownerReferences = [{ ...newControllerRef(set), controller: true }];
    try {
      await claims.create(claim);
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${set.metadata.name} success`);
    } catch (error) {
      if (error instanceof StatusError && error.reason === 'AlreadyExists') return;
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claimName} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
      throw error;
    }
  }

  private async deletePod(set: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await this.client.resource('', 'pods').delete(pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (error) {
      if (error instanceof StatusError && (error.code === 404 || error.code === 409)) return;
      this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${(error as Error).message}`);
      throw error;
    }
  }
}
