// ValidatingAdmissionPolicy over an in-process API: CEL validations bound to requests, with
// Deny/Warn/Audit actions, params, matchConditions, variables, messages and failure policies.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';

type Json = Record<string, any>;

describe('ValidatingAdmissionPolicy', () => {
  let api: ApiFixture;
  const inject = (method: string, url: string, payload?: unknown) =>
    api.app.inject({ method: method as 'GET', url, payload: payload as object, headers: { 'content-type': 'application/json' } });
  const base = '/apis/admissionregistration.k8s.io/v1';

  const deploymentRules = { resourceRules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] };
  const policy = async (name: string, spec: Json) => {
    const result = await inject('POST', `${base}/validatingadmissionpolicies`, { metadata: { name }, spec: { matchConstraints: deploymentRules, ...spec } });
    expect(result.statusCode, result.body).toBe(201);
  };
  const binding = async (name: string, spec: Json) => {
    const result = await inject('POST', `${base}/validatingadmissionpolicybindings`, { metadata: { name }, spec: { validationActions: ['Deny'], ...spec } });
    expect(result.statusCode, result.body).toBe(201);
    await api.core.cache.sync();
  };
  const deployment = (name: string, replicas: number, labels: Record<string, string> = { app: name }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
  });
  const create = (namespace: string, object: Json) => inject('POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, object);

  beforeAll(async () => {
    api = await apiFixture();
    for (const name of ['default', 'prod', 'dev']) await inject('POST', '/api/v1/namespaces', { metadata: { name, labels: { env: name } } });
  });
  afterAll(() => api.close());
  beforeEach(async () => {
    await inject('DELETE', `${base}/validatingadmissionpolicybindings`);
    await inject('DELETE', `${base}/validatingadmissionpolicies`);
    await inject('DELETE', '/apis/apps/v1/namespaces/default/deployments');
    await api.core.cache.sync();
  });

  it("denies with Kubernetes' message and 422 Invalid; with Warn (and Audit) the request passes with a warning", async () => {
    await policy('max-replicas', { validations: [{ expression: 'object.spec.replicas <= 5' }] });
    await binding('max-replicas-binding', { policyName: 'max-replicas' });
    const denied = await create('default', deployment('big', 10));
    expect(denied.statusCode).toBe(422);
    expect(denied.json()).toMatchObject({
      reason: 'Invalid',
      code: 422,
      message: `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`,
    });
    expect((await create('default', deployment('small', 2))).statusCode).toBe(201);
    // Updates are checked too.
    const small = (await inject('GET', '/apis/apps/v1/namespaces/default/deployments/small')).json();
    const scaled = await inject('PUT', '/apis/apps/v1/namespaces/default/deployments/small', { ...small, spec: { ...small.spec, replicas: 9 } });
    expect(scaled.statusCode).toBe(422);

    await inject('DELETE', `${base}/validatingadmissionpolicybindings/max-replicas-binding`);
    await binding('warn-only', { policyName: 'max-replicas', validationActions: ['Warn', 'Audit'] });
    const warned = await create('default', deployment('big', 10));
    expect(warned.statusCode).toBe(201);
    expect(warned.headers.warning).toEqual([`299 - "Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'warn-only': failed expression: object.spec.replicas <= 5"`]);
  });

  it('uses message, messageExpression and reason, variables, matchConditions and the binding namespaceSelector', async () => {
    await policy('named', {
      variables: [{ name: 'prefix', expression: "object.metadata.namespace + '-'" }],
      matchConditions: [{ name: 'not-exempt', expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)" }],
      validations: [
        { expression: 'object.metadata.name.startsWith(variables.prefix)', messageExpression: "'name must start with ' + variables.prefix", reason: 'Forbidden' },
        { expression: "object.spec.template.spec.containers.all(c, c.image.contains(':'))", message: 'images must be pinned' },
      ],
    });
    await binding('named-prod', { policyName: 'named', matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } });
    const refused = await create('prod', deployment('web', 1));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ reason: 'Forbidden', message: `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'named' with binding 'named-prod' denied request: name must start with prod-` });
    // Only the first denial is reported; a pinned image and a good name pass.
    const pinned = deployment('prod-web', 1);
    pinned.spec.template.spec.containers[0]!.image = 'nginx:1.27';
    expect((await create('prod', pinned)).statusCode).toBe(201);
    const unpinned = await create('prod', deployment('prod-api', 1));
    expect(unpinned.json().message).toContain('denied request: images must be pinned');
    // matchConditions and the binding's selector leave these alone.
    expect((await create('prod', deployment('exempted', 1, { app: 'exempted', exempt: 'yes' }))).statusCode).toBe(201);
    expect((await create('dev', deployment('anything', 1))).statusCode).toBe(201);
  });

  it('reads limits from params (a ConfigMap), and parameterNotFoundAction decides when there is none', async () => {
    await policy('limits', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      validations: [{ expression: 'object.spec.replicas <= int(params.data.maxReplicas)', messageExpression: "'at most ' + params.data.maxReplicas + ' replicas'" }],
    });
    await inject('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'limits' }, data: { maxReplicas: '3' } });
    await binding('limits-binding', { policyName: 'limits', paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } });
    expect((await create('default', deployment('three', 3))).statusCode).toBe(201);
    expect((await create('default', deployment('four', 4))).json().message).toContain("denied request: at most 3 replicas");
    // dev has no `limits` ConfigMap: Deny refuses.
    expect((await create('dev', deployment('dev-one', 1))).json().message).toContain('denied request: no params found for policy binding with `Deny` parameterNotFoundAction');
    await inject('DELETE', `${base}/validatingadmissionpolicybindings/limits-binding`);
    await binding('limits-allow', { policyName: 'limits', paramRef: { name: 'limits', parameterNotFoundAction: 'Allow' } });
    expect((await create('dev', deployment('dev-two', 9))).statusCode).toBe(201);
  });

  it('refuses policies whose expressions do not parse and bindings that both Deny and Warn', async () => {
    const policyResult = await inject('POST', `${base}/validatingadmissionpolicies`, {
      metadata: { name: 'unparsable' },
      spec: { matchConstraints: deploymentRules, validations: [{ expression: 'object.spec.replicas <=' }], failurePolicy: 'Sometimes' },
    });
    expect(policyResult.statusCode).toBe(422);
    const causes = policyResult.json().details.causes.map((c: Json) => `${c.field}: ${c.message}`);
    expect(causes[0]).toBe('spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"');
    // The parser's own words follow (they are @bufbuild/cel's, not cel-go's).
    expect(causes[1]).toMatch(/^spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: <input>:1:\d+: /);
    expect(causes).toHaveLength(2);
    const bindingResult = await inject('POST', `${base}/validatingadmissionpolicybindings`, { metadata: { name: 'both' }, spec: { policyName: 'p', validationActions: ['Deny', 'Warn'] } });
    expect(bindingResult.statusCode).toBe(422);
    expect(bindingResult.json().message).toBe(
      'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "both" is invalid: spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    );
  });

  it('an expression that fails to evaluate denies under failurePolicy Fail and is skipped under Ignore', async () => {
    await policy('broken', { failurePolicy: 'Fail', validations: [{ expression: 'object.spec.missing.deep == 1' }] });
    await binding('broken-binding', { policyName: 'broken' });
    const refused = await create('default', deployment('x', 1));
    expect(refused.statusCode).toBe(422);
    expect(refused.json().message).toBe(`deployments.apps "x" is forbidden: ValidatingAdmissionPolicy 'broken' with binding 'broken-binding' denied request: expression 'object.spec.missing.deep == 1' resulted in error: field not found: missing`);
    await inject('DELETE', `${base}/validatingadmissionpolicies/broken`);
    await policy('broken', { failurePolicy: 'Ignore', validations: [{ expression: 'object.spec.missing.deep == 1' }] });
    await api.core.cache.sync();
    expect((await create('default', deployment('y', 1))).statusCode).toBe(201);
  });
});
