// The authorizer chain kube-apiserver runs: members of system:masters may do anything, then the
// Node authorizer (agents), then RBAC. The first that allows decides; otherwise the request is
// denied with every authorizer's reason.
import type { UserInfo } from '../authn.ts';
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer, NonResourceRule, ResourceRule } from '../authz.ts';

export const mastersGroup = 'system:masters';

type Rules = { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean };

/**
 * Members of the privileged groups pass every check (kube-apiserver's system:masters authorizer). Like that one, it
 * lists no rules: a rules review (`kubectl auth can-i --list`) shows what RBAC grants, the cluster-admin binding of
 * system:masters included, once.
 */
export function privilegedGroupAuthorizer(groups: string[] = [mastersGroup]): Authorizer {
  const privileged = (user: UserInfo) => user.groups.some((group) => groups.includes(group));
  return {
    authorize: (attributes) => ({ allowed: privileged(attributes.user), reason: '' }),
    rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: false }),
  };
}

export class UnionAuthorizer implements Authorizer {
  constructor(private readonly authorizers: Authorizer[]) {}

  async authorize(attributes: AuthorizationAttributes): Promise<AuthorizationDecision> {
    const reasons: string[] = [];
    for (const authorizer of this.authorizers) {
      const decision = await authorizer.authorize(attributes);
      if (decision.allowed) return decision;
      if (decision.reason) reasons.push(decision.reason);
    }
    return { allowed: false, reason: reasons.join('\n') };
  }

  async rulesFor(user: UserInfo, namespace: string): Promise<Rules> {
    const all: Rules = { resourceRules: [], nonResourceRules: [], incomplete: false };
    for (const authorizer of this.authorizers) {
      const rules = await authorizer.rulesFor(user, namespace);
      all.resourceRules.push(...rules.resourceRules);
      all.nonResourceRules.push(...rules.nonResourceRules);
      all.incomplete ||= rules.incomplete;
    }
    return all;
  }
}
