// Impersonation (`kubectl --as`, `--as-group`, `--as-uid`): the Impersonate-User, -Group, -Uid and
// -Extra-<key> headers make a request act as another user, provided the requester may
// `impersonate` each of those (users, groups, serviceaccounts, uids, userextras/<key>).
import type { IncomingHttpHeaders } from 'node:http';
import type { UserInfo } from '../authn.ts';
import { forbiddenError, type AuthorizationAttributes, type Authorizer } from '../authz.ts';
import { errors } from '../status.ts';
import { parseServiceAccountUsername, serviceAccountGroups } from './service-account-tokens.ts';
import { authenticatedGroup } from './token-authentication.ts';

const unauthenticatedGroup = 'system:unauthenticated';
const anonymousUser = 'system:anonymous';
const extraPrefix = 'impersonate-extra-';

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((v) => (name === 'impersonate-group' ? [v] : v.split(','))).map((v) => v.trim()).filter((v) => v !== '');
}

export function wantsImpersonation(headers: IncomingHttpHeaders): boolean {
  return Object.keys(headers).some((name) => name.startsWith('impersonate-'));
}

/** The user a request acts as: `requester` itself, or whom its Impersonate-* headers name (403 if not allowed). */
export async function impersonatedUser(headers: IncomingHttpHeaders, requester: UserInfo, authorizer: Authorizer): Promise<UserInfo> {
  if (!wantsImpersonation(headers)) return requester;
  const usernames = headerValues(headers, 'impersonate-user');
  const groupsWanted = Array.isArray(headers['impersonate-group']) ? headers['impersonate-group'] : headers['impersonate-group'] !== undefined ? [headers['impersonate-group']] : [];
  const uids = headerValues(headers, 'impersonate-uid');
  const extra: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(extraPrefix) || value === undefined) continue;
    let key: string;
    try {
      key = decodeURIComponent(name.slice(extraPrefix.length));
    } catch {
      throw errors.badRequest(`invalid impersonation extra key ${JSON.stringify(name.slice(extraPrefix.length))}`);
    }
    extra[key] = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim());
  }
  if (usernames.length !== 1) {
    throw errors.badRequest(usernames.length ? 'only one user may be impersonated' : 'requested impersonation of groups, extra fields or a UID without impersonating a user');
  }
  const username = usernames[0]!;
  if (uids.length > 1) throw errors.badRequest('only one UID may be impersonated');

  const check = async (attributes: Omit<AuthorizationAttributes, 'user' | 'verb' | 'resourceRequest'>) => {
    const full: AuthorizationAttributes = { ...attributes, user: requester, verb: 'impersonate', resourceRequest: true };
    const decision = await authorizer.authorize(full);
    if (!decision.allowed) throw forbiddenError(full, decision.reason);
  };

  let groups: string[] = [];
  const serviceAccount = parseServiceAccountUsername(username);
  if (serviceAccount) {
    await check({ apiGroup: '', resource: 'serviceaccounts', namespace: serviceAccount.namespace, name: serviceAccount.name });
    if (!groupsWanted.length) groups = serviceAccountGroups(serviceAccount.namespace);
  } else {
    await check({ apiGroup: '', resource: 'users', name: username });
  }
  for (const group of groupsWanted) {
    await check({ apiGroup: '', resource: 'groups', name: group });
    groups.push(group);
  }
  for (const [key, values] of Object.entries(extra)) {
    for (const value of values) await check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: value });
  }
  if (uids[0] !== undefined) await check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uids[0] });

  if (username !== anonymousUser) {
    if (!groups.includes(authenticatedGroup) && !groups.includes(unauthenticatedGroup)) groups.push(authenticatedGroup);
  } else if (!groups.includes(unauthenticatedGroup)) {
    groups.push(unauthenticatedGroup);
  }
  const user: UserInfo = { username, groups };
  if (uids[0] !== undefined) user.uid = uids[0];
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
