// RBAC as kube-apiserver enforces it: the default roles (aggregated admin/edit/view), bindings,
// Kubernetes' Forbidden wording, escalate/bind prevention, validation, the access reviews,
// impersonation, non-resource paths, and k2's own controllers working under it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapPolicy } from '../../apiserver/auth/rbac/bootstrap-policy.ts';
import { reconcileBootstrapPolicy } from '../../apiserver/auth/rbac/reconcile.ts';
import { compactString, covers } from '../../apiserver/auth/rbac/rules.ts';
import { escalationMessage } from '../../apiserver/auth/rbac/escalation.ts';
import { apiserverUser } from '../../apiserver/bootstrap.ts';
import { admin, securityFixture, user, type SecurityFixture } from './fixture.ts';

const rbac = '/apis/rbac.authorization.k8s.io/v1';
const jane = user('jane', 'devs');

function binding(name: string, namespace: string, roleKind: 'ClusterRole' | 'Role', role: string, subjects: object[]) {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: role }, subjects };
}

describe('RBAC', () => {
  let f: SecurityFixture;
  beforeAll(async () => {
    f = await securityFixture();
    await f.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await f.apply(binding('jane-view', 'default', 'ClusterRole', 'view', [{ kind: 'User', name: 'jane' }]));
  });
  afterAll(async () => {
    await f?.close();
  });

  it('creates the default roles and bindings, with the aggregated roles filled by their controller', async () => {
    const policy = bootstrapPolicy();
    const roles = (await f.request(admin, 'GET', `${rbac}/clusterroles`)).body.items.map((r: { metadata: { name: string } }) => r.metadata.name);
    for (const role of policy.clusterRoles) expect(roles).toContain(role.metadata.name);
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:node', 'system:kube-scheduler', 'system:public-info-viewer', 'system:discovery', 'system:basic-user', 'system:controller:namespace-controller']) {
      expect(roles).toContain(name);
    }
    const view = await f.eventually(async () => {
      const role = (await f.request(admin, 'GET', `${rbac}/clusterroles/view`)).body;
      return role.rules?.length ? role : undefined;
    });
    expect(view.rules).toContainEqual({ apiGroups: [''], resources: expect.arrayContaining(['pods', 'configmaps', 'services']), verbs: ['get', 'list', 'watch'] });
    expect(view.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
    // edit holds everything view does (aggregated through its label), admin everything edit does.
    const edit = await f.eventually(async () => {
      const role = (await f.request(admin, 'GET', `${rbac}/clusterroles/edit`)).body;
      return covers(role.rules ?? [], view.rules).covered ? role : undefined;
    });
    await f.eventually(async () => covers((await f.request(admin, 'GET', `${rbac}/clusterroles/admin`)).body.rules ?? [], edit.rules).covered);
    const crb = (await f.request(admin, 'GET', `${rbac}/clusterrolebindings/cluster-admin`)).body;
    expect(crb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' }]);
  });

  it('lets a view user read but not write, with Kubernetes\' Forbidden message', async () => {
    expect((await f.request(jane, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200);
    const create = await f.request(jane, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(create.status).toBe(403);
    expect(create.body).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      code: 403,
      message: 'configmaps is forbidden: User "jane" cannot create resource "configmaps" in API group "" in the namespace "default"',
    });
    const other = await f.request(jane, 'GET', '/api/v1/namespaces/team/pods');
    expect(other.body.message).toBe('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "team"');
    const secret = await f.request(jane, 'GET', '/api/v1/namespaces/default/secrets/s');
    expect(secret.body.message).toBe('secrets "s" is forbidden: User "jane" cannot get resource "secrets" in API group "" in the namespace "default"');
    const nodes = await f.request(jane, 'GET', '/api/v1/nodes');
    expect(nodes.body.message).toBe('nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
  });

  it('matches resource names, subresources, */subresource rules and names selected by fieldSelector', async () => {
    await f.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'narrow', namespace: 'team' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['allowed'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['*'], resources: ['*/scale'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      ],
    });
    await f.apply(binding('narrow', 'team', 'Role', 'narrow', [{ kind: 'Group', name: 'devs' }]));
    await f.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'allowed', namespace: 'team' } });
    expect((await f.request(jane, 'GET', '/api/v1/namespaces/team/configmaps/allowed')).status).toBe(200);
    expect((await f.request(jane, 'GET', '/api/v1/namespaces/team/configmaps/other')).status).toBe(403);
    expect((await f.request(jane, 'GET', '/api/v1/namespaces/team/configmaps')).status).toBe(403);
    expect((await f.request(jane, 'GET', '/api/v1/namespaces/team/configmaps?fieldSelector=metadata.name%3Dallowed')).status).toBe(200);
    const review = async (resource: string, subresource?: string) =>
      (await f.request(jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { namespace: 'team', verb: 'get', group: 'apps', resource, subresource } } })).body.status;
    expect((await review('deployments', 'scale')).allowed).toBe(true);
    expect((await review('deployments')).allowed).toBe(false);
    expect((await review('deployments', 'status')).allowed).toBe(false);
  });

  it('answers access reviews with RBAC\'s reasons', async () => {
    const allowed = await f.request(jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } });
    expect(allowed.status).toBe(201);
    expect(allowed.body.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "jane-view/default" of ClusterRole "view" to User "jane"' });
    const denied = await f.request(jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { namespace: 'default', verb: 'delete', resource: 'pods' } } });
    expect(denied.body.status).toEqual({ allowed: false });
    const sar = await f.request(admin, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      spec: { user: 'someone', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } },
    });
    expect(sar.body.status.allowed).toBe(true);
    const denyForOthers = await f.request(jane, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { spec: { user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } } });
    expect(denyForOthers.status).toBe(403);
    const rules = await f.request(jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { spec: { namespace: 'default' } });
    expect(rules.body.status.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: expect.arrayContaining(['pods']) });
    expect(rules.body.status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(rules.body.status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: expect.arrayContaining(['/api', '/api/*', '/healthz']) });
    expect(rules.body.status.incomplete).toBe(false);
  });

  it('authorizes non-resource paths: discovery for everyone authenticated, /metrics for monitoring only', async () => {
    expect((await f.request(jane, 'GET', '/api')).status).toBe(200);
    expect((await f.request(jane, 'GET', '/apis/apps/v1')).status).toBe(200);
    const metrics = await f.request(jane, 'GET', '/metrics');
    expect(metrics.status).toBe(403);
    expect(metrics.body.message).toBe('forbidden: User "jane" cannot get path "/metrics"');
    expect((await f.request(user('prometheus', 'system:monitoring'), 'GET', '/metrics')).status).not.toBe(403);
    expect((await f.request({ username: 'system:anonymous', groups: ['system:unauthenticated'] }, 'GET', '/api')).status).toBe(403);
  });

  it('refuses to grant permissions the writer does not hold (escalate) or to bind roles beyond them (bind)', async () => {
    const lead = user('lead');
    await f.apply(binding('lead-admin', 'team', 'ClusterRole', 'admin', [{ kind: 'User', name: 'lead' }]));
    await f.eventually(async () => (await f.request(lead, 'GET', `${rbac}/namespaces/team/roles`)).status === 200);
    const role = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'team' }, rules });
    const ok = await f.request(lead, 'POST', `${rbac}/namespaces/team/roles`, role('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]));
    expect(ok.status).toBe(201);
    const escalate = await f.request(lead, 'POST', `${rbac}/namespaces/team/roles`, role('node-reader', [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'escalate'] },
    ]));
    expect(escalate.status).toBe(403);
    expect(escalate.body.message).toBe(
      'roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "lead" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["escalate"]}',
    );
    // Binding a role holding more than the binder: refused, unless the binder may `bind` it.
    const bindAdmin = await f.request(lead, 'POST', `${rbac}/namespaces/team/rolebindings`, binding('x', 'team', 'ClusterRole', 'cluster-admin', [{ kind: 'User', name: 'eve' }]));
    expect(bindAdmin.status).toBe(403);
    expect(bindAdmin.body.message).toMatch(/^rolebindings\.rbac\.authorization\.k8s\.io "x" is forbidden: user "lead" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n/);
    expect((await f.request(lead, 'POST', `${rbac}/namespaces/team/rolebindings`, binding('y', 'team', 'ClusterRole', 'view', [{ kind: 'User', name: 'eve' }]))).status).toBe(201);
    const missing = await f.request(lead, 'POST', `${rbac}/namespaces/team/rolebindings`, binding('z', 'team', 'Role', 'nope', [{ kind: 'User', name: 'eve' }]));
    expect(missing.body.message).toBe('rolebindings.rbac.authorization.k8s.io "z" is forbidden: roles.rbac.authorization.k8s.io "nope" not found');
    await f.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'binder' },
      rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind', 'escalate'], resourceNames: ['cluster-admin'] }],
    });
    await f.apply(binding('lead-binder', 'team', 'ClusterRole', 'binder', [{ kind: 'User', name: 'lead' }]));
    await f.eventually(async () => (await f.request(lead, 'POST', `${rbac}/namespaces/team/rolebindings`, binding('x', 'team', 'ClusterRole', 'cluster-admin', [{ kind: 'User', name: 'eve' }]))).status === 201);
    // Aggregation rules gather anything: only a full admin may set them.
    const aggregated = await f.request(user('aggregator'), 'POST', `${rbac}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } });
    expect(aggregated.status).toBe(403);
  });

  it('validates roles and bindings with Kubernetes\' messages', async () => {
    const bad = await f.request(admin, 'POST', `${rbac}/namespaces/team/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'bad' }, rules: [{ resources: ['pods'] }, { nonResourceURLs: ['/x'], verbs: ['get'] }] });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe(
      'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs]',
    );
    const change = await f.request(admin, 'PUT', `${rbac}/namespaces/default/rolebindings/jane-view`, binding('jane-view', 'default', 'ClusterRole', 'edit', [{ kind: 'User', name: 'jane' }]));
    expect(change.status).toBe(422);
    expect(change.body.message).toBe('RoleBinding.rbac.authorization.k8s.io "jane-view" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef');
    const crb = await f.request(admin, 'POST', `${rbac}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'c' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }, { kind: 'Robot', name: 'r' }] });
    expect(crb.body.message).toBe(
      'ClusterRoleBinding.rbac.authorization.k8s.io "c" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]',
    );
  });

  it('impersonates users, groups and service accounts for those allowed to, and no one else', async () => {
    const whoami = async (headers: Record<string, string>, as = admin) => f.request(as, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }, headers);
    expect((await whoami({ 'impersonate-user': 'jane' })).body.status.userInfo).toEqual({ username: 'jane', groups: ['system:authenticated'] });
    expect((await whoami({ 'impersonate-user': 'jane', 'impersonate-group': 'devs', 'impersonate-extra-scopes': 'view' })).body.status.userInfo).toEqual({
      username: 'jane',
      groups: ['devs', 'system:authenticated'],
      extra: { scopes: ['view'] },
    });
    expect((await whoami({ 'impersonate-user': 'system:serviceaccount:team:bot' })).body.status.userInfo).toEqual({
      username: 'system:serviceaccount:team:bot',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'],
    });
    const refused = await whoami({ 'impersonate-user': 'admin' }, jane);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('users "admin" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope');
    expect((await whoami({ 'impersonate-group': 'system:masters' })).status).toBe(400);
    // Acting as jane, admin gets jane's rights.
    expect((await f.request(admin, 'GET', '/api/v1/nodes', undefined, { 'impersonate-user': 'jane' })).status).toBe(403);
  });

  it('runs k2\'s controllers under RBAC as their own service accounts', async () => {
    await f.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    await f.eventually(async () => (await f.request(admin, 'GET', '/api/v1/namespaces/fresh/serviceaccounts/default')).status === 200);
    await f.eventually(async () => (await f.request(admin, 'GET', '/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt')).status === 200);
    const rootCa = (await f.request(admin, 'GET', '/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt')).body;
    expect(rootCa.data['ca.crt']).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(rootCa.metadata.annotations['kubernetes.io/description']).toMatch(/^Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints/);
    await f.apply({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'fresh' }, spec: { hard: { pods: '3' } } });
    await f.eventually(async () => (await f.request(admin, 'GET', '/api/v1/namespaces/fresh/resourcequotas/q')).body.status?.hard?.pods === '3');
    expect((await f.request(admin, 'DELETE', '/api/v1/namespaces/fresh')).status).toBe(200);
    await f.eventually(async () => (await f.request(admin, 'GET', '/api/v1/namespaces/fresh')).status === 404, 10_000);
  });

  it('reconciles the default policy at every start: missing rules come back, autoupdate=false is left alone', async () => {
    const noop = await reconcileBootstrapPolicy(f.core, apiserverUser);
    expect(noop).toEqual({ created: 0, updated: 0 });
    const path = `${rbac}/clusterroles/system:basic-user`;
    const basic = (await f.request(admin, 'GET', path)).body;
    expect((await f.request(admin, 'PUT', path, { ...basic, rules: [] })).status).toBe(200);
    await f.request(admin, 'DELETE', `${rbac}/clusterrolebindings/system:discovery`);
    expect(await reconcileBootstrapPolicy(f.core, apiserverUser)).toEqual({ created: 1, updated: 1 });
    expect((await f.request(admin, 'GET', path)).body.rules).toEqual(basic.rules);
    const pinned = (await f.request(admin, 'GET', path)).body;
    pinned.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'] = 'false';
    pinned.rules = [];
    expect((await f.request(admin, 'PUT', path, pinned)).status).toBe(200);
    expect(await reconcileBootstrapPolicy(f.core, apiserverUser)).toEqual({ created: 0, updated: 0 });
    expect((await f.request(admin, 'GET', path)).body.rules).toEqual([]);
  });
});

describe('RBAC rule helpers', () => {
  it('prints missing rules compactly and sorted, as ConfirmNoEscalation does', () => {
    const message = escalationMessage({ username: 'u', groups: ['g1', 'g2'] }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'] },
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
      { verbs: ['update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] },
    ]);
    expect(message).toBe(
      'user "u" (groups=["g1" "g2"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["update"]}\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["list"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}\n' +
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
    expect(compactString({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] })).toBe('{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
  });

  it('lets */subresource and * owners cover subresources, and URL prefixes cover paths', () => {
    expect(covers([{ verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }]).covered).toBe(false);
    expect(covers([{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd'] }]).covered).toBe(true);
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered).toBe(false);
  });

  it('has a role and a binding for every controller k2 runs', () => {
    const policy = bootstrapPolicy();
    const bound = new Set(policy.clusterRoleBindings.flatMap((b) => ((b.subjects as { kind: string; name: string }[] | undefined) ?? []).filter((s) => s.kind === 'ServiceAccount').map((s) => s.name)));
    for (const name of ['namespace-controller', 'service-account-controller', 'root-ca-cert-publisher', 'resourcequota-controller', 'clusterrole-aggregation-controller', 'certificate-controller', 'replicaset-controller', 'deployment-controller', 'statefulset-controller', 'daemon-set-controller', 'job-controller', 'cronjob-controller', 'generic-garbage-collector', 'ttl-after-finished-controller', 'replication-controller', 'disruption-controller', 'horizontal-pod-autoscaler', 'endpointslice-controller', 'endpoint-controller', 'node-controller', 'pod-garbage-collector', 'persistent-volume-binder', 'crd-controller', 'local-path-provisioner', 'node-ipam-controller', 'simulated-nodes']) {
      expect(bound, name).toContain(name);
    }
  });
});
