// PodDisruptionBudgets before policy/v1: policy/v1beta1 (1.5–1.24) and policy/v1alpha1 (1.4). The
// shape is policy/v1's, but there an empty selector {} selected no pods, where policy/v1 selects
// every pod. Kubernetes keeps both meanings apart with a marker label key, and so does k2: a
// v1beta1 {} is stored as "the marker exists" (matches nothing), and a v1 {} reads in v1beta1 as
// "the marker does not exist" (matches everything).
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

export const emptySelectorMarker = 'pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match';

function isEmptySelector(selector: Json): boolean {
  return !Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length && Object.keys(selector).every((k) => k === 'matchLabels' || k === 'matchExpressions');
}

/** The selector that is only the marker with `operator`. */
function isMarkerOnly(selector: Json, operator: 'Exists' | 'DoesNotExist'): boolean {
  const expressions: Json[] = selector.matchExpressions ?? [];
  return !Object.keys(selector.matchLabels ?? {}).length && expressions.length === 1 && expressions[0]!.key === emptySelectorMarker && expressions[0]!.operator === operator;
}

function withoutMarker(selector: Json): Json {
  if (!(selector.matchExpressions ?? []).some((e: Json) => e.key === emptySelectorMarker)) return selector;
  const expressions = (selector.matchExpressions as Json[]).filter((e) => e.key !== emptySelectorMarker);
  const result: Json = { ...selector, matchExpressions: expressions };
  if (!expressions.length) delete result.matchExpressions;
  return result;
}

function selectorToV1(pdb: KubeObject): KubeObject {
  const spec = pdb.spec as Json | undefined;
  const selector = spec?.selector as Json | undefined;
  if (!spec || !selector) return pdb;
  if (isEmptySelector(selector)) spec.selector = { matchExpressions: [{ key: emptySelectorMarker, operator: 'Exists' }] };
  else if (isMarkerOnly(selector, 'DoesNotExist')) spec.selector = {};
  else spec.selector = withoutMarker(selector);
  return pdb;
}

function selectorFromV1(stored: KubeObject): KubeObject {
  const selector = (stored.spec as Json | undefined)?.selector as Json | undefined;
  if (!selector) return stored;
  let replacement: Json | undefined;
  if (isMarkerOnly(selector, 'Exists')) replacement = {};
  else if (isEmptySelector(selector)) replacement = { matchExpressions: [{ key: emptySelectorMarker, operator: 'DoesNotExist' }] };
  if (!replacement) return stored;
  const pdb = cloneObject(stored);
  (pdb.spec as Json).selector = replacement;
  return pdb;
}

const v1beta1Semantics = { toStored: selectorToV1, fromStored: selectorFromV1 };

export const podDisruptionBudgetVersions: VersionDescription[] = [
  { version: 'v1beta1', ...v1beta1Semantics },
  { version: 'v1alpha1', ...v1beta1Semantics },
];

/** policy/v1 keeps the two marker forms and drops the marker from any other selector (as Kubernetes' v1 conversion does). */
export function stripStrayMarker(pdb: KubeObject): void {
  const spec = pdb.spec as Json | undefined;
  const selector = spec?.selector as Json | undefined;
  if (!spec || !selector || isMarkerOnly(selector, 'Exists') || isMarkerOnly(selector, 'DoesNotExist')) return;
  spec.selector = withoutMarker(selector);
}
