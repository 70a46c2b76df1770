// Real kubectl reading Tables rendered by this library: a small loopback HTTP server answers discovery
// and list/watch requests with renderTable's output, and the tests check what `kubectl get` prints.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  builtinTableConvertor,
  customResourceTableConvertor,
  parseIncludeObject,
  renderObjectTable,
  renderTable,
  TableRequestError,
  type TableConvertor,
} from '../../apiserver/tables/index.ts';
import { runKubectl, type CommandResult } from '../e2e/harness.ts';

const HOUR = 3600_000;
// Thirty hours prints as "30h" for a whole hour, so the ages below do not move while the tests run.
const created = (hours: number) => new Date(Date.now() - hours * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');

const pods = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', uid: 'u0', resourceVersion: '11', creationTimestamp: created(30), labels: { app: 'web', tier: 'front' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
    status: {
      phase: 'Running',
      podIP: '10.42.0.5',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'nginx', ready: true, restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: created(20) } } }],
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api-7f9c', namespace: 'shop', uid: 'u1', resourceVersion: '12', creationTimestamp: created(50), labels: { app: 'api' } },
    spec: { initContainers: [{ name: 'migrate', image: 'api:2' }], containers: [{ name: 'api', image: 'api:2' }] },
    status: {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'migrate', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      containerStatuses: [{ name: 'api', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    },
  },
];

const deployments = [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'd0', resourceVersion: '13', creationTimestamp: created(30) },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  },
];

const widgets = [
  {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'gizmo', namespace: 'default', uid: 'w0', resourceVersion: '14', creationTimestamp: created(30) },
    spec: { size: 3, color: 'blue' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  },
  {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'sprocket', namespace: 'default', uid: 'w1', resourceVersion: '15', creationTimestamp: created(9) },
    spec: { size: 1 },
  },
];

const clusterRoles = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'view', uid: 'r0', resourceVersion: '16', creationTimestamp: '2025-05-01T10:00:00Z' }, rules: [] },
];

const widgetTable = customResourceTableConvertor([
  { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
  { name: 'Color', type: 'string', jsonPath: '.spec.color' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Internal', type: 'string', jsonPath: '.metadata.uid', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
]);

interface Collection {
  path: RegExp;
  convertor: TableConvertor;
  items: () => any[];
}

const collections: Collection[] = [
  { path: /^\/api\/v1\/namespaces\/default\/pods$/, convertor: builtinTableConvertor('', 'pods')!, items: () => pods.filter((p) => p.metadata.namespace === 'default') },
  { path: /^\/api\/v1\/pods$/, convertor: builtinTableConvertor('', 'pods')!, items: () => pods },
  { path: /^\/apis\/apps\/v1\/namespaces\/default\/deployments$/, convertor: builtinTableConvertor('apps', 'deployments')!, items: () => deployments },
  { path: /^\/apis\/example\.com\/v1\/namespaces\/default\/widgets$/, convertor: widgetTable, items: () => widgets },
  { path: /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/clusterroles$/, convertor: builtinTableConvertor('rbac.authorization.k8s.io', 'clusterroles')!, items: () => clusterRoles },
];

const resource = (name: string, kind: string, namespaced: boolean, extra: object = {}) => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs: ['get', 'list', 'watch'], ...extra });

const discovery: Record<string, object> = {
  '/version': { major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64' },
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: ['apps', 'example.com', 'rbac.authorization.k8s.io'].map((name) => ({
      name,
      versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
      preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
    })),
  },
  '/api/v1': { kind: 'APIResourceList', groupVersion: 'v1', resources: [resource('pods', 'Pod', true, { shortNames: ['po'], categories: ['all'] })] },
  '/apis/apps/v1': { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [resource('deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'] })] },
  '/apis/example.com/v1': { kind: 'APIResourceList', groupVersion: 'example.com/v1', resources: [resource('widgets', 'Widget', true)] },
  '/apis/rbac.authorization.k8s.io/v1': { kind: 'APIResourceList', groupVersion: 'rbac.authorization.k8s.io/v1', resources: [resource('clusterroles', 'ClusterRole', false)] },
};

/** What the server saw, for the assertions about what kubectl asked for. */
const requests: { path: string; query: URLSearchParams; accept: string }[] = [];

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function tableVersion(accept: string): string | undefined {
  const match = /as=Table;v=(v1|v1beta1);g=meta\.k8s\.io/.exec(accept);
  return match ? `meta.k8s.io/${match[1]}` : undefined;
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const accept = request.headers.accept ?? '';
  requests.push({ path: url.pathname, query: url.searchParams, accept });
  if (discovery[url.pathname]) return sendJson(response, 200, discovery[url.pathname]);
  const collection = collections.find((c) => c.path.test(url.pathname));
  if (!collection) return sendJson(response, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  const apiVersion = tableVersion(accept);
  if (!apiVersion) {
    // `-o name`, `-o yaml` and friends ask for the plain list.
    const items = collection.items();
    return sendJson(response, 200, { kind: `${items[0]?.kind}List`, apiVersion: items[0]?.apiVersion, metadata: { resourceVersion: '19' }, items });
  }
  try {
    const includeObject = parseIncludeObject(url.searchParams.get('includeObject'));
    if (url.searchParams.get('watch') === 'true') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      response.flushHeaders();
      // A pod goes away and a new one arrives; headers only on the first event of the connection.
      const terminating = { ...pods[0]!, metadata: { ...pods[0]!.metadata, resourceVersion: '20', deletionTimestamp: created(0) } };
      const replacement = { ...pods[0]!, metadata: { ...pods[0]!.metadata, name: 'web-1', uid: 'u2', resourceVersion: '21', creationTimestamp: created(0) }, status: { phase: 'Pending' } };
      response.write(`${JSON.stringify({ type: 'MODIFIED', object: renderObjectTable(collection.convertor, terminating, { includeObject, apiVersion }) })}\n`);
      response.write(`${JSON.stringify({ type: 'ADDED', object: renderObjectTable(collection.convertor, replacement, { includeObject, apiVersion, noHeaders: true }) })}\n`);
      response.end();
      return;
    }
    sendJson(response, 200, renderTable(collection.convertor, collection.items(), { includeObject, apiVersion, resourceVersion: '19' }));
  } catch (error) {
    if (!(error instanceof TableRequestError)) throw error;
    sendJson(response, error.code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: error.reason, code: error.code, message: error.message });
  }
}

