// Creates the default RBAC policy at start, as kube-apiserver's rbac/bootstrap-roles post-start
// hook: missing roles and bindings are created; existing ones that keep the autoupdate annotation
// get back missing rules, labels, aggregation selectors and subjects (nothing is ever removed);
// an object annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` is left as it is.
import type { UserInfo } from '../../authn.ts';
import type { ApiCore } from '../../core.ts';
import { deepEqual } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import { StatusError } from '../../status.ts';
import { autoUpdateAnnotation, bootstrapPolicy, rbacGroup } from './bootstrap-policy.ts';
import { covers, policyRulesOf } from './rules.ts';

export interface ReconcileResult {
  created: number;
  updated: number;
}

/**
 * Whether `list` holds every item of `wanted` as the same JSON text. The defaults stored by an earlier start are
 * these very objects written back, so their text matches; one that differs only in key order is not found here and
 * goes the slower way below (a list compared item by item with deepEqual cost ~20 ms for aggregated roles).
 */
function holdsAsText(list: unknown, wanted: unknown[] | undefined): boolean {
  if (!wanted?.length) return true;
  if (!Array.isArray(list)) return false;
  const have = new Set(list.map((entry) => JSON.stringify(entry)));
  return wanted.every((item) => have.has(JSON.stringify(item)));
}

/**
 * The common case at every later start: the stored object holds each default rule, selector and subject as it
 * is, and its labels and annotations. Checking that is far cheaper than the rule coverage below (~20 ms for the
 * whole default policy), and when it holds, reconciled() finds nothing missing.
 */
function holdsDefaultsVerbatim(existing: KubeObject, wanted: KubeObject): boolean {
  const { labels, annotations } = existing.metadata;
  const selectors = (object: KubeObject) => (object.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors;
  return (
    deepEqual({ ...wanted.metadata.labels, ...labels }, labels) &&
    deepEqual({ ...wanted.metadata.annotations, ...annotations }, annotations) &&
    holdsAsText(existing.rules, wanted.rules as unknown[] | undefined) &&
    holdsAsText(selectors(existing), selectors(wanted)) &&
    holdsAsText(existing.subjects, wanted.subjects as unknown[] | undefined)
  );
}

/** What a default object adds to the stored one; undefined when nothing is missing. */
function reconciled(existing: KubeObject, wanted: KubeObject): KubeObject | undefined {
  if (existing.metadata.annotations?.[autoUpdateAnnotation] === 'false') return undefined;
  if (holdsDefaultsVerbatim(existing, wanted)) return undefined;
  const next = structuredClone(existing);
  next.metadata.labels = { ...wanted.metadata.labels, ...existing.metadata.labels };
  next.metadata.annotations = { ...wanted.metadata.annotations, ...existing.metadata.annotations };
  if (wanted.rules) {
    const have = policyRulesOf(existing.rules);
    const missing = policyRulesOf(wanted.rules).filter((rule) => !covers(have, [rule]).covered);
    if (missing.length) next.rules = [...((existing.rules as unknown[]) ?? []), ...missing];
  }
  const wantedSelectors = (wanted.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors;
  if (wantedSelectors) {
    const selectors = [...(((existing.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined)?.clusterRoleSelectors) ?? [])];
    for (const selector of wantedSelectors) if (!selectors.some((s) => deepEqual(s, selector))) selectors.push(selector);
    next.aggregationRule = { ...(existing.aggregationRule as object), clusterRoleSelectors: selectors };
  }
  if (wanted.subjects) {
    const subjects = [...((existing.subjects as unknown[]) ?? [])];
    for (const subject of wanted.subjects as unknown[]) if (!subjects.some((s) => deepEqual(s, subject))) subjects.push(subject);
    next.subjects = subjects;
  }
  return deepEqual(next, existing) ? undefined : next;
}

export async function reconcileBootstrapPolicy(core: ApiCore, user: UserInfo): Promise<ReconcileResult> {
  const policy = bootstrapPolicy();
  const result: ReconcileResult = { created: 0, updated: 0 };
  const ensure = async (plural: string, wanted: KubeObject) => {
    const store = core.storeFor(rbacGroup, plural);
    const { namespace, name } = wanted.metadata;
    const existing = await store.find(namespace, name!);
    if (existing) {
      const roleRef = existing.roleRef;
      if (wanted.roleRef && !deepEqual(roleRef, wanted.roleRef) && existing.metadata.annotations?.[autoUpdateAnnotation] !== 'false') {
        // roleRef is immutable: a binding pointing elsewhere is replaced.
        await store.delete(namespace, name!, { user });
        await store.create(namespace, structuredClone(wanted), { user });
        result.updated++;
        return;
      }
      const next = reconciled(existing, wanted);
      if (!next) return;
      await store.guaranteedUpdate(namespace, name!, (current) => reconciled(current, wanted) ?? current, { user });
      result.updated++;
      return;
    }
    try {
      await store.create(namespace, structuredClone(wanted), { user });
      result.created++;
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 409)) throw error;
    }
  };
  // Roles before the bindings that name them; each group in parallel (one commit batch each).
  await Promise.all([...policy.clusterRoles.map((r) => ensure('clusterroles', r)), ...policy.roles.map((r) => ensure('roles', r))]);
  await Promise.all([...policy.clusterRoleBindings.map((b) => ensure('clusterrolebindings', b)), ...policy.roleBindings.map((b) => ensure('rolebindings', b))]);
  return result;
}
