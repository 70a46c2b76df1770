// VolumeBinding: a pod's PersistentVolumeClaims must exist; bound claims restrict the pod to nodes
// their volumes reach; WaitForFirstConsumer claims are matched to a volume on the chosen node, or
// left to their provisioner. PreBind then promises the volumes (claimRef) or names the node for
// the provisioner (volume.kubernetes.io/selected-node) and waits for the claims to bind.
import type { ApiClient } from '../../apiserver/client.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { StatusError } from '../../apiserver/status.ts';
import { claimClass, findMatchingVolume, isDelayedBinding, noProvisioner } from '../../controllers/persistent-volume-matching.ts';
import { unresolvable, type CycleState, type FilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { volumeNodeAffinityMatches } from '../node-selector.ts';

type Json = Record<string, any>;

export const selectedNodeAnnotation = 'volume.kubernetes.io/selected-node';
export const boundByControllerAnnotation = 'pv.kubernetes.io/bound-by-controller';

const stateKey = 'VolumeBinding';
const nodeConflictReason = 'node(s) had volume node affinity conflict';
const bindConflictReason = "node(s) didn't find available persistent volumes to bind";
const bindTimeoutMs = 600_000;

interface ClaimsState {
  boundVolumes: KubeObject[];
  delayed: { claim: KubeObject; storageClass: KubeObject | undefined }[];
  /** Per feasible node: static volumes promised to delayed claims, and claims left to provisioning. */
  decisions: Map<string, { bindings: [KubeObject, KubeObject][]; provision: KubeObject[] }>;
}

export class VolumeBinding implements FilterPlugin {
  readonly name = 'VolumeBinding';
  private readonly waiters = new Set<() => void>();

  constructor(private readonly client: ApiClient) {}

  preFilter(state: CycleState) {
    const pod = state.pod;
    if (!pod.claimNames.length) return { skip: true };
    const claims: ClaimsState = { boundVolumes: [], delayed: [], decisions: new Map() };
    let unboundImmediate = false;
    let missingVolume = false;
    for (const name of pod.claimNames) {
      const claim = state.cluster.get('', 'persistentvolumeclaims', pod.namespace, name);
      if (!claim) return { status: unresolvable(`persistentvolumeclaim "${name}" not found`) };
      if (claim.metadata.deletionTimestamp) return { status: unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
      const volumeName = (claim.spec as Json | undefined)?.volumeName as string | undefined;
      if (volumeName) {
        const volume = state.cluster.get('', 'persistentvolumes', undefined, volumeName);
        if (volume) claims.boundVolumes.push(volume);
        else missingVolume = true;
        continue;
      }
      const storageClass = claimClass(claim) ? state.cluster.get('storage.k8s.io', 'storageclasses', undefined, claimClass(claim)) : undefined;
      if (isDelayedBinding(claim, storageClass)) claims.delayed.push({ claim, storageClass });
      else unboundImmediate = true;
    }
    if (unboundImmediate) return { status: unresolvable('pod has unbound immediate PersistentVolumeClaims') };
    if (missingVolume) return { status: unresolvable('node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)') };
    state.write(stateKey, claims);
    return undefined;
  }

  filter(state: CycleState, node: NodeInfo) {
    const claims = state.read<ClaimsState>(stateKey)!;
    for (const volume of claims.boundVolumes) if (!volumeNodeAffinityMatches(volume as Json, node)) return unresolvable(nodeConflictReason);
    if (!claims.delayed.length) return undefined;
    const volumes = [...state.cluster.list('', 'persistentvolumes')];
    const promised = new Set<string>();
    const decision = { bindings: [] as [KubeObject, KubeObject][], provision: [] as KubeObject[] };
    for (const { claim, storageClass } of claims.delayed) {
      const volume = findMatchingVolume(claim, volumes, { node, exclude: promised });
      if (volume) {
        promised.add(volume.metadata.name!);
        decision.bindings.push([claim, volume]);
        continue;
      }
      const provisioner = (storageClass as Json | undefined)?.provisioner as string | undefined;
      if (!provisioner || provisioner === noProvisioner || !allowedTopologyMatches(storageClass as Json, node)) return unresolvable(bindConflictReason);
      decision.provision.push(claim);
    }
    claims.decisions.set(node.name, decision);
    return undefined;
  }

  /** Promises volumes to the pod's delayed claims on `nodeName`, then waits until every claim is bound. */
  async preBind(state: CycleState, nodeName: string): Promise<void> {
    const claims = state.read<ClaimsState>(stateKey);
    if (!claims?.delayed.length) return;
    const decision = claims.decisions.get(nodeName);
    if (!decision) throw new Error(`no volume decision for node ${nodeName}`);
    const pvs = this.client.resource('', 'persistentvolumes');
    const pvcs = this.client.resource('', 'persistentvolumeclaims');
    for (const [claim, volume] of decision.bindings) {
      await pvs.modify(undefined, volume.metadata.name!, (pv) => {
        const spec = (pv.spec ??= {}) as Json;
        if (spec.claimRef && (spec.claimRef.name !== claim.metadata.name || spec.claimRef.namespace !== claim.metadata.namespace)) {
          throw new StatusError(409, 'Conflict', `volume ${pv.metadata.name} is already bound to ${spec.claimRef.namespace}/${spec.claimRef.name}`);
        }
        spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion };
        pv.metadata.annotations = { ...pv.metadata.annotations, [boundByControllerAnnotation]: 'yes' };
        return pv;
      });
    }
    for (const claim of decision.provision) {
      await pvcs.modify(claim.metadata.namespace, claim.metadata.name!, (pvc) => {
        pvc.metadata.annotations = { ...pvc.metadata.annotations, [selectedNodeAnnotation]: nodeName };
        return pvc;
      });
    }
    await this.waitForBound(state, claims.delayed.map((d) => d.claim));
  }

  /** The scheduler calls this on every claim change so PreBind waits wake up. */
  claimChanged(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private waitForBound(state: CycleState, claims: KubeObject[]): Promise<void> {
    const allBound = () =>
      claims.every((c) => {
        const current = state.cluster.get('', 'persistentvolumeclaims', c.metadata.namespace, c.metadata.name!);
        if (!current || current.metadata.uid !== c.metadata.uid) throw new Error(`persistentvolumeclaim "${c.metadata.name}" was deleted`);
        return (current.status as Json | undefined)?.phase === 'Bound';
      });
    return new Promise((resolve, reject) => {
      const check = () => {
        try {
          if (!allBound()) return;
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error('binding volumes: timed out waiting for the condition'));
      }, bindTimeoutMs);
      timer.unref?.();
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}

/** A StorageClass's allowedTopologies (none: every node). */
function allowedTopologyMatches(storageClass: Json, node: NodeInfo): boolean {
  const topologies: Json[] = storageClass.allowedTopologies ?? [];
  if (!topologies.length) return true;
  return topologies.some((term) =>
    ((term.matchLabelExpressions ?? []) as Json[]).every((e) => (e.values ?? []).includes(node.labels?.[e.key])),
  );
}
