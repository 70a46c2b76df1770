// LeaseCandidate: coordination.k8s.io/v1alpha1 (1.31) listed preferredStrategies; v1alpha2 (1.32) and
// v1beta1 (1.33) name one strategy. Stored in v1beta1. The first preferred strategy is the strategy;
// the rest of a longer list is kept in an annotation so that a v1alpha1 round trip loses nothing.
import { setAnnotation, takeAnnotation } from '../../registry/conversion.ts';
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import { defineKind } from '../define.ts';

type Json = Record<string, any>;

export const preferredStrategiesAnnotation = 'versionless.k2.io/coordination-v1alpha1-preferred-strategies';

function v1alpha1ToStored(candidate: KubeObject): KubeObject {
  const spec = candidate.spec as Json | undefined;
  if (!spec || !('preferredStrategies' in spec)) return candidate;
  const strategies = (spec.preferredStrategies ?? []) as string[];
  delete spec.preferredStrategies;
  if (strategies.length) spec.strategy = strategies[0];
  setAnnotation(candidate, preferredStrategiesAnnotation, strategies.length > 1 ? JSON.stringify(strategies) : undefined);
  return candidate;
}

function v1alpha1FromStored(stored: KubeObject): KubeObject {
  const candidate = cloneObject(stored);
  const spec = (candidate.spec ?? {}) as Json;
  const kept = takeAnnotation(candidate, preferredStrategiesAnnotation);
  let strategies: unknown;
  try {
    strategies = kept === undefined ? undefined : JSON.parse(kept);
  } catch {
    strategies = undefined;
  }
  // The kept list counts only while its first entry is still the strategy.
  if (Array.isArray(strategies) && strategies[0] === spec.strategy) spec.preferredStrategies = strategies;
  else if (spec.strategy !== undefined) spec.preferredStrategies = [spec.strategy];
  delete spec.strategy;
  return candidate;
}

export const leaseCandidates = defineKind({
  group: 'coordination.k8s.io',
  kind: 'LeaseCandidate',
  plural: 'leasecandidates',
  namespaced: true,
  versions: ['v1beta1', 'v1alpha2', { version: 'v1alpha1', toStored: v1alpha1ToStored, fromStored: v1alpha1FromStored }],
});
