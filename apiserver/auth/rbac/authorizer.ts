// The RBAC authorizer: answers from the Roles, ClusterRoles and their bindings in the watch cache
// (as kube-apiserver's reads its informers). The rules that apply to a user are gathered once per
// user, groups and namespace, and forgotten whenever an RBAC object changes.
import type { UserInfo } from '../../authn.ts';
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer, NonResourceRule, ResourceRule } from '../../authz.ts';
import type { ApiCore } from '../../core.ts';
import type { KubeObject } from '../../registry/types.ts';
import { errors } from '../../status.ts';
import { rbacGroup } from './bootstrap-policy.ts';
import { policyRulesOf, ruleAllows, type PolicyRule } from './rules.ts';

const prefixes = {
  clusterRoles: `/registry/clusterroles.${rbacGroup}/`,
  clusterRoleBindings: `/registry/clusterrolebindings.${rbacGroup}/`,
  roles: `/registry/roles.${rbacGroup}/`,
  roleBindings: `/registry/rolebindings.${rbacGroup}/`,
};

export interface RoleRef {
  kind?: string;
  name?: string;
  apiGroup?: string;
}

/** The rules a binding grants a user. Sources are cached per user until RBAC changes, and so is their reason. */
class RuleSource {
  private reason: string | undefined;

  constructor(
    readonly rules: PolicyRule[],
    /** `ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`, as RBAC explains an allowed request. */
    private readonly describe: () => string,
  ) {}

  allowedReason(): string {
    return (this.reason ??= `RBAC: allowed by ${this.describe()}`);
  }
}

interface SubjectLike {
  kind?: string;
  name?: string;
  namespace?: string;
}

const serviceAccountPrefix = 'system:serviceaccount:';

