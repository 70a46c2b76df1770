// Real kubectl (1.27 reads /openapi/v2 as protobuf, then v3; 1.33 reads v3) against k2's OpenAPI
// documents, decoding checks and protobuf decoder. The registry does not exist yet, so a
// test-only server (kubectl-test-server.ts) serves a minimal discovery document for a fixed
// resource list and echoes creates; everything OpenAPI- and decoding-related is k2's code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinSchemas } from '../../apiserver/openapi/builtin-schemas.ts';
import { builtinDescriptions } from '../../apiserver/openapi/descriptions/index.ts';
import { schemaFactsJson } from '../../apiserver/openapi/generated/schema-facts.ts';
import { runKubectl, type KubectlOptions } from '../e2e/harness.ts';
import { startKubectlTestServer, type KubectlTestServer } from './kubectl-test-server.ts';
import { servedResources } from './served-resources.ts';

/** Text with its line breaks and indentation as single spaces (kubectl wraps descriptions). */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const deploymentPath = '/apis/apps/v1/namespaces/default/deployments';

function deploymentManifest(spec: Record<string, unknown> = {}, containers = [{ name: 'a', image: 'nginx:1' }, { name: 'b', image: 'busybox' }]): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd1', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'd1' } }, template: { metadata: { labels: { app: 'd1' } }, spec: { containers } }, ...spec },
  };
}

