// Webhook configurations are validated with kube-apiserver's field errors, over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';

type Json = Record<string, any>;

describe('webhook configuration validation', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(() => api.close());

  const valid = (extra: Json = {}): Json => ({
    name: 'check.k2.test',
    clientConfig: { url: 'https://127.0.0.1:9443/check' },
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  });

  const create = async (kind: 'mutating' | 'validating', webhooks: Json[], name = `c-${Math.random().toString(36).slice(2, 8)}`) => {
    const plural = `${kind}webhookconfigurations`;
    const result = await api.app.inject({
      method: 'POST',
      url: `/apis/admissionregistration.k8s.io/v1/${plural}`,
      payload: { apiVersion: 'admissionregistration.k8s.io/v1', kind: kind === 'mutating' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration', metadata: { name }, webhooks },
      headers: { 'content-type': 'application/json' },
    });
    return { code: result.statusCode, body: result.json() as Json };
  };

  const causesOf = (body: Json) => (body.details?.causes ?? []).map((c: Json) => `${c.field}: ${c.message}`);

  it('accepts a valid configuration and fills v1 defaults', async () => {
    const { code, body } = await create('mutating', [valid()]);
    expect(code).toBe(201);
    expect(body.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, reinvocationPolicy: 'Never', namespaceSelector: {}, objectSelector: {} });
    expect(body.webhooks[0].rules[0].scope).toBe('*');
  });

  it.each([
    ['a name of two segments', valid({ name: 'check.test' }), 'webhooks[0].name: Invalid value: "check.test": should be a domain with at least three segments separated by dots'],
    ['no clientConfig target', valid({ clientConfig: {} }), 'webhooks[0].clientConfig: Required value: exactly one of url or service is required'],
    ['both url and service', valid({ clientConfig: { url: 'https://a.b', service: { namespace: 'x', name: 'y' } } }), 'webhooks[0].clientConfig: Required value: exactly one of url or service is required'],
    ['an http url', valid({ clientConfig: { url: 'http://127.0.0.1/x' } }), `webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`],
    ['a url with a query', valid({ clientConfig: { url: 'https://127.0.0.1/x?a=b' } }), 'webhooks[0].clientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL'],
    ['a service path without a slash', valid({ clientConfig: { service: { namespace: 'x', name: 'y', path: 'hook' } } }), `webhooks[0].clientConfig.service.path: Invalid value: "hook": must start with a '/'`],
    ['a timeout above 30', valid({ timeoutSeconds: 31 }), 'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds'],
    ['an unknown failurePolicy', valid({ failurePolicy: 'Sometimes' }), 'webhooks[0].failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"'],
    ['no sideEffects', valid({ sideEffects: undefined }), 'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun'],
    ['no admissionReviewVersions', valid({ admissionReviewVersions: [] }), 'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1'],
    ['only unknown review versions', valid({ admissionReviewVersions: ['v2'] }), 'webhooks[0].admissionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1'],
    ['an unknown operation', valid({ rules: [{ operations: ['PATCH'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }), 'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"'],
    ['`*/*` with other resources', valid({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*', 'pods'] }] }), `webhooks[0].rules[0].resources: Invalid value: ["*/*","pods"]: if '*/*' is present, must not specify other resources`],
    ['an unknown scope', valid({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['pods'], scope: 'Galaxy' }] }), 'webhooks[0].rules[0].scope: Unsupported value: "Galaxy": supported values: "*", "Cluster", "Namespaced"'],
    ['an In selector without values', valid({ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] } }), "webhooks[0].namespaceSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
    ['two matchConditions of one name', valid({ matchConditions: [{ name: 'a', expression: 'true' }, { name: 'a', expression: 'true' }] }), 'webhooks[0].matchConditions[1].name: Duplicate value: "a"'],
  ])('refuses %s', async (_what, webhook, cause) => {
    const { code, body } = await create('validating', [webhook]);
    expect(code).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(causesOf(body)).toContain(cause);
  });

  it('refuses a matchCondition that does not parse', async () => {
    const { code, body } = await create('validating', [valid({ matchConditions: [{ name: 'broken', expression: 'object.metadata.name ==' }] })]);
    expect(code).toBe(422);
    // The parser's own words follow (they are @bufbuild/cel's, not cel-go's).
    expect(causesOf(body)).toEqual([expect.stringMatching(/^webhooks\[0\]\.matchConditions\[0\]\.expression: Invalid value: "object\.metadata\.name ==": compilation failed: <input>:1:\d+: /)]);
  });

  it('refuses duplicate webhook names and an unknown reinvocationPolicy', async () => {
    const { code, body } = await create('mutating', [valid(), valid({ reinvocationPolicy: 'Always' })], 'dupes');
    expect(code).toBe(422);
    expect(body.message).toBe(
      'MutatingWebhookConfiguration.admissionregistration.k8s.io "dupes" is invalid: [webhooks[1].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never", webhooks[1].name: Duplicate value: "check.k2.test"]',
    );
  });
});
