// Authentication by bearer tokens: service-account tokens from TokenRequest (audiences, expiry,
// binding to pods and secrets, revocation), legacy Secret tokens, bootstrap tokens, the static
// token file, TokenReview, issuer discovery; and the Node authorizer's view of what an agent may read.
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTokenSecret } from '../../apiserver/auth/bootstrap-tokens.ts';
import { parseTokenFile, TokenFileAuthenticator } from '../../apiserver/auth/token-file.ts';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { admin, securityFixture, user, type SecurityFixture } from './fixture.ts';

const audience = 'https://kubernetes.default.svc.cluster.local';

function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

describe('service-account tokens', () => {
  let f: SecurityFixture;
  let pod: any;
  const tokenUrl = (sa: string, ns = 'team') => `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`;
  const whoami = async (token: string) => f.request(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  const review = async (token: string, audiences?: string[]) => (await f.request(admin, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } })).body;

  beforeAll(async () => {
    f = await securityFixture();
    await f.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await f.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'team' } });
    await f.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await f.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    await f.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'used', namespace: 'team' }, stringData: { a: 'b' } });
    await f.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unused', namespace: 'team' }, stringData: { a: 'b' } });
    pod = await f.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'team' },
      spec: { nodeName: 'n1', serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'used', key: 'a' } } }] }] },
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('issues tokens with Kubernetes\' claims, defaults and validation', async () => {
    const response = await f.request(admin, 'POST', tokenUrl('robot'), { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name: 'robot', namespace: 'team' }, spec: { audiences: [audience], expirationSeconds: 3600, boundObjectRef: null } });
    const claims = claimsOf(response.body.status.token);
    expect(claims).toMatchObject({ aud: [audience], iss: audience, sub: 'system:serviceaccount:team:robot', 'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'robot' } } });
    expect(claims.exp - claims.iat).toBe(3600);
    expect(Date.parse(response.body.status.expirationTimestamp) / 1000).toBe(claims.exp);
    const short = await f.request(admin, 'POST', tokenUrl('robot'), { spec: { expirationSeconds: 60 } });
    expect(short.status).toBe(422);
    expect(short.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    expect((await f.request(admin, 'POST', tokenUrl('nobody'), { spec: {} })).body.message).toBe('serviceaccounts "nobody" not found');
  });

  it('authenticates as the service account, and RBAC applies to it', async () => {
    const token = (await f.request(admin, 'POST', tokenUrl('robot'), { spec: {} })).body.status.token;
    const me = await whoami(token);
    expect(me.body.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:team:robot',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claimsOf(token).jti}`] },
    });
    expect(me.body.status.userInfo.uid).toMatch(/^[0-9a-f-]{36}$/);
    const denied = await f.request(token, 'GET', '/api/v1/namespaces/team/pods');
    expect(denied.body.message).toBe('pods is forbidden: User "system:serviceaccount:team:robot" cannot list resource "pods" in API group "" in the namespace "team"');
    await f.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-view', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot' }] });
    expect((await f.request(token, 'GET', '/api/v1/namespaces/team/pods')).status).toBe(200);
  });

  it('refuses expired, wrong-audience, forged and revoked tokens with 401', async () => {
    const account = (await f.request(admin, 'GET', '/api/v1/namespaces/team/serviceaccounts/robot')).body;
    const expired = f.security.tokens.key.sign({ ...claimsOf(f.security.tokens.issue(account, [audience], 3600).token), exp: Math.floor(Date.now() / 1000) - 5 });
    expect((await f.request(expired, 'GET', '/api')).status).toBe(401);
    expect((await review(expired)).status.error).toContain('service account token has expired');
    const vault = (await f.request(admin, 'POST', tokenUrl('robot'), { spec: { audiences: ['vault'] } })).body.status.token;
    const refused = await f.request(vault, 'GET', '/api');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    expect(await review(vault, ['vault'])).toMatchObject({ status: { authenticated: true, audiences: ['vault'], user: { username: 'system:serviceaccount:team:robot' } } });
    const [header, payload, signature] = vault.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(vault), aud: [audience] })).toString('base64url')}.${signature}`;
    expect((await f.request(forged, 'GET', '/api')).status).toBe(401);
    expect(payload).toBeTruthy();
    // A token of a re-created account (new UID) no longer works.
    const old = (await f.request(admin, 'POST', tokenUrl('robot'), { spec: {} })).body.status.token;
    await f.request(admin, 'DELETE', '/api/v1/namespaces/team/serviceaccounts/robot');
    await f.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'team' } });
    expect((await f.request(old, 'GET', '/api')).status).toBe(401);
    expect((await review(old)).status.error).toMatch(/service account UID \(.*\) does not match claim/);
  });

  it('binds tokens to a pod: the pod\'s deletion revokes them; the node agent\'s 3607 s tokens last a year', async () => {
    const ref = { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata.uid };
    const response = await f.request(admin, 'POST', tokenUrl('robot'), { spec: { boundObjectRef: ref, expirationSeconds: 3607 } });
    expect(response.status).toBe(201);
    const claims = claimsOf(response.body.status.token);
    expect(claims['kubernetes.io']).toMatchObject({ pod: { name: 'p', uid: pod.metadata.uid }, node: { name: 'n1' } });
    expect(claims.exp - claims.iat).toBe(365 * 24 * 3600);
    expect(claims['kubernetes.io'].warnafter - claims.iat).toBe(3607);
    const me = (await whoami(response.body.status.token)).body.status.userInfo;
    expect(me.extra).toMatchObject({ 'authentication.kubernetes.io/pod-name': ['p'], 'authentication.kubernetes.io/pod-uid': [pod.metadata.uid], 'authentication.kubernetes.io/node-name': ['n1'] });
    const conflict = await f.request(admin, 'POST', tokenUrl('robot'), { spec: { boundObjectRef: { ...ref, uid: 'other' } } });
    expect(conflict.status).toBe(409);
    const wrongAccount = await f.request(admin, 'POST', tokenUrl('default'), { spec: { boundObjectRef: ref } });
    expect(wrongAccount.body.message).toBe('cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.');
    // The pod of a re-created robot account: bind again to its current UID.
    const rebound = await f.request(admin, 'POST', tokenUrl('robot'), { spec: { boundObjectRef: ref } });
    expect((await f.request(rebound.body.status.token, 'GET', '/api')).status).toBe(200);
    await f.request(admin, 'DELETE', '/api/v1/namespaces/team/pods/p', { gracePeriodSeconds: 0 });
    expect((await f.request(rebound.body.status.token, 'GET', '/api')).status).toBe(401);
    expect((await review(rebound.body.status.token)).status.error).toContain('pod "p" not found');
    pod = await f.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { nodeName: 'n1', serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'used', key: 'a' } } }] }] } });
  });

  it('fills legacy token Secrets only when asked, valid while the Secret exists', async () => {
    await f.apply({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'robot-token', namespace: 'team', annotations: { 'kubernetes.io/service-account.name': 'robot' } } });
    const secret = await f.eventually(async () => {
      const body = (await f.request(admin, 'GET', '/api/v1/namespaces/team/secrets/robot-token')).body;
      return body.data?.token ? body : undefined;
    });
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    const token = Buffer.from(secret.data.token, 'base64').toString();
    expect(claimsOf(token).iss).toBe('kubernetes/serviceaccount');
    expect((await whoami(token)).body.status.userInfo.username).toBe('system:serviceaccount:team:robot');
    await f.request(admin, 'DELETE', '/api/v1/namespaces/team/secrets/robot-token');
    expect((await f.request(token, 'GET', '/api')).status).toBe(401);
    const secrets = (await f.request(admin, 'GET', '/api/v1/namespaces/team/secrets')).body.items.map((s: any) => s.metadata.name);
    expect(secrets).not.toContain('robot-token');
    expect(secrets.some((name: string) => name.startsWith('robot-token'))).toBe(false);
  });

  it('authenticates bootstrap tokens as system:bootstrap:<id> until they expire', async () => {
    await f.apply(bootstrapTokenSecret('abcdef', '0123456789abcdef', { extraGroups: ['system:bootstrappers:k2:agents'] }));
    const me = (await whoami('abcdef.0123456789abcdef')).body.status.userInfo;
    expect(me).toEqual({ username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:k2:agents', 'system:authenticated'] });
    expect((await f.request('abcdef.0123456789abcdee', 'GET', '/api')).status).toBe(401);
    await f.apply(bootstrapTokenSecret('zzzzzz', '0123456789abcdef', { expiration: new Date(Date.now() - 1000) }));
    expect((await f.request('zzzzzz.0123456789abcdef', 'GET', '/api')).status).toBe(401);
    // A joining agent may ask for a node client certificate.
    const csr = await f.request('abcdef.0123456789abcdef', 'GET', '/apis/certificates.k8s.io/v1/certificatesigningrequests');
    expect(csr.status).toBe(200);
  });

  it('publishes the OpenID configuration and JWKS that verify its tokens', async () => {
    const token = (await f.request(admin, 'POST', tokenUrl('robot'), { spec: {} })).body.status.token as string;
    const configuration = (await f.request(token, 'GET', '/.well-known/openid-configuration')).body;
    expect(configuration).toEqual({
      issuer: audience,
      jwks_uri: `${audience}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const jwks = (await f.request(token, 'GET', '/openid/v1/jwks')).body;
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const key = jwks.keys.find((k: { kid: string }) => k.kid === JSON.parse(Buffer.from(header, 'base64url').toString()).kid);
    const ok = verify('sha256', Buffer.from(`${header}.${payload}`), { key: createPublicKey({ key, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
    expect(ok).toBe(true);
    expect((await f.request(user('jane'), 'GET', '/openid/v1/jwks')).status).toBe(403);
  });

  it('lets a node agent read only what its pods use and ask tokens only for them (Node authorizer, NodeRestriction)', async () => {
    const n1 = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
    const n2 = { username: 'system:node:n2', groups: ['system:nodes', 'system:authenticated'] };
    expect((await f.request(n1, 'GET', '/api/v1/namespaces/team/secrets/used')).status).toBe(200);
    const unused = await f.request(n1, 'GET', '/api/v1/namespaces/team/secrets/unused');
    expect(unused.body.message).toBe('secrets "unused" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "team": no relationship found between node \'n1\' and this object');
    expect((await f.request(n2, 'GET', '/api/v1/namespaces/team/secrets/used')).status).toBe(403);
    expect((await f.request(n1, 'GET', '/api/v1/namespaces/team/secrets')).status).toBe(403);
    const ref = { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata.uid };
    expect((await f.request(n1, 'POST', tokenUrl('robot'), { spec: { boundObjectRef: ref, audiences: [audience], expirationSeconds: 3607 } })).status).toBe(201);
    expect((await f.request(n2, 'POST', tokenUrl('robot'), { spec: { boundObjectRef: ref } })).status).toBe(403);
    // The in-process node agent asks the same way, without HTTP.
    const inProcess = await f.security.serviceAccountToken(n1, 'team', 'robot', { boundObjectRef: ref, expirationSeconds: 3607 });
    expect(claimsOf(inProcess)['kubernetes.io'].pod.name).toBe('p');
    await expect(f.security.serviceAccountToken(n2, 'team', 'robot', { boundObjectRef: ref, expirationSeconds: 3607 })).rejects.toThrow(
      'serviceaccounts "robot" is forbidden: User "system:node:n2" cannot create resource "serviceaccounts/token" in API group "" in the namespace "team": no relationship found between node \'n2\' and this object',
    );
    const unbound = await f.request(n1, 'POST', tokenUrl('robot'), { spec: {} });
    expect(unbound.body.message).toBe('serviceaccounts "robot" is forbidden: node requested token not bound to a pod');
    // Nodes write their own Node and the status of their own pods only.
    expect((await f.request(n1, 'PATCH', '/api/v1/nodes/n1', { metadata: { labels: { a: 'b' } } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
    const other = await f.request(n1, 'PATCH', '/api/v1/nodes/n2', { metadata: { labels: { a: 'b' } } }, { 'content-type': 'application/merge-patch+json' });
    expect(other.body.message).toBe('nodes "n2" is forbidden: node "system:node:n1" is not allowed to modify node "n2"'.replace('system:node:n1', 'n1'));
    expect((await f.request(n1, 'PATCH', '/api/v1/namespaces/team/pods/p/status', { status: { phase: 'Running' } }, { 'content-type': 'application/merge-patch+json' })).status).toBe(200);
    expect((await f.request(n2, 'PATCH', '/api/v1/namespaces/team/pods/p/status', { status: { phase: 'Failed' } }, { 'content-type': 'application/merge-patch+json' })).body.message).toBe(
      'pods "p" is forbidden: node "n2" can only update pod status for pods with spec.nodeName set to itself',
    );
    expect((await f.request(n1, 'GET', '/api/v1/namespaces/team/pods')).status).toBe(200);
    // The agent is also the service proxy: it follows Services and EndpointSlices everywhere.
    expect((await f.request(n1, 'GET', '/apis/discovery.k8s.io/v1/endpointslices?watch=true&timeoutSeconds=1')).status).toBe(200);
    expect((await f.request(n1, 'GET', '/api/v1/services')).status).toBe(200);
    expect((await f.request(n1, 'GET', '/api/v1/namespaces/team/configmaps/x')).status).toBe(403);
  });
});

describe('static token file', () => {
  it('reads Kubernetes\' CSV format and authenticates its users', () => {
    const users = parseTokenFile('t1,alice,u1,"ops,dev"\nt2,bob,u2\n\n"t,3",carol,u3,\n', 'tokens.csv');
    expect(users.get('t1')).toEqual({ username: 'alice', uid: 'u1', groups: ['ops', 'dev'] });
    expect(users.get('t2')).toEqual({ username: 'bob', uid: 'u2', groups: [] });
    expect(users.get('t,3')?.username).toBe('carol');
    expect(() => parseTokenFile('t1,alice\n', 'tokens.csv')).toThrow("token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 2 on line 1");
    const dir = mkdtempSync(join(tmpdir(), 'k2-tokens-'));
    writeFileSync(join(dir, 'tokens.csv'), 't1,alice,u1,"ops,dev"\n');
    const authenticator = TokenFileAuthenticator.load(join(dir, 'tokens.csv'), [audience]);
    expect(authenticator.authenticateToken('t1', [audience])).toEqual({ user: { username: 'alice', uid: 'u1', groups: ['ops', 'dev'] }, audiences: [audience] });
    expect(authenticator.authenticateToken('t1', ['vault'])).toMatchObject({ error: expect.stringContaining('invalid for the target audiences') });
    expect(authenticator.authenticateToken('nope', [audience])).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});