/** Whether a binding subject names this user (directly, by group or as its service account). */
export function subjectApplies(subject: SubjectLike, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return subject.name !== undefined && user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return Boolean(namespace) && user.username === `${serviceAccountPrefix}${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: SubjectLike, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount ${JSON.stringify(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  return `${subject.kind} ${JSON.stringify(subject.name)}`;
}

const maxCachedUsers = 2000;

export class RbacAuthorizer implements Authorizer {
  private readonly stops: (() => void)[] = [];
  /** Bumped on every change of an RBAC object; cached rules of older generations are stale. */
  private generation = 0;
  private readonly cached = new Map<string, { generation: number; cluster: RuleSource[]; namespaces: Map<string, RuleSource[]> }>();

  constructor(private readonly core: ApiCore) {}

  /** Follows RBAC objects in the watch cache. */
  start(): void {
    for (const prefix of Object.values(prefixes)) {
      this.stops.push(this.core.cache.subscribe(prefix, this.core.cache.revision, () => this.generation++));
    }
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  async authorize(attributes: AuthorizationAttributes): Promise<AuthorizationDecision> {
    let decision = this.decide(attributes);
    if (!decision.allowed) {
      // A binding written just now may not have reached the cache yet: look again once it has.
      const generation = this.generation;
      await this.core.cache.sync();
      if (generation !== this.generation) decision = this.decide(attributes);
    }
    return decision;
  }

  private decide(attributes: AuthorizationAttributes): AuthorizationDecision {
    for (const source of this.sources(attributes.user, attributes.namespace)) {
      for (const rule of source.rules) {
        if (ruleAllows(attributes, rule)) return { allowed: true, reason: source.allowedReason() };
      }
    }
    return { allowed: false, reason: '' };
  }

  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean } {
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const rule of this.rulesOf(user, namespace)) {
      if (rule.nonResourceURLs?.length) nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
      else {
        const resourceRule: ResourceRule = { verbs: rule.verbs, apiGroups: rule.apiGroups, resources: rule.resources };
        if (rule.resourceNames?.length) resourceRule.resourceNames = rule.resourceNames;
        resourceRules.push(resourceRule);
      }
    }
    return { resourceRules, nonResourceRules, incomplete: false };
  }

  /** Every rule the user holds in `namespace` ('' = cluster-wide only). */
  rulesOf(user: UserInfo, namespace: string | undefined): PolicyRule[] {
    return this.sources(user, namespace).flatMap((source) => source.rules);
  }

  /** The rules a roleRef names; 404 when the role does not exist. */
  roleReferenceRules(roleRef: RoleRef, namespace: string | undefined): PolicyRule[] {
    if (roleRef.kind === 'ClusterRole') {
      const role = this.core.cache.get(`${prefixes.clusterRoles}${roleRef.name}`);
      if (!role) throw errors.notFound('clusterroles', rbacGroup, roleRef.name ?? '');
      return policyRulesOf(role.object.rules);
    }
    if (roleRef.kind === 'Role' && namespace) {
      const role = this.core.cache.get(`${prefixes.roles}${namespace}/${roleRef.name}`);
      if (!role) throw errors.notFound('roles', rbacGroup, roleRef.name ?? '');
      return policyRulesOf(role.object.rules);
    }
    throw errors.badRequest(`unsupported role reference kind: ${JSON.stringify(roleRef.kind)}`);
  }

  private safeRoleRules(roleRef: RoleRef, namespace: string | undefined): PolicyRule[] {
    try {
      return this.roleReferenceRules(roleRef, namespace);
    } catch {
      return []; // a binding to a missing role grants nothing
    }
  }

  private sources(user: UserInfo, namespace: string | undefined): RuleSource[] {
    const key = `${user.username}\u0000${user.groups.join('\u0001')}`;
    let entry = this.cached.get(key);
    if (!entry || entry.generation !== this.generation) {
      if (this.cached.size >= maxCachedUsers) this.cached.clear();
      entry = { generation: this.generation, cluster: this.clusterSources(user), namespaces: new Map() };
      this.cached.set(key, entry);
    }
    if (!namespace) return entry.cluster;
    let namespaced = entry.namespaces.get(namespace);
    if (!namespaced) {
      namespaced = [...entry.cluster, ...this.namespaceSources(user, namespace)];
      entry.namespaces.set(namespace, namespaced);
    }
    return namespaced;
  }

  private clusterSources(user: UserInfo): RuleSource[] {
    const sources: RuleSource[] = [];
    for (const { object: binding } of this.core.cache.list(prefixes.clusterRoleBindings)) {
      const roleRef = (binding.roleRef ?? {}) as RoleRef;
      if (roleRef.kind !== 'ClusterRole') continue;
      const subject = this.matchingSubject(binding, user, '');
      if (!subject) continue;
      sources.push(
        new RuleSource(
          this.safeRoleRules(roleRef, undefined),
          () => `ClusterRoleBinding ${JSON.stringify(binding.metadata.name)} of ClusterRole ${JSON.stringify(roleRef.name)} to ${describeSubject(subject, '')}`,
        ),
      );
    }
    return sources;
  }

  private namespaceSources(user: UserInfo, namespace: string): RuleSource[] {
    const sources: RuleSource[] = [];
    for (const { object: binding } of this.core.cache.list(`${prefixes.roleBindings}${namespace}/`)) {
      const roleRef = (binding.roleRef ?? {}) as RoleRef;
      const subject = this.matchingSubject(binding, user, namespace);
      if (!subject) continue;
      sources.push(
        new RuleSource(
          this.safeRoleRules(roleRef, namespace),
          () => `RoleBinding ${JSON.stringify(`${binding.metadata.name}/${namespace}`)} of ${roleRef.kind} ${JSON.stringify(roleRef.name)} to ${describeSubject(subject, namespace)}`,
        ),
      );
    }
    return sources;
  }

  private matchingSubject(binding: KubeObject, user: UserInfo, namespace: string): SubjectLike | undefined {
    const subjects = Array.isArray(binding.subjects) ? (binding.subjects as SubjectLike[]) : [];
    return subjects.find((subject) => subject && typeof subject === 'object' && subjectApplies(subject, user, namespace));
  }
}
