// The audit log: audit.k8s.io/v1 Event JSON lines for each request stage, with user, impersonated
// user, verb, objectRef and response status; Metadata level by default; a Policy file deciding
// levels per request (None, Request with bodies), as kube-apiserver writes them.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAuditPolicy, auditLevelFor, parseAuditPolicy } from '../../apiserver/audit/audit-policy.ts';
import { startServer, tempDir, type TestServer } from '../e2e/harness.ts';

interface AuditEvent {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username: string; groups: string[] };
  impersonatedUser?: { username: string; groups: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: Record<string, string>;
  responseStatus?: { code: number; reason?: string; message?: string };
  requestObject?: Record<string, any>;
  responseObject?: Record<string, any>;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

function events(path: string): AuditEvent[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEvent);
}

async function eventually<T>(check: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('no such audit event');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('audit log', () => {
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('records every request at Metadata level by default, denied and impersonated ones included', async () => {
    const dir = tempDir('k2-audit-');
    dirs.push(dir);
    const log = join(dir, 'audit.log');
    const server = await startServer({ args: ['--audit-log-path', log] });
    servers.push(server);
    expect((await server.kubectl(['create', 'configmap', 'audited', '--from-literal=secret=do-not-log'])).code).toBe(0);
    expect((await server.kubectl(['get', 'configmaps', '--as', 'jane'])).code).not.toBe(0);
    expect((await server.request('GET', '/api/v1/namespaces', { anonymous: true })).status).toBe(401);

    const created = await eventually(() => events(log).find((e) => e.verb === 'create' && e.objectRef?.name === undefined && e.objectRef?.resource === 'configmaps' && e.stage === 'ResponseComplete'));
    expect(created).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict',
      user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
      sourceIPs: ['127.0.0.1'],
      objectRef: { resource: 'configmaps', namespace: 'default', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      annotations: { 'authorization.k8s.io/decision': 'allow' },
    });
    expect(created.userAgent).toMatch(/^kubectl/);
    expect(created.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const received = events(log).find((e) => e.auditID === created.auditID && e.stage === 'RequestReceived');
    expect(received?.responseStatus).toBeUndefined();
    expect(readFileSync(log, 'utf8')).not.toContain('do-not-log');

    const denied = await eventually(() => events(log).find((e) => e.impersonatedUser?.username === 'jane' && e.objectRef?.resource === 'configmaps' && e.stage === 'ResponseComplete'));
    expect(denied).toMatchObject({
      verb: 'list',
      user: { username: 'admin' },
      impersonatedUser: { username: 'jane', groups: ['system:authenticated'] },
      objectRef: { resource: 'configmaps', namespace: 'default' },
      responseStatus: { code: 403, reason: 'Forbidden', message: 'configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "default"' },
      annotations: { 'authorization.k8s.io/decision': 'forbid' },
    });
    const unauthenticated = await eventually(() => events(log).find((e) => e.responseStatus?.code === 401));
    expect(unauthenticated).toMatchObject({ verb: 'list', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, objectRef: { resource: 'namespaces' } });
  });

  it('follows an audit Policy: None for noise, Request and RequestResponse with bodies, omitted stages', async () => {
    const dir = tempDir('k2-audit-');
    dirs.push(dir);
    const log = join(dir, 'audit.log');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: [RequestReceived]',
        'rules:',
        '- level: None',
        '  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*", "/version"]',
        '- level: None',
        '  users: ["system:apiserver"]',
        '- level: RequestResponse',
        '  resources:',
        '  - group: ""',
        '    resources: ["configmaps"]',
        '- level: Metadata',
      ].join('\n'),
    );
    const server = await startServer({ args: ['--audit-log-path', log, '--audit-policy-file', policy] });
    servers.push(server);
    expect((await server.kubectl(['create', 'configmap', 'full', '--from-literal=k=v'])).code).toBe(0);
    await server.request('GET', '/healthz');
    await server.request('GET', '/api/v1/namespaces/default/services');
    const create = await eventually(() => events(log).find((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps'));
    expect(create.level).toBe('RequestResponse');
    expect(create.requestObject).toMatchObject({ kind: 'ConfigMap', data: { k: 'v' } });
    expect(create.responseObject).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'full' }, data: { k: 'v' } });
    const services = await eventually(() => events(log).find((e) => e.objectRef?.resource === 'services'));
    expect(services.level).toBe('Metadata');
    expect(services.requestObject).toBeUndefined();
    const all = events(log);
    expect(all.some((e) => e.stage === 'RequestReceived')).toBe(false);
    expect(all.some((e) => e.requestURI.startsWith('/healthz') || e.requestURI.startsWith('/version'))).toBe(false);
  });

  it('parses policies and refuses bad ones with a clear error', () => {
    expect(() => parseAuditPolicy('kind: Policy\nrules:\n- level: Loud\n', 'p.yaml')).toThrow('audit policy p.yaml: rules[0].level must be one of None, Metadata, Request, RequestResponse');
    const policy = parseAuditPolicy('kind: Policy\nrules:\n- level: Request\n  verbs: [create]\n  namespaces: [prod]\n- level: None\n', 'p.yaml');
    const info = { group: '', version: 'v1', prefix: '/api/v1', namespace: 'prod', resource: 'pods', legacyWatch: false };
    expect(auditLevelFor(policy, { verb: 'create', path: '/api/v1/namespaces/prod/pods', info }).level).toBe('Request');
    expect(auditLevelFor(policy, { verb: 'create', path: '/api/v1/namespaces/dev/pods', info: { ...info, namespace: 'dev' } }).level).toBe('None');
    expect(loadAuditPolicy(undefined).rules).toEqual([{ level: 'Metadata' }]);
  });
});
