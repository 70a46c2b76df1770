// Hostile requests for the fuzz test: malformed and oversized bodies, deep nesting and alias bombs,
// invalid UTF-8, wrong content types, malformed protobuf, bad paths, queries and headers, forged
// credentials and impersonation, and random mutations of valid objects. Deterministic from a seed.
import { encodeKubernetesProtobuf } from '../openapi/kubernetes-protobuf-encoder.ts';

export type Credentials = 'admin' | 'none' | 'jane' | 'token';

export interface HostileRequest {
  category: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  as: Credentials;
  /** Holds its connection until the server times it out: sent on a connection of its own. */
  slow?: boolean;
}

/** mulberry32: a small deterministic generator, so a failing run can be replayed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, any>;

/** Valid objects of many kinds, whose mutations the fuzz sends (into the `fuzz` namespace). */
export function validObjects(name: string): { path: string; object: Json }[] {
  const meta = { name, namespace: 'fuzz', labels: { app: 'fuzz' }, annotations: { note: 'x' } };
  const podSpec = { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'], ports: [{ containerPort: 80 }], resources: { limits: { cpu: '100m', memory: '64Mi' } }, env: [{ name: 'A', value: 'b' }] }] };
  return [
    { path: '/api/v1/namespaces/fuzz/configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { a: 'b' } } },
    { path: '/api/v1/namespaces/fuzz/secrets', object: { apiVersion: 'v1', kind: 'Secret', metadata: meta, type: 'Opaque', data: { a: 'Yg==' } } },
    { path: '/api/v1/namespaces/fuzz/pods', object: { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: podSpec } },
    { path: '/api/v1/namespaces/fuzz/services', object: { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector: { app: 'fuzz' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } } },
    { path: '/api/v1/namespaces/fuzz/serviceaccounts', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta } },
    { path: '/apis/apps/v1/namespaces/fuzz/deployments', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { replicas: 1, selector: { matchLabels: { app: 'fuzz' } }, template: { metadata: { labels: { app: 'fuzz' } }, spec: podSpec } } } },
    { path: '/apis/batch/v1/namespaces/fuzz/jobs', object: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } } },
    { path: '/apis/batch/v1/namespaces/fuzz/cronjobs', object: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } } } } },
    { path: '/apis/rbac.authorization.k8s.io/v1/namespaces/fuzz/roles', object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } },
    { path: '/apis/rbac.authorization.k8s.io/v1/namespaces/fuzz/rolebindings', object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'x', apiGroup: 'rbac.authorization.k8s.io' }] } },
    { path: '/apis/networking.k8s.io/v1/namespaces/fuzz/networkpolicies', object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta, spec: { podSelector: {}, policyTypes: ['Ingress'] } } },
    { path: '/apis/policy/v1/namespaces/fuzz/poddisruptionbudgets', object: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta, spec: { minAvailable: 1, selector: { matchLabels: { app: 'fuzz' } } } } },
    { path: '/apis/coordination.k8s.io/v1/namespaces/fuzz/leases', object: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta, spec: { holderIdentity: 'x', leaseDurationSeconds: 10 } } },
    { path: '/apis/certificates.k8s.io/v1/certificatesigningrequests', object: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: `fuzz-${name}` }, spec: { request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K', signerName: 'example.com/x', usages: ['client auth'] } } },
    { path: '/api/v1/namespaces/fuzz/limitranges', object: { apiVersion: 'v1', kind: 'LimitRange', metadata: meta, spec: { limits: [{ type: 'Container', max: { cpu: '2' } }] } } },
    { path: '/api/v1/namespaces/fuzz/resourcequotas', object: { apiVersion: 'v1', kind: 'ResourceQuota', metadata: meta, spec: { hard: { pods: '1000' } } } },
  ];
}

const oddStrings = [
  '',
  ' ',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\uffff\ufffe',
  '😀'.repeat(50),
  'a'.repeat(20_000),
  '${jndi:ldap://x}',
  '<script>',
  '-1',
  '1e309',
  'NaN',
  'null',
  '{"a":1}',
  '\\',
  '"',
  'system:masters',
  'k8s:enc:aesgcm:v1:x:AAAA',
];

