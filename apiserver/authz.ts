// Authorization: may this user do this? Requests carry Kubernetes' authorizer attributes.
import type { UserInfo } from './authn.ts';
import { errors, qualifiedResource, type StatusError } from './status.ts';

export interface AuthorizationAttributes {
  user: UserInfo;
  verb: string;
  /** Resource requests. */
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** Non-resource requests (/healthz, /version, /metrics…). */
  path?: string;
  resourceRequest: boolean;
}

export interface AuthorizationDecision {
  allowed: boolean;
  /** Why (or why not), as Kubernetes' authorizers word it. */
  reason?: string;
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface Authorizer {
  authorize(attributes: AuthorizationAttributes): AuthorizationDecision | Promise<AuthorizationDecision>;
  /** What the user may do in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): { resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean } | Promise<{ resourceRules: ResourceRule[]; nonResourceRules: NonResourceRule[]; incomplete: boolean }>;
}

/** Every authenticated request is allowed: k2's mode until RBAC is enabled. */
export const allowAllAuthorizer: Authorizer = {
  authorize: () => ({ allowed: true, reason: '' }),
  rulesFor: () => ({
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  }),
};

/** kube-apiserver's Forbidden for a denied request, e.g. `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`. */
export function forbiddenError(attributes: AuthorizationAttributes, reason?: string): StatusError {
  const user = attributes.user.username;
  const suffix = reason ? `: ${reason}` : '';
  if (!attributes.resourceRequest) {
    return errors.forbidden(`forbidden: User "${user}" cannot ${attributes.verb} path "${attributes.path}"${suffix}`);
  }
  const group = attributes.apiGroup ?? '';
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource ?? '';
  const what = `${qualifiedResource(attributes.resource ?? '', group)}${attributes.name ? ` "${attributes.name}"` : ''}`;
  const scope = attributes.namespace ? `in the namespace "${attributes.namespace}"` : 'at the cluster scope';
  return errors.forbidden(`${what} is forbidden: User "${user}" cannot ${attributes.verb} resource "${resource}" in API group "${group}" ${scope}${suffix}`, {
    name: attributes.name,
    group,
    kind: attributes.resource,
  });
}