describe('real kubectl against k2 OpenAPI', () => {
  let server: KubectlTestServer;
  const kubectl = (version: string, args: string[], options: KubectlOptions = {}) =>
    runKubectl(server.kubeconfig, args, { version, cacheDir: `${server.cacheDir}-${version}`, timeoutMs: 60_000, ...options });

  beforeAll(async () => {
    server = await startKubectlTestServer(servedResources);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('explain works from v2 protobuf (1.27) and v3 (1.33), for removed versions and custom resources', async () => {
    for (const version of ['1.27', '1.33']) {
      server.requests.length = 0;
      const result = await kubectl(version, ['explain', 'deployment.spec.strategy']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/);
      expect(result.stdout).toMatch(/FIELD: strategy <DeploymentStrategy>/);
      expect(result.stdout).toMatch(/rollingUpdate\s+<RollingUpdateDeployment>/);
      // k2's own descriptions: the field's, its type's, and each child field's, as kubectl wraps them.
      const strategy = builtinDescriptions().get('apps.DeploymentStrategy')!;
      const spec = builtinDescriptions().get('apps.DeploymentSpec')!;
      for (const text of [spec.strategy!, strategy['']!, strategy.type!, strategy.rollingUpdate!]) expect(flat(result.stdout)).toContain(flat(text));
      // 1.27 must get /openapi/v2 (protobuf) before it uses v3.
      const v2 = server.requests.filter((r) => r.url.startsWith('/openapi/v2'));
      expect(v2.length).toBe(version === '1.27' ? 1 : 0);
    }
    const old = await kubectl('1.33', ['explain', 'ingresses.spec', '--api-version=networking.k8s.io/v1beta1']);
    expect(old.code).toBe(0);
    expect(old.stdout).toMatch(/ingressClassName\s+<string>/);
    expect(old.stdout).toMatch(/backend\s+<IngressBackend>/);
    const custom = await kubectl('1.33', ['explain', 'crontabs.spec.cronSpec']);
    expect(custom.code).toBe(0);
    expect(custom.stdout).toContain('When to run, in cron syntax.');
  });

  it('kubectl leaves field validation to the server, which refuses or warns in Kubernetes words', async () => {
    const manifest = JSON.stringify(deploymentManifest({ replicass: 2 }));
    for (const version of ['1.27', '1.33']) {
      server.requests.length = 0;
      const strict = await kubectl(version, ['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: manifest });
      expect(strict.code).toBe(1);
      expect(strict.stderr).toBe(
        'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass"\n',
      );
      const create = server.requests.find((r) => r.method === 'POST')!;
      expect(create.url).toBe(`${deploymentPath}?dryRun=All&fieldManager=kubectl-client-side-apply&fieldValidation=Strict`);

      const warn = await kubectl(version, ['apply', '--dry-run=server', '--validate=warn', '-f', '-'], { input: manifest });
      expect(warn.code).toBe(0);
      expect(warn.stderr).toBe('Warning: unknown field "spec.replicass"\n');
      expect(warn.stdout).toBe('deployment.apps/d1 created (server dry run)\n');
    }
  });

  it('client-side apply builds strategic merge patches from the published merge keys', async () => {
    const lastApplied = deploymentManifest();
    server.objects.set(`${deploymentPath}/d1`, {
      ...lastApplied,
      metadata: { name: 'd1', namespace: 'default', resourceVersion: '7', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) } },
    });
    const changed = JSON.stringify(deploymentManifest({}, [{ name: 'a', image: 'nginx:2' }, { name: 'b', image: 'busybox' }]));
    for (const version of ['1.27', '1.28', '1.33']) {
      server.requests.length = 0;
      const result = await kubectl(version, ['apply', '-f', '-'], { input: changed });
      expect(result.code).toBe(0);
      const patch = server.requests.find((r) => r.method === 'PATCH')!;
      expect(patch.contentType).toBe('application/strategic-merge-patch+json');
      expect((patch.body as { spec: unknown }).spec).toEqual({
        template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ image: 'nginx:2', name: 'a' }] } },
      });
    }
  });

  it('publishing a schema without merge keys makes kubectl replace lists (the control for the test above)', async () => {
    const facts = JSON.parse(schemaFactsJson.replaceAll(/"x-kubernetes-patch-(merge-key|strategy)":"[^"]*",?/g, '').replaceAll(',}', '}'));
    const stripped = new BuiltinSchemas(facts);
    const control = await startKubectlTestServer(servedResources, { schemas: () => stripped });
    try {
      const lastApplied = deploymentManifest();
      control.objects.set(`${deploymentPath}/d1`, { ...lastApplied, metadata: { name: 'd1', namespace: 'default', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) } } });
      const changed = JSON.stringify(deploymentManifest({}, [{ name: 'a', image: 'nginx:2' }, { name: 'b', image: 'busybox' }]));
      const result = await runKubectl(control.kubeconfig, ['apply', '-f', '-'], { version: '1.33', cacheDir: `${control.cacheDir}-control`, input: changed });
      expect(result.code).toBe(0);
      const patch = control.requests.find((r) => r.method === 'PATCH')!;
      expect((patch.body as { spec: unknown }).spec).toEqual({ template: { spec: { containers: [{ image: 'nginx:2', name: 'a' }, { image: 'busybox', name: 'b' }] } } });
    } finally {
      await control.close();
    }
  });

  it('kubectl 1.33 sends protobuf bodies that decode to what kube-apiserver would keep', async () => {
    const created = async (args: string[]) => {
      server.requests.length = 0;
      const result = await kubectl('1.33', args);
      const post = server.requests.find((r) => r.method === 'POST')!;
      expect(post.contentType).toBe('application/vnd.kubernetes.protobuf');
      return { result, body: post.body };
    };
    const deployment = await created(['create', 'deployment', 'd2', '--image=nginx', '--replicas=0', '--port=80']);
    expect(deployment.result.stdout).toBe('deployment.apps/d2 created\n');
    expect(deployment.body).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd2', labels: { app: 'd2' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'd2' } },
        template: { metadata: { labels: { app: 'd2' } }, spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] } },
        strategy: {},
      },
      status: {},
    });
    expect((await created(['create', 'configmap', 'c', '--from-literal=a=b'])).body).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
    expect((await created(['create', 'secret', 'generic', 's', '--from-literal=p=q'])).body).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: Buffer.from('q').toString('base64') } });
    expect((await created(['create', 'service', 'clusterip', 'svc', '--tcp=80:8080'])).body).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', labels: { app: 'svc' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    });
    const review = await created(['auth', 'can-i', 'create', 'pods']);
    expect(review.body).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
      status: { allowed: false },
    });
  });
});