/** Odd JSON values to put where a field was; the large ones are shared (they are only serialized). */
const oddValueList: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  -(2 ** 63),
  1e308,
  [],
  {},
  [null],
  { '': 1 },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}'),
  Array.from({ length: 300 }, (_, i) => i),
  Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])),
  ...oddStrings,
];

function pick<T>(rnd: () => number, values: readonly T[]): T {
  return values[Math.floor(rnd() * values.length)]!;
}

/** Every path of objects and arrays in a value (for mutation). */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) pathsOf(item, [...prefix, key], out);
  return out;
}

function mutate(object: Json, rnd: () => number): Json {
  const copy = structuredClone(object);
  const rounds = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < rounds; i++) {
    const paths = pathsOf(copy).filter((p) => p.length > 0);
    const path = pick(rnd, paths);
    let parent: any = copy;
    for (const key of path.slice(0, -1)) parent = parent[key];
    const key = path[path.length - 1]!;
    const action = rnd();
    if (action < 0.3) delete parent[key];
    else if (action < 0.85) parent[key] = structuredClone(pick(rnd, oddValueList));
    else parent[`extra${Math.floor(rnd() * 5)}`] = structuredClone(pick(rnd, oddValueList));
  }
  return copy;
}

/** Big constant payloads are built once and shared (the fuzz measures the server, not the generator). */
const built = new Map<string, string | Buffer>();
function once<T extends string | Buffer>(key: string, build: () => T): T {
  let value = built.get(key);
  if (value === undefined) built.set(key, (value = build()));
  return value as T;
}

function deepJson(depth: number, open = '[', close = ']'): string {
  return once(`deep${open}${depth}`, () => open.repeat(depth) + close.repeat(depth));
}

const billionLaughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');