let server: Server;
let workDir: string;
let kubeconfig: string;

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  workDir = mkdtempSync(join(tmpdir(), 'k2-tables-kubectl-'));
  mkdirSync(join(workDir, 'cache'));
  kubeconfig = join(workDir, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: t, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
      'users: [{name: t, user: {}}]',
      'contexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]',
      'current-context: t',
    ].join('\n'),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(workDir, { recursive: true, force: true });
});

function kubectl(args: string[], version = '1.33'): Promise<CommandResult> {
  return runKubectl(kubeconfig, args, { version, cacheDir: join(workDir, 'cache', version), timeoutMs: 20_000 });
}

async function output(args: string[], version = '1.33'): Promise<string> {
  const result = await kubectl(args, version);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('kubectl get prints the cells k2 renders', () => {
  it('lists pods with READY, STATUS, RESTARTS and AGE', async () => {
    expect(await output(['get', 'pods'])).toBe(['NAME    READY   STATUS    RESTARTS      AGE', 'web-0   1/1     Running   3 (20h ago)   30h', ''].join('\n'));
  });

  it('adds the priority columns with -o wide', async () => {
    expect(await output(['get', 'pods', '-o', 'wide'])).toBe(
      [
        'NAME    READY   STATUS    RESTARTS      AGE   IP          NODE     NOMINATED NODE   READINESS GATES',
        'web-0   1/1     Running   3 (20h ago)   30h   10.42.0.5   node-1   <none>           <none>',
        '',
      ].join('\n'),
    );
  });

  it('takes NAMESPACE and LABELS from the rows\' PartialObjectMetadata', async () => {
    expect(await output(['get', 'pods', '-A', '--show-labels'])).toBe(
      [
        'NAMESPACE   NAME       READY   STATUS                  RESTARTS      AGE    LABELS',
        'default     web-0      1/1     Running                 3 (20h ago)   30h    app=web,tier=front',
        'shop        api-7f9c   0/1     Init:CrashLoopBackOff   0             2d2h   app=api',
        '',
      ].join('\n'),
    );
  });

  it('sorts on a field of the full objects it asks for with --sort-by', async () => {
    const listed = await output(['get', 'pods', '-A', '--sort-by=.metadata.name', '-o', 'name']);
    expect(listed).toBe('pod/api-7f9c\npod/web-0\n');
    const sorted = await output(['get', 'pods', '-A', '--sort-by=.metadata.creationTimestamp']);
    expect(sorted.split('\n').slice(1, 3).map((line) => line.split(/\s+/)[1])).toEqual(['api-7f9c', 'web-0']);
    expect(requests.some((r) => r.query.get('includeObject') === 'Object')).toBe(true);
  });

  it('prefixes names with kind and group when several types are listed', async () => {
    expect(await output(['get', 'deployments,widgets'])).toBe(
      [
        'NAME                  READY   UP-TO-DATE   AVAILABLE   AGE',
        'deployment.apps/web   2/3     3            2           30h',
        '',
        'NAME                          SIZE   COLOR   READY   AGE',
        'widget.example.com/gizmo      3      blue    True    30h',
        'widget.example.com/sprocket   1                      9h',
        '',
      ].join('\n'),
    );
  });

  it('prints a custom resource\'s printer columns, hiding priority ones until -o wide', async () => {
    expect(await output(['get', 'widgets'])).toBe(['NAME       SIZE   COLOR   READY   AGE', 'gizmo      3      blue    True    30h', 'sprocket   1                      9h', ''].join('\n'));
    expect((await output(['get', 'widgets', '-o', 'wide'])).split('\n')[0]).toBe('NAME       SIZE   COLOR   READY   INTERNAL   AGE');
  });

  it('prints the default table\'s Created At as the timestamp itself', async () => {
    expect(await output(['get', 'clusterroles'])).toBe(['NAME   CREATED AT', 'view   2025-05-01T10:00:00Z', ''].join('\n'));
  });

  it('follows a watch whose later events carry no column definitions', async () => {
    const lines = (await output(['get', 'pods', '-w'])).trim().split('\n').map((line) => line.trim().split(/\s+/));
    expect(lines[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(lines.slice(1).map((cells) => [cells[0], cells[2]])).toEqual([
      ['web-0', 'Running'],
      ['web-0', 'Terminating'],
      ['web-1', 'Pending'],
    ]);
  });

  it('works the same for kubectl 1.27', async () => {
    expect(await output(['get', 'pods'], '1.27')).toBe(['NAME    READY   STATUS    RESTARTS      AGE', 'web-0   1/1     Running   3 (20h ago)   30h', ''].join('\n'));
  });
});
