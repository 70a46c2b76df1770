// Defaults the old workload versions (extensions/v1beta1, apps/v1beta1, apps/v1alpha1) applied and
// apps/v1 dropped (its selector is required): a missing selector selects the pod template's labels,
// and an unlabelled object takes them too.
import type { KubeObject } from '../../registry/types.ts';

type Json = Record<string, any>;

/** Kubernetes' "unlimited" for revisionHistoryLimit and progressDeadlineSeconds in extensions/v1beta1. */
export const maxInt32 = 2147483647;

export function defaultSelectorAndLabelsFromTemplate(object: KubeObject): void {
  const spec: Json = ((object.spec as Json | undefined) ??= {});
  const labels = spec.template?.metadata?.labels as Record<string, string> | undefined;
  if (!labels || !Object.keys(labels).length) return;
  spec.selector ??= { matchLabels: { ...labels } };
  if (!object.metadata.labels || !Object.keys(object.metadata.labels).length) object.metadata.labels = { ...labels };
}
