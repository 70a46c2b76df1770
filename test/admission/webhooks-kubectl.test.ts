// The webhook acceptance test: a real `k2 server` and real kubectl; the webhooks are served by this
// test over HTTPS on loopback with their own CA. A validating webhook's denial reaches kubectl with its
// message, a mutating webhook's JSONPatch label is on the stored object, webhook warnings are printed.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startServer, tempDir, type TestServer } from '../e2e/harness.ts';
import { jsonPatch, startWebhookServer, type WebhookServer } from './webhook-server.ts';

describe('admission webhooks with kubectl', () => {
  let server: TestServer;
  let hooks: WebhookServer;
  let auditDir: string;

  beforeAll(async () => {
    auditDir = tempDir('k2-webhook-audit-');
    [server, hooks] = await Promise.all([startServer({ args: ['--audit-log-path', join(auditDir, 'audit.log')] }), startWebhookServer()]);
    hooks.handle('/validate', (request) =>
      request.object?.metadata?.name?.startsWith('forbidden-')
        ? { allowed: false, status: { code: 403, reason: 'Forbidden', message: `configmaps named ${request.object.metadata.name} are not welcome here` } }
        : { allowed: true, warnings: ['configmap checked by validate.k2.test'], auditAnnotations: { checked: request.object?.metadata?.name ?? '' } },
    );
    hooks.handle('/mutate', (request) => {
      const labels = request.object.metadata.labels;
      return { allowed: true, ...jsonPatch(labels ? [{ op: 'add', path: '/metadata/labels/k2.test~1mutated', value: 'true' }] : [{ op: 'add', path: '/metadata/labels', value: { 'k2.test/mutated': 'true' } }]) };
    });
    const rules = [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];
    const configurations = [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'validate' },
        webhooks: [{ name: 'validate.k2.test', clientConfig: { url: `${hooks.url}/validate`, caBundle: hooks.caBundle }, rules, sideEffects: 'None', admissionReviewVersions: ['v1'], objectSelector: { matchExpressions: [{ key: 'skip-webhooks', operator: 'DoesNotExist' }] } }],
      },
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: 'mutate' },
        webhooks: [{ name: 'mutate.k2.test', clientConfig: { url: `${hooks.url}/mutate`, caBundle: hooks.caBundle }, rules, sideEffects: 'None', admissionReviewVersions: ['v1', 'v1beta1'], objectSelector: { matchExpressions: [{ key: 'skip-webhooks', operator: 'DoesNotExist' }] } }],
      },
    ];
    const file = join(server.dataDir, 'webhooks.yaml');
    writeFileSync(file, configurations.map((c) => YAML.stringify(c)).join('---\n'));
    const applied = await server.kubectl(['apply', '-f', file]);
    expect(applied.code, applied.stderr).toBe(0);
    // The configurations take effect once the watch cache has them (well within a second).
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const probe = await server.kubectl(['create', 'configmap', 'probe', '--dry-run=server', '-o', 'json']);
      if (probe.code === 0 && JSON.parse(probe.stdout).metadata.labels?.['k2.test/mutated']) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    await server?.stop();
    await hooks?.close();
    rmSync(auditDir, { recursive: true, force: true });
  });

  for (const version of ['1.27', '1.30', '1.33']) {
    it(`kubectl ${version} prints the validating webhook's denial`, async () => {
      const result = await server.kubectl(['create', 'configmap', `forbidden-${version.replace('.', '-')}`, '--from-literal=a=b'], { version });
      expect(result.code).not.toBe(0);
      expect(result.stderr.trim()).toBe(
        `error: failed to create configmap: admission webhook "validate.k2.test" denied the request: configmaps named forbidden-${version.replace('.', '-')} are not welcome here`,
      );
      const applied = await server.kubectl(['apply', '-f', '-'], {
        version,
        input: YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `forbidden-apply-${version.replace('.', '-')}` } }),
      });
      expect(applied.code).not.toBe(0);
      expect(applied.stderr).toContain(`Error from server (Forbidden): error when creating "STDIN": admission webhook "validate.k2.test" denied the request: configmaps named forbidden-apply-${version.replace('.', '-')} are not welcome here`);
    });
  }

  it('the mutating webhook labels what kubectl creates, through a JSONPatch, and kubectl shows the warning', async () => {
    const created = await server.kubectl(['create', 'configmap', 'labelled', '--from-literal=a=b']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('Warning: configmap checked by validate.k2.test');
    const label = await server.kubectl(['get', 'configmap', 'labelled', '-o', 'jsonpath={.metadata.labels}']);
    expect(JSON.parse(label.stdout)).toEqual({ 'k2.test/mutated': 'true' });
    const applied = await server.kubectl(['apply', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', labels: { app: 'web' } }, data: { a: 'b' } }) });
    expect(applied.code, applied.stderr).toBe(0);
    const shown = await server.kubectl(['get', 'configmap', 'applied', '--show-labels', '--no-headers']);
    expect(shown.stdout).toMatch(/^applied\s+1\s+\S+\s+app=web,k2\.test\/mutated=true$/m);

    // The audit log records what the webhooks did and the annotations they returned.
    const deadline = Date.now() + 5000;
    let event: Record<string, any> | undefined;
    while (!event && Date.now() < deadline) {
      event = readFileSync(join(auditDir, 'audit.log'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, any>)
        .find((e) => e.stage === 'ResponseComplete' && e.verb === 'create' && e.objectRef?.resource === 'configmaps' && e.responseStatus?.code === 201 && e.annotations?.['validate.k2.test/checked'] === 'labelled');
      if (!event) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(event?.annotations).toMatchObject({
      'mutation.webhook.admission.k8s.io/round_0_index_0': JSON.stringify({ configuration: 'mutate', webhook: 'mutate.k2.test', mutated: true }),
      'validate.k2.test/checked': 'labelled',
    });
  });

  it('a ValidatingAdmissionPolicy denial reads in kubectl as in Kubernetes', async () => {
    const manifests = [
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingAdmissionPolicy',
        metadata: { name: 'max-replicas' },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
          validations: [{ expression: 'object.spec.replicas <= 5' }],
        },
      },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'max-replicas-binding' }, spec: { policyName: 'max-replicas', validationActions: ['Deny'] } },
    ];
    const applied = await server.kubectl(['apply', '-f', '-'], { input: manifests.map((m) => YAML.stringify(m)).join('---\n') });
    expect(applied.code, applied.stderr).toBe(0);
    let result = { code: 0, stdout: '', stderr: '' };
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      result = await server.kubectl(['create', 'deployment', 'big', '--image=nginx', '--replicas=10']);
      if (result.code !== 0) break;
      await server.kubectl(['delete', 'deployment', 'big']);
    }
    expect(result.stderr.trim()).toBe(
      `error: failed to create deployment: deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`,
    );
    const small = await server.kubectl(['create', 'deployment', 'small', '--image=nginx', '--replicas=2']);
    expect(small.code, small.stderr).toBe(0);
    const patched = await server.kubectl(['patch', 'deployment', 'small', '-p', '{"spec":{"replicas":8}}']);
    expect(patched.code).not.toBe(0);
    expect(patched.stderr.trim()).toBe(
      `The deployments "small" is invalid: : ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5`,
    );
    // `kubectl scale` writes deployments/scale, which a rule for `deployments` does not match (as in Kubernetes).
    const scaled = await server.kubectl(['scale', 'deployment', 'small', '--replicas=8']);
    expect(scaled.code, scaled.stderr).toBe(0);
  });

  it('objects the selectors exclude are not sent to the webhooks', async () => {
    const created = await server.kubectl(['apply', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forbidden-but-skipped', labels: { 'skip-webhooks': 'please' } } }) });
    expect(created.code, created.stderr).toBe(0);
    const labels = await server.kubectl(['get', 'configmap', 'forbidden-but-skipped', '-o', 'jsonpath={.metadata.labels}']);
    expect(JSON.parse(labels.stdout)).toEqual({ 'skip-webhooks': 'please' });
  });
});
