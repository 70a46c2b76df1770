// What old versions served besides their objects, through the REST layer: the Scale kinds of their
// scale subresources, DeploymentRollback, extensions' ReplicationController placeholder, review
// kinds with renamed fields, DaemonSet template generations, discovery without deprecations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';

let api: ApiFixture;

async function request(method: string, url: string, body?: unknown, contentType = 'application/json') {
  const response = await api.app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': contentType } });
  return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined };
}

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };

beforeAll(async () => {
  api = await apiFixture();
  expect((await request('POST', '/api/v1/namespaces', { metadata: { name: 'default' } })).status).toBe(201);
});
afterAll(() => api?.close());

describe('served old versions', () => {
  it('scale subresources speak their version’s Scale (selector map and targetSelector)', async () => {
    const created = await request('POST', '/apis/extensions/v1beta1/namespaces/default/deployments', { metadata: { name: 'scaled' }, spec: { replicas: 2, template } });
    expect(created.status).toBe(201);
    for (const [path, apiVersion] of [
      ['/apis/extensions/v1beta1', 'extensions/v1beta1'],
      ['/apis/apps/v1beta1', 'apps/v1beta1'],
      ['/apis/apps/v1beta2', 'apps/v1beta2'],
    ]) {
      const scale = await request('GET', `${path}/namespaces/default/deployments/scaled/scale`);
      expect(scale.json).toMatchObject({ apiVersion, kind: 'Scale', spec: { replicas: 2 }, status: { selector: { app: 'web' }, targetSelector: 'app=web' } });
    }
    const v1 = await request('GET', '/apis/apps/v1/namespaces/default/deployments/scaled/scale');
    expect(v1.json).toMatchObject({ apiVersion: 'autoscaling/v1', status: { selector: 'app=web' } });
    const patched = await request('PATCH', '/apis/extensions/v1beta1/namespaces/default/deployments/scaled/scale', { spec: { replicas: 5 } }, 'application/merge-patch+json');
    expect(patched.json).toMatchObject({ apiVersion: 'extensions/v1beta1', spec: { replicas: 5 } });
    expect((await request('GET', '/apis/apps/v1/namespaces/default/deployments/scaled')).json.spec.replicas).toBe(5);
  });

  it('extensions/v1beta1 replicationcontrollers serve only their scale', async () => {
    expect((await request('POST', '/api/v1/namespaces/default/replicationcontrollers', { metadata: { name: 'rc' }, spec: { replicas: 1, template } })).status).toBe(201);
    expect((await request('GET', '/apis/extensions/v1beta1/namespaces/default/replicationcontrollers/rc')).status).toBe(405);
    const scale = await request('GET', '/apis/extensions/v1beta1/namespaces/default/replicationcontrollers/rc/scale');
    expect(scale.json).toMatchObject({ apiVersion: 'extensions/v1beta1', kind: 'Scale', spec: { replicas: 1 } });
  });

  it('DeploymentRollback puts back the template of the revision asked for (0: the previous one)', async () => {
    const deployment = (await request('POST', '/apis/apps/v1beta1/namespaces/default/deployments', { metadata: { name: 'undo' }, spec: { template: { ...template, spec: { containers: [{ name: 'c', image: 'nginx:3' }] } } } })).json;
    for (const revision of [1, 2, 3]) {
      const rs = await request('POST', '/apis/apps/v1/namespaces/default/replicasets', {
        metadata: { name: `undo-${revision}`, annotations: { 'deployment.kubernetes.io/revision': String(revision) }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'undo', uid: deployment.metadata.uid, controller: true }] },
        spec: { selector: { matchLabels: { app: 'web', 'pod-template-hash': `h${revision}` } }, template: { metadata: { labels: { app: 'web', 'pod-template-hash': `h${revision}` } }, spec: { containers: [{ name: 'c', image: `nginx:${revision}` }] } } },
      });
      expect(rs.status).toBe(201);
    }
    const image = async () => (await request('GET', '/apis/apps/v1/namespaces/default/deployments/undo')).json.spec.template;
    const answer = await request('POST', '/apis/apps/v1beta1/namespaces/default/deployments/undo/rollback', { kind: 'DeploymentRollback', apiVersion: 'apps/v1beta1', name: 'undo', rollbackTo: { revision: 0 } });
    expect(answer).toMatchObject({ status: 200, json: { kind: 'Status', status: 'Success', message: 'rollback request for deployment "undo" succeeded' } });
    expect(await image()).toMatchObject({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ image: 'nginx:2' }] } });
    expect((await image()).metadata.labels['pod-template-hash']).toBeUndefined();
    await request('POST', '/apis/extensions/v1beta1/namespaces/default/deployments/undo/rollback', { name: 'undo', rollbackTo: { revision: 1 }, updatedAnnotations: { reason: 'bad release' } });
    expect((await image()).spec.containers[0].image).toBe('nginx:1');
    expect((await request('GET', '/apis/apps/v1/namespaces/default/deployments/undo')).json.metadata.annotations).toMatchObject({ reason: 'bad release' });
    // apps/v1 has no rollback subresource.
    expect((await request('POST', '/apis/apps/v1/namespaces/default/deployments/undo/rollback', { name: 'undo' })).status).toBe(404);
  });

  it('authorization.k8s.io/v1beta1 reviews take spec.group and answer in v1beta1', async () => {
    const review = await request('POST', '/apis/authorization.k8s.io/v1beta1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1beta1', kind: 'SubjectAccessReview', spec: { user: 'alice', group: ['devs'], resourceAttributes: { verb: 'get', resource: 'pods' } } });
    expect(review.status).toBe(201);
    expect(review.json).toMatchObject({ apiVersion: 'authorization.k8s.io/v1beta1', kind: 'SubjectAccessReview', spec: { group: ['devs'] }, status: { allowed: true } });
    expect(review.json.spec.groups).toBeUndefined();
  });

  it('DaemonSets carry their template generation: extensions/v1beta1 shows it as spec.templateGeneration', async () => {
    const created = await request('POST', '/apis/apps/v1/namespaces/default/daemonsets', { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'web' } }, template } });
    expect(created.json.metadata.annotations).toEqual({ 'deprecated.daemonset.template.generation': '1' });
    const old = await request('GET', '/apis/extensions/v1beta1/namespaces/default/daemonsets/agent');
    expect(old.json.spec.templateGeneration).toBe(1);
    expect(old.json.metadata.annotations).toBeUndefined();
    old.json.spec.template.spec.containers[0].image = 'nginx:2';
    const updated = await request('PUT', '/apis/extensions/v1beta1/namespaces/default/daemonsets/agent', old.json);
    expect(updated.json.spec.templateGeneration).toBe(2);
    expect((await request('GET', '/apis/apps/v1/namespaces/default/daemonsets/agent')).json.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
  });

  it('a PodSecurityPolicy is served in both of its groups and stored once', async () => {
    expect((await request('POST', '/apis/extensions/v1beta1/podsecuritypolicies', { metadata: { name: 'psp' }, spec: { seLinux: { rule: 'RunAsAny' }, runAsUser: { rule: 'RunAsAny' }, fsGroup: { rule: 'RunAsAny' }, supplementalGroups: { rule: 'RunAsAny' } } })).status).toBe(201);
    const policy = await request('GET', '/apis/policy/v1beta1/podsecuritypolicies/psp');
    expect(policy.json).toMatchObject({ apiVersion: 'policy/v1beta1', kind: 'PodSecurityPolicy', spec: { allowPrivilegeEscalation: true } });
  });

  it('discovery lists every version, prefers the newest stable one, and marks none deprecated', async () => {
    const groups = (await request('GET', '/apis')).json.groups as { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[];
    const group = (name: string) => groups.find((g) => g.name === name)!;
    expect(group('apps').versions.map((v) => v.version)).toEqual(['v1', 'v1beta2', 'v1beta1', 'v1alpha1']);
    expect(group('apps').preferredVersion.version).toBe('v1');
    expect(group('autoscaling').preferredVersion.version).toBe('v2');
    expect(group('extensions').versions.map((v) => v.version)).toEqual(['v1beta1']);
    expect(group('flowcontrol.apiserver.k8s.io').versions.map((v) => v.version)).toEqual(['v1', 'v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1']);
    const aggregated = await api.app.inject({ method: 'GET', url: '/apis', headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' } });
    expect(aggregated.body).not.toMatch(/"freshness":"Stale"|deprecat/i);
    const extensions = (await request('GET', '/apis/extensions/v1beta1')).json.resources as { name: string; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] }[];
    expect(extensions.find((r) => r.name === 'deployments')).toMatchObject({ kind: 'Deployment' });
    expect(extensions.find((r) => r.name === 'deployments')!.shortNames).toBeUndefined();
    expect(extensions.find((r) => r.name === 'deployments')!.categories).toBeUndefined();
    expect(extensions.find((r) => r.name === 'deployments/rollback')).toMatchObject({ kind: 'DeploymentRollback', verbs: ['create'] });
    expect(extensions.find((r) => r.name === 'replicationcontrollers')).toMatchObject({ kind: 'ReplicationControllerDummy', verbs: [] });
  });
});