const contentTypes = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', ';;;', 'application/json; charset=ebcdic', 'application/vnd.kubernetes.protobuf', 'application/yaml', 'application/json-patch+json', '*/*', 'image/png'];

const headerVariants: Record<string, string>[] = [
  { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io' },
  { accept: 'x'.repeat(10_000) },
  { accept: ';;;;,,,,' },
  { 'content-length': '5' },
  { 'transfer-encoding': 'chunked' },
  { 'x-huge': 'y'.repeat(20_000) },
  { 'x-huger': 'y'.repeat(100_000) },
  { 'accept-encoding': 'gzip, br, zstd, x'.repeat(20) },
  { 'audit-id': '../../../etc/passwd' },
];

const badQueries = [
  'limit=-1',
  'limit=abc',
  'limit=1e99',
  'limit=99999999999999999999',
  'continue=!!!',
  `continue=${Buffer.from('{"v":"meta.k8s.io/v1","rv":-5,"start":"../../x"}').toString('base64url')}`,
  'resourceVersion=abc',
  'resourceVersion=-1',
  'resourceVersion=99999999999999999999999',
  'resourceVersion=1&resourceVersionMatch=Exact',
  'resourceVersionMatch=Bogus',
  'labelSelector=a%20in%20(',
  'labelSelector=!!!',
  `labelSelector=${'a=b,'.repeat(5000)}c=d`,
  'fieldSelector=status.phase%3DRunning',
  'fieldSelector=metadata.name%3D%3D%3D',
  'watch=true&timeoutSeconds=abc&resourceVersion=abc',
  'watch=1&timeoutSeconds=1&labelSelector=x%3D',
  'dryRun=Bogus',
  'fieldValidation=Nope',
  'propagationPolicy=Nope',
  'gracePeriodSeconds=abc',
  `fieldManager=${'m'.repeat(2000)}`,
  'includeObject=Bogus',
  'pretty=%ff',
];

/** The generators, each making one hostile request per call; the fuzz cycles through them. */
export function hostileGenerators(rnd: () => number, counter: () => number): ((as?: Credentials) => HostileRequest)[] {
  const name = () => `f${counter()}`;
  const templates = validObjects('template');
  const valid = () => {
    const { path, object } = pick(rnd, templates);
    const copy = structuredClone(object);
    if (copy.metadata.name === 'template') copy.metadata.name = name();
    else copy.metadata.name = `fuzz-${name()}`;
    return { path, object: copy };
  };
  const json = (value: unknown) => JSON.stringify(value);
  const existing = () => pick(rnd, ['/api/v1/namespaces/default/configmaps/keep', '/api/v1/namespaces/default/secrets/keep', '/apis/apps/v1/namespaces/default/deployments/keep', '/apis/rbac.authorization.k8s.io/v1/clusterroles/keep', '/api/v1/namespaces/default/serviceaccounts/keep']);
  return [
    () => {
      const { path, object } = valid();
      return { category: 'mutated-create', method: 'POST', path, body: json(mutate(object, rnd)), as: 'admin' };
    },
    () => {
      const { path, object } = valid();
      return { category: 'mutated-create-yaml', method: 'POST', path, headers: { 'content-type': 'application/yaml' }, body: json(mutate(object, rnd)).replace(/,/g, ',\n'), as: 'admin' };
    },
    () => {
      const { path, object } = valid();
      const type = pick(rnd, ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/json-patch+json']);
      const body = type === 'application/json-patch+json' ? json([{ op: pick(rnd, ['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']), path: `/${pick(rnd, ['metadata', 'spec', 'data', 'status', '~', ''])}/${pick(rnd, ['name', 'x', '-', '0', '~1'])}`, from: '/metadata', value: pick(rnd, oddValueList) }]) : json(mutate(object, rnd));
      return { category: 'mutated-patch', method: 'PATCH', path: `${path}/${pick(rnd, ['fuzz-target', object.metadata.name])}${type === 'application/apply-patch+yaml' ? '?fieldManager=fuzz' : ''}`, headers: { 'content-type': type }, body, as: 'admin' };
    },
    (as) => ({ category: 'write-existing', method: pick(rnd, ['PUT', 'PATCH', 'DELETE']), path: existing(), headers: { 'content-type': pick(rnd, ['application/json', 'application/merge-patch+json', 'text/plain']) }, body: pick(rnd, ['{}', '{"metadata":{"name":"other"}}', '[', 'null', '{"metadata":{"resourceVersion":"1"}}']), as: as ?? pick(rnd, ['jane', 'none', 'token']) }),
    () => ({ category: 'malformed-json', method: 'POST', path: valid().path, body: pick(rnd, ['{', '{"a":', '[1,2', '{"kind":"ConfigMap",}', '\u0000\u0001', 'true', '"string"', '1e999999', '{"a":1}{"b":2}', json(valid().object).slice(0, Math.floor(rnd() * 100))]), as: 'admin' }),
    () => {
      const bytes = Buffer.from(json(valid().object));
      bytes[Math.floor(rnd() * bytes.length)] = pick(rnd, [0xff, 0xc0, 0xe2, 0x80, 0xf8]);
      return { category: 'invalid-utf8', method: 'POST', path: valid().path, headers: { 'content-type': pick(rnd, ['application/json', 'application/yaml']) }, body: bytes, as: 'admin' };
    },
    () => {
      const depth = pick(rnd, [600, 10_000, 500_000]);
      return { category: 'deep-nesting', method: pick(rnd, ['POST', 'PATCH']), path: `${valid().path}${rnd() < 0.5 ? '' : '/x'}`, headers: { 'content-type': pick(rnd, ['application/json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']) }, body: once(`deep-body${depth}`, () => `{"metadata":{"name":"deep"},"data":${deepJson(depth)}}`), as: 'admin' };
    },
    () => ({ category: 'yaml-bombs', method: 'POST', path: valid().path, headers: { 'content-type': 'application/yaml' }, body: pick(rnd, [billionLaughs, deepJson(pick(rnd, [1000, 100_000])), `${'- '.repeat(2000)}x`, 'a: &a\n  b: *a', '!!binary AAAA', '%YAML 9.9\n---\na: 1', 'a: !!js/function "x"', `${'a:\n  '.repeat(800)}b`]), as: 'admin' }),
    () => {
      const size = pick(rnd, [1.6, 2.5, 2.9]);
      return { category: 'oversized-object', method: 'POST', path: '/api/v1/namespaces/fuzz/configmaps', body: once(`oversized${size}`, () => json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'big-' }, data: { big: 'x'.repeat(size * 1024 * 1024) } })), as: 'admin' };
    },
    () => ({ category: 'oversized-body', method: pick(rnd, ['POST', 'PUT']), path: '/api/v1/namespaces/fuzz/configmaps' + (rnd() < 0.5 ? '' : '/x'), body: once('oversized-body', () => Buffer.alloc(3 * 1024 * 1024 + 1, 0x20)), as: pick(rnd, ['admin', 'none']) }),
    () => {
      const variant = pick(rnd, ['many-labels', 'long-label', 'big-annotations', 'many-annotations'] as const);
      const metadata = {
        'many-labels': () => ({ labels: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`l${i}`, 'v'])) }),
        'long-label': () => ({ labels: { ['x'.repeat(400)]: 'y'.repeat(400) } }),
        'big-annotations': () => ({ annotations: { big: 'a'.repeat(300_000) } }),
        'many-annotations': () => ({ annotations: Object.fromEntries(Array.from({ length: 15_000 }, (_, i) => [`example.com/a${i}`, 'value'])) }),
      }[variant];
      // One name per variant: the first valid one is stored, the rest are validated in full and then refused as existing.
      return { category: 'huge-labels', method: 'POST', path: '/api/v1/namespaces/fuzz/configmaps', body: once(`labels-${variant}`, () => json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `labels-${variant}`, ...metadata() } })), as: 'admin' };
    },
    () => ({ category: 'content-type', method: pick(rnd, ['POST', 'PUT', 'PATCH']), path: `${valid().path}${rnd() < 0.5 ? '' : '/fuzz-target'}`, headers: { 'content-type': pick(rnd, contentTypes) }, body: pick(rnd, ['a=b', '<x/>', json(valid().object), '\u0000']), as: 'admin' }),
    () => {
      let body = encodeKubernetesProtobuf('v1', 'ConfigMap', 'k8s.io.api.core.v1.ConfigMap', { metadata: { name: name(), namespace: 'fuzz' }, data: { a: 'b' } });
      const action = rnd();
      if (action < 0.3) body = body.subarray(0, Math.floor(rnd() * body.length));
      else if (action < 0.7) {
        body = Buffer.from(body);
        for (let i = 0; i < 3; i++) body[4 + Math.floor(rnd() * (body.length - 4))] = Math.floor(rnd() * 256);
      } else body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)))]);
      return { category: 'malformed-protobuf', method: 'POST', path: '/api/v1/namespaces/fuzz/configmaps', headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body, as: 'admin' };
    },
    () => {
      // Only reads as the admin: `//api//v1//namespaces` is the namespace collection, and an admin's DELETE of it is no attack.
      const method = pick(rnd, ['GET', 'POST', 'DELETE', 'PUT']);
      return {
      category: 'bad-path',
      method,
      path: pick(rnd, [
        '/api/v1/namespaces/%zz/pods',
        '/api/v1/namespaces/default/pods/%',
        `/api/v1/${'a/'.repeat(500)}`,
        '/apis/nope.example.com/v1/things',
        '/api/v9/pods',
        '/api/v1/namespaces/../../secrets',
        '//api//v1//namespaces',
        `/api/v1/namespaces/default/configmaps/${'n'.repeat(4000)}`,
        '/api/v1/namespaces/default/pods/x/exec',
        '/api/v1/namespaces/default/pods/x/nope',
        '/apis/apps/v1/namespaces/default/deployments/keep/scale/extra',
        '/api/v1/namespaces/default/serviceaccounts/keep/token',
        '/apis/certificates.k8s.io/v1/certificatesigningrequests/none/approval',
        '/api/v1/watch/namespaces/default/pods?timeoutSeconds=1',
        '/openapi/v3/apis/%zz',
        '/.well-known/../api',
        '/k2/v1/secrets-encryption/explode',
        '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1&resourceVersion=999999999999',
      ]),
      body: rnd() < 0.5 ? '{}' : undefined,
      as: method === 'GET' ? pick(rnd, ['admin', 'jane', 'none']) : pick(rnd, ['jane', 'none']),
    };
    },
    () => {
      // Collection deletes come from a user who may not delete (an admin's would be legitimate).
      const method = pick(rnd, ['GET', 'DELETE']);
      return {
        category: 'bad-query',
        method,
        path: `/api/v1/namespaces/${pick(rnd, ['default', 'kube-public'])}/configmaps?${pick(rnd, badQueries)}`,
        headers: { accept: pick(rnd, ['application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/json;as=Table;v=v9;g=x', 'application/vnd.kubernetes.protobuf', 'text/html', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io']) },
        as: method === 'DELETE' ? 'jane' : pick(rnd, ['admin', 'jane']),
      };
    },
    () => ({
      category: 'forged-credentials',
      method: 'GET',
      path: pick(rnd, ['/api/v1/namespaces/default/secrets', '/api', '/metrics', '/healthz', '/apis/authentication.k8s.io/v1/selfsubjectreviews']),
      headers: {
        authorization: pick(rnd, [
          'Bearer ',
          'Bearer x',
          'Bearer abcdef.0123456789abcdef',
          'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06YWRtaW4ifQ.',
          'Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6IngifQ.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.c2ln',
          `Bearer ${'A'.repeat(8000)}`,
          'Basic YWRtaW46YWRtaW4=',
          'Bearer a.b.c',
          'Bearer ....',
          'bearer\tx y',
        ]),
        ...(rnd() < 0.3 ? { 'sec-websocket-protocol': `base64url.bearer.authorization.k8s.io.${Buffer.from('garbage').toString('base64url')}` } : {}),
      },
      as: 'none',
    }),
    () => ({
      category: 'impersonation',
      method: pick(rnd, ['GET', 'POST']),
      path: pick(rnd, ['/api/v1/namespaces/default/secrets', '/apis/authentication.k8s.io/v1/selfsubjectreviews']),
      headers: pick<Record<string, string>>(rnd, [
        { 'impersonate-user': 'admin', 'impersonate-group': 'system:masters' },
        { 'impersonate-group': 'system:masters' },
        { 'impersonate-uid': 'x' },
        { 'impersonate-user': 'system:serviceaccount:kube-system:generic-garbage-collector' },
        { 'impersonate-user': 'system:serviceaccount::' },
        { 'impersonate-user': 'a', 'impersonate-extra-%zz': 'x' },
        { 'impersonate-user': 'system:anonymous' },
      ]),
      body: '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
      as: pick(rnd, ['jane', 'token', 'none']),
    }),
    () => ({
      category: 'reviews',
      method: 'POST',
      path: pick(rnd, ['/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '/apis/authorization.k8s.io/v1/subjectaccessreviews', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', '/apis/authentication.k8s.io/v1/tokenreviews', '/apis/authentication.k8s.io/v1/selfsubjectreviews', '/api/v1/namespaces/default/serviceaccounts/keep/token']),
      body: pick(rnd, [
        '{}',
        '[]',
        '{"spec":null}',
        '{"spec":{"resourceAttributes":{"verb":1,"resource":{}}}}',
        '{"spec":{"nonResourceAttributes":{"path":null}}}',
        '{"spec":{"token":""}}',
        '{"spec":{"token":"x","audiences":"notalist"}}',
        '{"spec":{"expirationSeconds":"abc"}}',
        '{"spec":{"expirationSeconds":1e30}}',
        '{"spec":{"boundObjectRef":{"kind":"Pod","name":null}}}',
        '{"spec":{"boundObjectRef":{"kind":"Secret","apiVersion":"v2","name":"x"}}}',
        '{"spec":{"user":"x","groups":"system:masters","resourceAttributes":{"verb":"get"}}}',
        '{"spec":{"namespace":{"a":1}}}',
      ]),
      as: pick(rnd, ['admin', 'jane']),
    }),
    () => {
      const headers = pick(rnd, headerVariants);
      return {
        category: 'headers',
        method: pick(rnd, ['GET', 'OPTIONS', 'POST']),
        path: pick(rnd, ['/api/v1/namespaces/default/configmaps', '/version', '/openapi/v2', '/apis']),
        headers,
        as: pick(rnd, ['admin', 'none']),
        slow: headers['content-length'] !== undefined,
      };
    },
    () => ({ category: 'subresources', method: pick(rnd, ['GET', 'PUT', 'PATCH', 'POST']), path: pick(rnd, ['/apis/apps/v1/namespaces/default/deployments/keep/scale', '/apis/apps/v1/namespaces/default/deployments/keep/status', '/api/v1/namespaces/default/pods/x/log?tailLines=abc', '/api/v1/namespaces/default/pods/x/eviction', '/api/v1/namespaces/default/pods/x/binding', '/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval', '/api/v1/namespaces/default/pods/x/status']), headers: { 'content-type': pick(rnd, ['application/json', 'application/merge-patch+json']) }, body: pick(rnd, ['{}', '{"spec":{"replicas":"many"}}', '{"spec":{"replicas":-5}}', '{"status":{"conditions":"x"}}', '[]', 'x']), as: pick(rnd, ['admin', 'jane']) }),
  ];
}
