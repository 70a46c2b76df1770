// Whether an applied object has settled: the rules `kubectl rollout status` and `kubectl wait` use for
// Deployments, StatefulSets, DaemonSets, Jobs and CustomResourceDefinitions. Other kinds are ready once applied.
import type { KubeObject } from './kube-client.ts';

export interface Readiness {
  ready: boolean;
  /** A terminal failure: waiting longer will not help (a failed Job, a Deployment past its progress deadline). */
  failed?: boolean;
  message: string;
}

const waitedKinds = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', 'apiextensions.k8s.io/CustomResourceDefinition']);

/** Kinds `--wait` watches; others are done when applied. */
export function isWaitedKind(group: string, kind: string): boolean {
  return waitedKinds.has(`${group}/${kind}`);
}

function condition(object: KubeObject, type: string): KubeObject | undefined {
  return (object.status?.conditions ?? []).find((c: KubeObject) => c?.type === type);
}

function observed(object: KubeObject): boolean {
  const generation = object.metadata?.generation;
  return generation === undefined || (object.status?.observedGeneration ?? 0) >= generation;
}

export function readinessOf(group: string, kind: string, object: KubeObject): Readiness {
  const name = object.metadata?.name;
  const status = object.status ?? {};
  switch (`${group}/${kind}`) {
    case 'apps/Deployment': {
      if (!observed(object)) return { ready: false, message: `waiting for deployment ${name} spec update to be observed` };
      if (condition(object, 'Progressing')?.reason === 'ProgressDeadlineExceeded') return { ready: false, failed: true, message: `deployment ${name} exceeded its progress deadline` };
      const wanted = object.spec?.replicas ?? 1;
      const updated = status.updatedReplicas ?? 0;
      if (updated < wanted) return { ready: false, message: `deployment ${name}: ${updated} of ${wanted} new replicas updated` };
      if ((status.replicas ?? 0) > updated) return { ready: false, message: `deployment ${name}: ${(status.replicas ?? 0) - updated} old replicas pending termination` };
      if ((status.availableReplicas ?? 0) < updated) return { ready: false, message: `deployment ${name}: ${status.availableReplicas ?? 0} of ${updated} updated replicas available` };
      return { ready: true, message: `deployment ${name} rolled out (${updated}/${wanted})` };
    }
    case 'apps/StatefulSet': {
      if (!observed(object)) return { ready: false, message: `waiting for statefulset ${name} spec update to be observed` };
      if (object.spec?.updateStrategy?.type === 'OnDelete') return { ready: true, message: `statefulset ${name} uses OnDelete: nothing to wait for` };
      const wanted = object.spec?.replicas ?? 1;
      const readyReplicas = status.readyReplicas ?? 0;
      if (readyReplicas < wanted) return { ready: false, message: `statefulset ${name}: ${readyReplicas} of ${wanted} pods ready` };
      const partition = object.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
      if (partition > 0) {
        const updated = status.updatedReplicas ?? 0;
        if (updated < wanted - partition) return { ready: false, message: `statefulset ${name}: ${updated} of ${wanted - partition} pods updated (partition ${partition})` };
        return { ready: true, message: `statefulset ${name} partitioned rollout done` };
      }
      if (status.updateRevision && status.currentRevision !== status.updateRevision) return { ready: false, message: `statefulset ${name}: waiting for pods to reach revision ${status.updateRevision}` };
      return { ready: true, message: `statefulset ${name} rolled out (${readyReplicas}/${wanted})` };
    }
    case 'apps/DaemonSet': {
      if (!observed(object)) return { ready: false, message: `waiting for daemonset ${name} spec update to be observed` };
      const desired = status.desiredNumberScheduled ?? 0;
      const updated = status.updatedNumberScheduled ?? 0;
      if (updated < desired) return { ready: false, message: `daemonset ${name}: ${updated} of ${desired} pods updated` };
      const available = status.numberAvailable ?? 0;
      if (available < desired) return { ready: false, message: `daemonset ${name}: ${available} of ${desired} updated pods available` };
      return { ready: true, message: `daemonset ${name} rolled out (${available}/${desired})` };
    }
    case 'batch/Job': {
      if (condition(object, 'Complete')?.status === 'True') return { ready: true, message: `job ${name} complete` };
      const failedCondition = condition(object, 'Failed');
      if (failedCondition?.status === 'True') return { ready: false, failed: true, message: `job ${name} failed: ${failedCondition.message ?? failedCondition.reason ?? ''}`.trim() };
      return { ready: false, message: `job ${name}: ${status.succeeded ?? 0} of ${object.spec?.completions ?? 1} completions` };
    }
    case 'apiextensions.k8s.io/CustomResourceDefinition': {
      if (condition(object, 'Established')?.status === 'True') return { ready: true, message: `customresourcedefinition ${name} established` };
      const namesAccepted = condition(object, 'NamesAccepted');
      if (namesAccepted?.status === 'False') return { ready: false, failed: true, message: `customresourcedefinition ${name}: ${namesAccepted.message ?? 'names not accepted'}` };
      return { ready: false, message: `customresourcedefinition ${name}: waiting to be established` };
    }
    default:
      return { ready: true, message: `${kind.toLowerCase()} ${name} applied` };
  }
}
