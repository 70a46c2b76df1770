// Admission webhooks over an in-process API: real HTTPS webhooks on loopback (their own CA), every
// matching rule, selector, failure policy, timeout, dry run and reinvocation case, seen over HTTP.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';
import { jsonPatch, startWebhookServer, type ReviewHandler, type WebhookServer } from './webhook-server.ts';

type Json = Record<string, any>;

describe('admission webhooks', () => {
  let api: ApiFixture;
  let hooks: WebhookServer;
  const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    api.app.inject({ method: method as 'GET', url, payload: payload as object, headers: { 'content-type': 'application/json', ...headers } });

  const allow: ReviewHandler = () => ({ allowed: true });

  /** A webhook entry calling `path` on the test server for `rules` (pods CREATE by default). */
  const webhook = (name: string, path: string, extra: Json = {}): Json => ({
    name,
    clientConfig: { url: `${hooks.url}${path}`, caBundle: hooks.caBundle },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  });

  /** Creates a configuration and waits until the watch cache (and so admission) has it. */
  const configure = async (type: 'mutating' | 'validating', name: string, webhooks: Json[], apiVersion = 'v1') => {
    const kind = type === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
    const result = await inject('POST', `/apis/admissionregistration.k8s.io/${apiVersion}/${kind.toLowerCase()}s`, { apiVersion: `admissionregistration.k8s.io/${apiVersion}`, kind, metadata: { name }, webhooks });
    expect(result.statusCode, result.body).toBe(201);
    await api.core.cache.sync();
  };

  const unconfigureAll = async () => {
    for (const plural of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
      await inject('DELETE', `/apis/admissionregistration.k8s.io/v1/${plural}`);
    }
    await api.core.cache.sync();
  };

  const configMap = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data: { a: '1' } });
  const calls = (path: string) => hooks.received.get(path) ?? [];

  beforeAll(async () => {
    api = await apiFixture();
    hooks = await startWebhookServer();
    for (const name of ['default', 'team-a', 'team-b']) {
      await inject('POST', '/api/v1/namespaces', { metadata: { name, labels: { team: name } } });
    }
  });
  afterAll(async () => {
    await api.close();
    await hooks.close();
  });
  beforeEach(async () => {
    await unconfigureAll();
    hooks.received.clear();
  });

  it('a validating webhook denies a create with its message and sees the whole AdmissionReview', async () => {
    hooks.handle('/deny', (request) =>
      request.object.metadata.name === 'bad' ? { allowed: false, status: { message: 'names like "bad" are not allowed' } } : { allowed: true },
    );
    await configure('validating', 'deny', [webhook('deny.k2.test', '/deny')]);
    const denied = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('bad'));
    expect(denied.statusCode).toBe(400);
    expect(denied.json()).toMatchObject({ kind: 'Status', status: 'Failure', code: 400, message: 'admission webhook "deny.k2.test" denied the request: names like "bad" are not allowed' });
    expect((await inject('GET', '/api/v1/namespaces/default/configmaps/bad')).statusCode).toBe(404);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('good'))).statusCode).toBe(201);

    const [review] = calls('/deny');
    expect(review).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      query: 'timeout=10s',
      request: {
        kind: { group: '', version: 'v1', kind: 'ConfigMap' },
        resource: { group: '', version: 'v1', resource: 'configmaps' },
        requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
        requestResource: { group: '', version: 'v1', resource: 'configmaps' },
        name: 'bad',
        namespace: 'default',
        operation: 'CREATE',
        userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad', namespace: 'default' }, data: { a: '1' } },
        oldObject: null,
        dryRun: false,
        options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      },
    });
    expect(review!.request.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the Status a webhook refuses with (code, reason) and sends its warnings as Warning headers', async () => {
    hooks.handle('/forbid', () => ({ allowed: false, warnings: ['this namespace is frozen'], status: { code: 403, reason: 'Forbidden', message: 'frozen' } }));
    hooks.handle('/warn', () => ({ allowed: true, warnings: ['configmaps are deprecated here', 'second warning'] }));
    await configure('validating', 'forbid', [webhook('forbid.k2.test', '/forbid', { namespaceSelector: { matchLabels: { team: 'team-b' } } })]);
    await configure('mutating', 'warn', [webhook('warn.k2.test', '/warn')]);
    const refused = await inject('POST', '/api/v1/namespaces/team-b/configmaps', configMap('x'));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ reason: 'Forbidden', code: 403, message: 'admission webhook "forbid.k2.test" denied the request: frozen' });
    const created = await inject('POST', '/api/v1/namespaces/team-a/configmaps', configMap('x'));
    expect(created.statusCode).toBe(201);
    expect(created.headers.warning).toEqual(['299 - "configmaps are deprecated here"', '299 - "second warning"']);
  });

  it('a mutating webhook adds a label with a JSONPatch, and the stored object has it', async () => {
    hooks.handle('/label', (request) =>
      ({ allowed: true, ...jsonPatch(request.object.metadata.labels ? [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }] : [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }]) }),
    );
    await configure('mutating', 'label', [webhook('label.k2.test', '/label')]);
    const created = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('m1', { app: 'web' }));
    expect(created.statusCode).toBe(201);
    expect(created.json().metadata.labels).toEqual({ app: 'web', mutated: 'yes' });
    expect((await inject('GET', '/api/v1/namespaces/default/configmaps/m1')).json().metadata.labels).toEqual({ app: 'web', mutated: 'yes' });
    const bare = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('m2'));
    expect(bare.json().metadata.labels).toEqual({ mutated: 'yes' });
  });

  it('a patch that does not apply fails the request whatever the failurePolicy', async () => {
    hooks.handle('/broken', () => ({ allowed: true, ...jsonPatch([{ op: 'replace', path: '/spec/missing/deep', value: 1 }]) }));
    await configure('mutating', 'broken', [webhook('broken.k2.test', '/broken', { failurePolicy: 'Ignore' })]);
    const result = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('p1'));
    expect(result.statusCode).toBe(500);
    expect(result.json()).toMatchObject({ reason: 'InternalError' });
    expect(result.json().message).toMatch(/^Internal error occurred: /);
  });

  it('matches rules by operation, group, version, resource, subresource and scope', async () => {
    for (const path of ['/update-only', '/status-only', '/star', '/star-star', '/cluster', '/namespaced', '/apps']) hooks.handle(path, allow);
    await configure('validating', 'rules', [
      webhook('update-only.k2.test', '/update-only', { rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] }),
      webhook('status-only.k2.test', '/status-only', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['namespaces/status'] }] }),
      webhook('star.k2.test', '/star', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }),
      webhook('star-star.k2.test', '/star-star', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }] }),
      webhook('cluster.k2.test', '/cluster', { rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Cluster' }] }),
      webhook('namespaced.k2.test', '/namespaced', { rules: [{ operations: ['CREATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Namespaced' }] }),
      webhook('apps.k2.test', '/apps', { rules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] }),
    ]);
    const created = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('r1'));
    expect(created.statusCode).toBe(201);
    expect(calls('/update-only')).toHaveLength(0);
    expect(calls('/namespaced')).toHaveLength(1);
    expect(calls('/cluster')).toHaveLength(0);
    await inject('PUT', '/api/v1/namespaces/default/configmaps/r1', { ...(created.json() as Json), data: { a: '2' } });
    expect(calls('/update-only').map((r) => r.request.operation)).toEqual(['UPDATE']);
    expect(calls('/update-only')[0].request.oldObject.data).toEqual({ a: '1' });
    expect(calls('/update-only')[0].request.options.kind).toBe('UpdateOptions');

    // A Namespace is cluster-scoped for the rules.
    await inject('POST', '/api/v1/namespaces', { metadata: { name: 'rules-ns' } });
    expect(calls('/cluster').map((r) => r.request.resource.resource)).toEqual(['namespaces']);
    expect(calls('/namespaced').map((r) => r.request.resource.resource)).toEqual(['configmaps']);

    // `*` is every main resource; `*/*` also every subresource; `namespaces/status` only that one.
    const before = { star: calls('/star').length, starStar: calls('/star-star').length };
    const ns = (await inject('GET', '/api/v1/namespaces/rules-ns')).json();
    const status = await inject('PUT', '/api/v1/namespaces/rules-ns/status', { ...ns, status: { phase: 'Active' } });
    expect(status.statusCode).toBe(200);
    expect(calls('/status-only').map((r) => [r.request.resource.resource, r.request.subResource])).toEqual([['namespaces', 'status']]);
    expect(calls('/star').length).toBe(before.star);
    expect(calls('/star-star').length).toBe(before.starStar + 1);
    expect(calls('/apps')).toHaveLength(0);

    // DELETE: the old object, no object, DeleteOptions.
    await inject('DELETE', '/api/v1/namespaces/default/configmaps/r1');
    const deletion = calls('/star').at(-1)!.request;
    expect(deletion).toMatchObject({ operation: 'DELETE', name: 'r1', object: null, oldObject: { metadata: { name: 'r1' } }, options: { kind: 'DeleteOptions' } });
  });

  it('a write through deployments/scale is sent as an autoscaling/v1 Scale, only to rules naming the subresource', async () => {
    hooks.handle('/scale', allow);
    hooks.handle('/main', allow);
    await configure('validating', 'scale', [
      webhook('scale.k2.test', '/scale', { rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments/scale'] }] }),
      webhook('main.k2.test', '/main', { rules: [{ operations: ['UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] }),
    ]);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scaled' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'scaled' } }, template: { metadata: { labels: { app: 'scaled' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    };
    expect((await inject('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).statusCode).toBe(201);
    const scaled = await inject('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled/scale', { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    expect(scaled.statusCode, scaled.body).toBe(200);
    expect(calls('/main')).toHaveLength(0);
    expect(calls('/scale').map((r) => r.request)).toMatchObject([
      {
        kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
        resource: { group: 'apps', version: 'v1', resource: 'deployments' },
        subResource: 'scale',
        object: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled' }, spec: { replicas: 3 } },
        oldObject: { kind: 'Scale', spec: { replicas: 1 } },
      },
    ]);
  });

  it('matchPolicy Equivalent converts the request to a version a rule names; Exact does not', async () => {
    hooks.handle('/equivalent', allow);
    hooks.handle('/exact', allow);
    const v1beta1Deployments = [{ operations: ['CREATE'], apiGroups: ['extensions'], apiVersions: ['v1beta1'], resources: ['deployments'] }];
    await configure('validating', 'policies', [
      webhook('equivalent.k2.test', '/equivalent', { rules: v1beta1Deployments, matchPolicy: 'Equivalent' }),
      webhook('exact.k2.test', '/exact', { rules: v1beta1Deployments, matchPolicy: 'Exact' }),
    ]);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    };
    expect((await inject('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).statusCode).toBe(201);
    expect(calls('/exact')).toHaveLength(0);
    const [review] = calls('/equivalent');
    expect(review!.request).toMatchObject({
      kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
      resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
      requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      object: { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'web' } },
    });
  });

  it('namespaceSelector looks at the namespace labels, objectSelector at the old and new object labels', async () => {
    hooks.handle('/ns', allow);
    hooks.handle('/obj', allow);
    await configure('validating', 'selectors', [
      webhook('ns.k2.test', '/ns', { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['team-a'] }] } }),
      webhook('obj.k2.test', '/obj', {
        objectSelector: { matchLabels: { watched: 'true' } },
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      }),
    ]);
    await inject('POST', '/api/v1/namespaces/team-a/configmaps', configMap('s1'));
    await inject('POST', '/api/v1/namespaces/team-b/configmaps', configMap('s2'));
    expect(calls('/ns').map((r) => r.request.namespace)).toEqual(['team-a']);
    expect(calls('/obj')).toHaveLength(0);
    const watched = (await inject('POST', '/api/v1/namespaces/team-b/configmaps', configMap('s3', { watched: 'true' }))).json();
    // Removing the label still matches through the old object.
    await inject('PUT', '/api/v1/namespaces/team-b/configmaps/s3', { ...watched, metadata: { ...watched.metadata, labels: {} } });
    expect(calls('/obj').map((r) => r.request.operation)).toEqual(['CREATE', 'UPDATE']);
  });

  it('failurePolicy: Fail refuses with an internal error when the webhook is unreachable, Ignore goes on', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = (name: string, failurePolicy: string) => ({ ...webhook(name, '/none', { failurePolicy }), clientConfig: { url: `https://127.0.0.1:${deadPort}/dead`, caBundle: hooks.caBundle } });
    await configure('validating', 'ignore', [dead('ignore.k2.test', 'Ignore')]);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('f1'))).statusCode).toBe(201);
    await configure('validating', 'fail', [dead('fail.k2.test', 'Fail')]);
    const failed = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('f2'));
    expect(failed.statusCode).toBe(500);
    const message = `failed calling webhook "fail.k2.test": failed to call webhook: Post "https://127.0.0.1:${deadPort}/dead?timeout=10s": dial tcp 127.0.0.1:${deadPort}: connect: connection refused`;
    expect(failed.json()).toMatchObject({ reason: 'InternalError', code: 500, message: `Internal error occurred: ${message}`, details: { causes: [{ message }] } });
  });

  it('a webhook signed by another CA fails TLS verification', async () => {
    const other = await startWebhookServer();
    try {
      await configure('validating', 'wrong-ca', [{ ...webhook('wrong-ca.k2.test', '/deny'), clientConfig: { url: `${hooks.url}/deny`, caBundle: other.caBundle } }]);
      const failed = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('t1'));
      expect(failed.statusCode).toBe(500);
      expect(failed.json().message).toContain('x509: certificate signed by unknown authority');
    } finally {
      await other.close();
    }
  });

  it('times out after timeoutSeconds (deadline exceeded), failing per failurePolicy', async () => {
    hooks.handle('/slow', () => new Promise((resolve) => setTimeout(() => resolve({ allowed: true }), 2500)));
    await configure('validating', 'slow', [webhook('slow.k2.test', '/slow', { timeoutSeconds: 1 })]);
    const started = Date.now();
    const failed = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('slow1'));
    const took = Date.now() - started;
    expect(failed.statusCode).toBe(500);
    expect(failed.json().message).toBe(`Internal error occurred: failed calling webhook "slow.k2.test": failed to call webhook: Post "${hooks.url}/slow?timeout=1s": context deadline exceeded`);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(2400);
    await unconfigureAll();
    await configure('validating', 'slow-ignored', [webhook('slow.k2.test', '/slow', { timeoutSeconds: 1, failurePolicy: 'Ignore' })]);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('slow2'))).statusCode).toBe(201);
  });

  it('dry run: webhooks without side effects see dryRun=true, others refuse the request', async () => {
    hooks.handle('/pure', allow);
    hooks.handle('/effects', allow);
    await configure('validating', 'pure', [webhook('pure.k2.test', '/pure')]);
    const dry = await inject('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', configMap('d1'));
    expect(dry.statusCode).toBe(201);
    expect(calls('/pure').map((r) => [r.request.dryRun, r.request.options.dryRun])).toEqual([[true, ['All']]]);
    // sideEffects Unknown exists only in v1beta1 (its default there).
    const { sideEffects: _none, ...unknownEffects } = webhook('effects.k2.test', '/effects');
    await configure('validating', 'effects', [{ ...unknownEffects, admissionReviewVersions: ['v1beta1'] }], 'v1beta1');
    const refused = await inject('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', configMap('d2'));
    expect(refused.json()).toMatchObject({ code: 400, reason: 'BadRequest', message: 'admission webhook "effects.k2.test" does not support dry run' });
    expect(calls('/effects')).toHaveLength(0);
    // Not a dry run: called, with the v1beta1 review it asked for.
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('d3'))).statusCode).toBe(201);
    expect(calls('/effects').map((r) => r.apiVersion)).toEqual(['admission.k8s.io/v1beta1']);
  });

  it('reinvokes an IfNeeded webhook once when a later webhook changed the object; Never is called once', async () => {
    const addLabel = (key: string): ReviewHandler => (request) => {
      const labels = request.object.metadata.labels ?? {};
      if (labels[key]) return { allowed: true };
      return { allowed: true, ...jsonPatch([{ op: 'add', path: '/metadata/labels', value: { ...labels, [key]: 'x' } }]) };
    };
    hooks.handle('/first', addLabel('first'));
    hooks.handle('/second', addLabel('second'));
    await configure('mutating', 'a-first', [webhook('first.k2.test', '/first', { reinvocationPolicy: 'IfNeeded' })]);
    await configure('mutating', 'b-second', [webhook('second.k2.test', '/second', { reinvocationPolicy: 'Never' })]);
    const created = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('re1'));
    expect(created.json().metadata.labels).toEqual({ first: 'x', second: 'x' });
    expect(calls('/first').map((r) => Object.keys(r.request.object.metadata.labels ?? {}).sort())).toEqual([[], ['first', 'second']]);
    expect(calls('/second')).toHaveLength(1);

    // With Never, the first webhook runs once.
    await unconfigureAll();
    hooks.received.clear();
    await configure('mutating', 'a-first', [webhook('first.k2.test', '/first', { reinvocationPolicy: 'Never' })]);
    await configure('mutating', 'b-second', [webhook('second.k2.test', '/second')]);
    await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('re2'));
    expect(calls('/first')).toHaveLength(1);
  });

  it('rejects malformed answers (uid mismatch, patch from a validating webhook) as call failures', async () => {
    hooks.handle('/wrong-uid', () => ({ raw: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'nope', allowed: true } } }));
    await configure('validating', 'wrong-uid', [webhook('wrong-uid.k2.test', '/wrong-uid')]);
    const failed = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('u1'));
    expect(failed.json().message).toMatch(/^Internal error occurred: failed calling webhook "wrong-uid.k2.test": received invalid webhook response: expected response.uid="[0-9a-f-]{36}", got "nope"$/);
    await unconfigureAll();
    hooks.handle('/patching', () => ({ allowed: true, ...jsonPatch([{ op: 'add', path: '/data/b', value: '2' }]) }));
    await configure('validating', 'patching', [webhook('patching.k2.test', '/patching')]);
    const refused = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('u2'));
    expect(refused.json().message).toBe('Internal error occurred: failed calling webhook "patching.k2.test": received invalid webhook response: validating webhook may not return response.patch');
  });

  it('matchConditions (CEL) decide on object, oldObject and request; an evaluation error follows the failurePolicy', async () => {
    hooks.handle('/conditional', () => ({ allowed: false, status: { message: 'conditions matched' } }));
    const conditions = [
      { name: 'labelled-web', expression: "has(object.metadata.labels) && object.metadata.labels['app'] == 'web'" },
      { name: 'not-system', expression: "!request.userInfo.username.startsWith('system:')" },
    ];
    await configure('validating', 'conditional', [webhook('conditional.k2.test', '/conditional', { matchConditions: conditions })]);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('mc1', { app: 'db' }))).statusCode).toBe(201);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('mc2'))).statusCode).toBe(201);
    expect(calls('/conditional')).toHaveLength(0);
    const refused = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('mc3', { app: 'web' }));
    expect(refused.json()).toMatchObject({ code: 400, message: 'admission webhook "conditional.k2.test" denied the request: conditions matched' });

    // A field that is not there is an error: Fail refuses (403), Ignore skips the webhook.
    await unconfigureAll();
    const erring = [{ name: 'replicas', expression: 'object.spec.replicas > 1' }];
    await configure('validating', 'erring', [webhook('erring.k2.test', '/conditional', { matchConditions: erring })]);
    const failed = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('mc4'));
    expect(failed.json()).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: `configmaps "mc4" is forbidden: failed calling webhook "erring.k2.test": matchCondition 'replicas': expression 'object.spec.replicas > 1' resulted in error: field not found: spec`,
    });
    await unconfigureAll();
    await configure('validating', 'erring', [webhook('erring.k2.test', '/conditional', { matchConditions: erring, failurePolicy: 'Ignore' })]);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('mc5'))).statusCode).toBe(201);
  });

  it('follows configuration changes from the watch cache, and never sends webhook configurations to webhooks', async () => {
    hooks.handle('/everything', () => ({ allowed: false, status: { message: 'no' } }));
    await configure('validating', 'everything', [webhook('everything.k2.test', '/everything', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }] })]);
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('c1'))).statusCode).toBe(400);
    // The configuration itself can still be changed and removed.
    expect((await inject('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/everything')).statusCode).toBe(200);
    await api.core.cache.sync();
    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('c1'))).statusCode).toBe(201);
  });

  it('calls a service reference through the Service endpoints, verifying <service>.<namespace>.svc', async () => {
    const served = await startWebhookServer(['hooks.team-a.svc']);
    try {
      served.handle('/svc', () => ({ allowed: false, status: { message: 'via service' } }));
      await inject('POST', '/api/v1/namespaces/team-a/services', { metadata: { name: 'hooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: served.port }] } });
      await inject('POST', '/api/v1/namespaces/team-a/endpoints', { metadata: { name: 'hooks' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: served.port }] }] });
      await configure('validating', 'svc', [{ ...webhook('svc.k2.test', '/svc'), clientConfig: { service: { namespace: 'team-a', name: 'hooks', path: '/svc' }, caBundle: served.caBundle } }]);
      const refused = await inject('POST', '/api/v1/namespaces/default/configmaps', configMap('v1'));
      expect(refused.json()).toMatchObject({ code: 400, message: 'admission webhook "svc.k2.test" denied the request: via service' });
      expect(served.received.get('/svc')![0].query).toBe('timeout=10s');
    } finally {
      await served.close();
    }
  });
});
