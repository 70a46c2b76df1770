// Pod priority: the Priority admission plugin resolves spec.priority (and preemptionPolicy) from
// spec.priorityClassName or the cluster's default PriorityClass, refuses unknown classes, and keeps
// at most one class marked globalDefault. The two system classes exist from the first start.
import type { AdmissionPlugin } from '../apiserver/admission/types.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { apiserverUser } from '../apiserver/bootstrap.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { errors, StatusError } from '../apiserver/status.ts';

type Json = Record<string, any>;

export const systemPriorityClasses = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

/** Creates the built-in PriorityClasses if they are missing (kube-apiserver's scheduling post-start hook). */
export async function ensureSystemPriorityClasses(core: ApiCore): Promise<void> {
  const store = core.storeFor('scheduling.k8s.io', 'priorityclasses');
  for (const pc of systemPriorityClasses) {
    if (await store.find(undefined, pc.name)) continue;
    try {
      await store.create(undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: pc.name }, value: pc.value, description: pc.description, preemptionPolicy: 'PreemptLowerPriority' }, { user: apiserverUser });
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 409)) throw error;
    }
  }
}

function priorityClasses(core: ApiCore): KubeObject[] {
  const store = core.storeFor('scheduling.k8s.io', 'priorityclasses');
  return [...core.cache.list(store.prefix())].map((e) => e.object);
}

/** The globalDefault class (the lowest value if a race left several). */
function defaultClass(core: ApiCore): KubeObject | undefined {
  let chosen: KubeObject | undefined;
  for (const pc of priorityClasses(core)) if (pc.globalDefault === true && (!chosen || (pc.value as number) < (chosen.value as number))) chosen = pc;
  return chosen;
}

export function priorityAdmission(core: ApiCore): AdmissionPlugin {
  const forbidden = (object: KubeObject, resource: string, message: string) =>
    errors.forbidden(`${resource} "${object.metadata.name ?? object.metadata.generateName ?? ''}" is forbidden: ${message}`, { name: object.metadata.name, kind: resource });
  return {
    name: 'Priority',
    mutate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== '' || description.plural !== 'pods' || operation !== 'CREATE' || !object || attributes.subresource) return;
      const spec: Json = ((object.spec as Json | undefined) ??= {});
      let name: string = spec.priorityClassName ?? '';
      let priority = 0;
      let preemptionPolicy = 'PreemptLowerPriority';
      if (!name) {
        const fallback = defaultClass(core);
        if (fallback) {
          name = fallback.metadata.name!;
          priority = fallback.value as number;
          preemptionPolicy = (fallback.preemptionPolicy as string | undefined) ?? preemptionPolicy;
        }
      } else {
        const pc = core.cache.get(core.storeFor('scheduling.k8s.io', 'priorityclasses').key(undefined, name))?.object;
        if (!pc) throw forbidden(object, 'pods', `no PriorityClass with name ${name} was found`);
        priority = pc.value as number;
        preemptionPolicy = (pc.preemptionPolicy as string | undefined) ?? preemptionPolicy;
      }
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== priority) {
        throw forbidden(object, 'pods', `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
      }
      if (spec.preemptionPolicy && spec.preemptionPolicy !== preemptionPolicy) {
        throw forbidden(object, 'pods', `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`);
      }
      if (name) spec.priorityClassName = name;
      spec.priority = priority;
      spec.preemptionPolicy = preemptionPolicy;
    },
    validate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== 'scheduling.k8s.io' || description.plural !== 'priorityclasses' || !object || attributes.subresource) return;
      if ((operation !== 'CREATE' && operation !== 'UPDATE') || object.globalDefault !== true) return;
      const existing = defaultClass(core);
      if (existing && (operation === 'CREATE' || existing.metadata.name !== object.metadata.name)) {
        throw forbidden(object, 'priorityclasses.scheduling.k8s.io', `PriorityClass ${existing.metadata.name} is already marked as default. Only one default can exist`);
      }
    },
  };
}
