// DefaultTolerationSeconds admission: every new pod tolerates the not-ready and unreachable
// NoExecute taints for 300 s unless it says otherwise, so the taint eviction controller evicts pods
// from a lost node five minutes after it is lost, as in Kubernetes.
import type { AdmissionPlugin } from '../apiserver/admission/types.ts';
import { nodeTaintKeys, type Toleration } from '../scheduler/tolerations.ts';

export const defaultTolerationSeconds = 300;

export function defaultTolerationSecondsAdmission(seconds = defaultTolerationSeconds): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    mutate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== '' || description.plural !== 'pods' || operation !== 'CREATE' || !object || attributes.subresource) return;
      const spec = ((object.spec as { tolerations?: Toleration[] } | undefined) ??= {});
      const tolerations = spec.tolerations ?? [];
      const toleratesAlready = (key: string) => tolerations.some((t) => (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect));
      const added: Toleration[] = [];
      for (const key of [nodeTaintKeys.notReady, nodeTaintKeys.unreachable]) {
        if (!toleratesAlready(key)) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
      }
      if (added.length) spec.tolerations = [...tolerations, ...added];
    },
  };
}
