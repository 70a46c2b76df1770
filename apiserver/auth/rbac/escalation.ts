// RBAC's escalation prevention (pkg/registry/rbac/*/policybased): a user may write a Role or
// ClusterRole only with rules they hold themselves, unless granted `escalate` on it, and may bind
// a role only if they hold its rules, unless granted `bind` on it. system:masters may do both.
import type { UserInfo } from '../../authn.ts';
import type { AuthorizationAttributes } from '../../authz.ts';
import type { AdmissionPlugin } from '../../admission/types.ts';
import type { ApiCore } from '../../core.ts';
import { deepEqual } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import { errors, qualifiedResource, StatusError } from '../../status.ts';
import { mastersGroup } from '../authorizers.ts';
import { rbacGroup } from './bootstrap-policy.ts';
import type { RbacAuthorizer, RoleRef } from './authorizer.ts';
import { compactRules, compactString, covers, goQuotedList, policyRulesOf, type PolicyRule } from './rules.ts';

const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

function forbidden(plural: string, name: string | undefined, message: string): StatusError {
  const what = qualifiedResource(plural, rbacGroup);
  return errors.forbidden(name ? `${what} "${name}" is forbidden: ${message}` : `${what} is forbidden: ${message}`, { name, group: rbacGroup, kind: plural });
}

/** Kubernetes' ConfirmNoEscalation message, or undefined when `held` covers `wanted`. */
export function escalationMessage(user: UserInfo, held: PolicyRule[], wanted: PolicyRule[]): string | undefined {
  const { covered, missing } = covers(held, wanted);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort();
  return `user ${JSON.stringify(user.username)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
}

export function rbacEscalationAdmission(core: ApiCore, rbac: RbacAuthorizer): AdmissionPlugin {
  const authorized = async (attributes: Omit<AuthorizationAttributes, 'resourceRequest' | 'apiGroup'>) =>
    (await core.authorizer.authorize({ ...attributes, apiGroup: rbacGroup, resourceRequest: true })).allowed;

  const checkRole = async (plural: 'roles' | 'clusterroles', object: KubeObject, old: KubeObject | undefined, user: UserInfo, namespace: string | undefined) => {
    const name = object.metadata.name;
    const aggregated = plural === 'clusterroles' && (object.aggregationRule !== undefined || old?.aggregationRule !== undefined);
    if (old && deepEqual(old.rules ?? [], object.rules ?? []) && deepEqual(old.aggregationRule, object.aggregationRule)) return;
    if (await authorized({ user, verb: 'escalate', resource: plural, namespace, name })) return;
    const held = rbac.rulesOf(user, namespace);
    const message = escalationMessage(user, held, policyRulesOf(object.rules));
    if (message) throw forbidden(plural, name, message);
    if (aggregated && !covers(held, fullAuthority).covered) throw forbidden(plural, name, 'must have cluster-admin privileges to use the aggregationRule');
  };

  const checkBinding = async (plural: 'rolebindings' | 'clusterrolebindings', object: KubeObject, old: KubeObject | undefined, user: UserInfo, namespace: string | undefined) => {
    if (old && deepEqual(old.roleRef, object.roleRef)) return;
    const roleRef = (object.roleRef ?? {}) as RoleRef;
    const name = object.metadata.name;
    const roleResource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    if (await authorized({ user, verb: 'bind', resource: roleResource, namespace, name: roleRef.name })) return;
    let wanted: PolicyRule[];
    try {
      wanted = rbac.roleReferenceRules(roleRef, namespace);
    } catch (error) {
      throw forbidden(plural, name, error instanceof Error ? error.message : String(error));
    }
    const message = escalationMessage(user, rbac.rulesOf(user, namespace), wanted);
    if (message) throw forbidden(plural, name, message);
  };

  return {
    name: 'RBACEscalation',
    validate({ operation, description, object, oldObject, user, namespace }) {
      if (description.group !== rbacGroup || !object || (operation !== 'CREATE' && operation !== 'UPDATE')) return;
      if (user.groups.includes(mastersGroup)) return;
      switch (description.plural) {
        case 'roles':
        case 'clusterroles':
          return checkRole(description.plural, object, oldObject, user, namespace);
        case 'rolebindings':
        case 'clusterrolebindings':
          return checkBinding(description.plural, object, oldObject, user, namespace);
      }
    },
  };
}
