// The bundle defers a few modules to their first use (packaging/sea/load-on-first-use.ts): a later start of
// `k2 server` loads none of them, and what needs them still works and loads them when first used.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { modulesLoadedOnFirstUse } from '../../packaging/sea/load-on-first-use.ts';
import { certificateRequest } from '../security/credentials.ts';
import { startServer, tempDir, testBundlePath, type TestServer } from './harness.ts';

const loadedOnFirstUse = (logs: string) => modulesLoadedOnFirstUse.filter((specifier) => logs.includes(`loaded ${specifier} on first use`));

describe('modules loaded on first use', () => {
  const dataDir = tempDir();
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a later start loads none of them; CSRs and CEL expressions load theirs when first used', async () => {
    const env = { NODE_DEBUG: 'k2' };
    const first = await startServer({ dataDir, env });
    // The first start makes the cluster's certificates with the X.509 library.
    expect(loadedOnFirstUse(first.logs())).toEqual(['@peculiar/x509']);
    await first.stop();

    server = await startServer({ dataDir, env });
    expect(loadedOnFirstUse(server.logs())).toEqual([]);

    const csr = (name: string, request: string) => ({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: { request, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
    });
    const path = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
    const good = await server.request('POST', path, { body: csr('jane', (await certificateRequest('CN=jane, O=devs')).request) });
    expect(good.status).toBe(201);
    expect(good.json.spec.username).toBe('admin');
    const bad = await server.request('POST', path, { body: csr('bad', Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----').toString('base64')) });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toContain('spec.request: Invalid value: "<certificate request>": x509: malformed certificate request');

    const policy = (expression: string) => ({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'replicas' },
      spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression }] },
    });
    const policies = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
    const unparsable = await server.request('POST', policies, { body: policy('object.spec.replicas <=') });
    expect(unparsable.status).toBe(422);
    expect(unparsable.json.message).toMatch(/spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: /);
    expect((await server.request('POST', policies, { body: policy('object.spec.replicas <= 5') })).status).toBe(201);

    expect(loadedOnFirstUse(server.logs()).sort()).toEqual(['@bufbuild/cel', '@peculiar/x509']);
  }, 60_000);

  it('help is laid out in columns (string-width) and --log-format text pretty-prints (pino-pretty)', async () => {
    const help = spawnSync(process.execPath, [testBundlePath, 'server', '--help'], { env: { ...process.env, NODE_DEBUG: 'k2' }, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ +--bind-address +Address the API server listens on +\[string\] \[default: "0\.0\.0\.0"\]$/m);
    expect(help.stderr).toContain('loaded string-width on first use');

    const textDir = tempDir();
    const child = spawn(process.execPath, [testBundlePath, 'server', '--data-dir', textDir, '--bind-address', '127.0.0.1', '--https-listen-port', '0', '--disable-agent', '--log-format', 'text'], {
      env: { ...process.env, HOME: textDir, NODE_DEBUG: 'k2' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
    try {
      await new Promise<void>((resolveReady, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready in 30 s:\n${output}`)), 30_000);
        child.stderr!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('k2 is ready')) {
            clearTimeout(timer);
            resolveReady();
          }
        });
      });
      expect(output).toMatch(/^\[[\d:.]+\] INFO: k2 is ready; kubeconfig written to /m);
      expect(loadedOnFirstUse(output)).toContain('pino-pretty');
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(textDir, { recursive: true, force: true });
    }
  }, 60_000);
});
