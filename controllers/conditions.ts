// Status conditions as Kubernetes' controllers keep them: a condition whose status and reason did
// not change is left alone; lastTransitionTime moves only when the status changes.
import { timestamp } from '../apiserver/registry/object-meta.ts';

type Json = Record<string, any>;

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

export function findCondition(conditions: Json[] | undefined, type: string): Json | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Sets `condition` in `conditions` (returns the new list). With `compareMessage` a changed message
 * also counts as a change (Jobs, PDBs); without it only status and reason do (Deployments).
 */
export function setCondition(conditions: Json[] | undefined, condition: Condition, options: { compareMessage?: boolean; now?: string } = {}): Json[] {
  const list = conditions ?? [];
  const current = list.find((c) => c.type === condition.type);
  const now = options.now ?? timestamp();
  if (current && current.status === condition.status && current.reason === condition.reason && (!options.compareMessage || current.message === condition.message)) return list;
  const next: Json = { ...condition };
  if ('lastUpdateTime' in condition || (current && 'lastUpdateTime' in current)) next.lastUpdateTime = condition.lastUpdateTime ?? now;
  next.lastTransitionTime = current && current.status === condition.status ? current.lastTransitionTime : (condition.lastTransitionTime ?? now);
  return [...list.filter((c) => c.type !== condition.type), next];
}

export function removeCondition(conditions: Json[] | undefined, type: string): Json[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
