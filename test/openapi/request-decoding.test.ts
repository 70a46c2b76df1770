// Decoding checks with kube-apiserver's exact wording: unknown and duplicate fields under
// fieldValidation Strict/Warn/Ignore, typed decoding's type errors, and custom resource pruning.
import { describe, expect, it } from 'vitest';
import {
  builtinDecodeTarget,
  checkAndPrune,
  customResourceDecodeTarget,
  decodeRequestObject,
  goPrintValue,
  invalidPatch,
  patchBodyStrictErrors,
  strictDecodingError,
  type DecodeTarget,
} from '../../apiserver/openapi/request-decoding.ts';
import type { OpenApiSchema } from '../../apiserver/openapi/schema.ts';
import { StatusError } from '../../apiserver/status.ts';
import { crontabSchema } from './served-resources.ts';

const deploymentTarget = builtinDecodeTarget({ group: 'apps', version: 'v1', kind: 'Deployment' })!;

function deployment(): Record<string, any> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [{ name: 'MODE', value: 'prod' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' } },
              livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 10 },
            },
          ],
        },
      },
    },
  };
}

function failure(run: () => unknown): StatusError {
  try {
    run();
  } catch (error) {
    if (error instanceof StatusError) return error;
    throw error;
  }
  throw new Error('expected a StatusError');
}

/** Sets a value at a dotted path (numbers index arrays) in a fresh Deployment and decodes it. */
function typeErrorOf(path: string, value: unknown, target: DecodeTarget = deploymentTarget, object = deployment()): string {
  const parts = path.split('.');
  let cursor = object;
  for (const part of parts.slice(0, -1)) cursor = cursor[part] ??= {};
  cursor[parts[parts.length - 1]!] = value;
  const error = failure(() => decodeRequestObject(object, target, { fieldValidation: 'Ignore' }));
  expect(error.code).toBe(400);
  expect(error.reason).toBe('BadRequest');
  const prefix = `${target.gvk.kind} in version "${target.gvk.version}" cannot be handled as a ${target.gvk.kind}: `;
  expect(error.message.startsWith(prefix)).toBe(true);
  return error.message.slice(prefix.length);
}

describe('unknown and duplicate fields of built-in kinds', () => {
  it('accepts a valid Deployment unchanged', () => {
    const object = deployment();
    expect(decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict', rawJson: JSON.stringify(object) })).toEqual({ warnings: [] });
    expect(object).toEqual(deployment());
  });

  it('refuses unknown fields under Strict, in document order, joined by ", "', () => {
    const object = deployment();
    object.spec.replicass = 3;
    object.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    object.metadata.labelz = {};
    const error = failure(() => decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict' }));
    expect(error.code).toBe(400);
    expect(error.toStatus()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(error.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' +
        'unknown field "metadata.labelz", unknown field "spec.template.spec.containers[0].imagePullPolicyy", unknown field "spec.replicass"',
    );
  });

  it('warns once per unknown field under Warn and drops the fields', () => {
    const object = deployment();
    object.spec.replicass = 3;
    object.spec.template.spec.containers[0].foo = { bar: 1 };
    const result = decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Warn' });
    expect(result.warnings).toEqual(['unknown field "spec.template.spec.containers[0].foo"', 'unknown field "spec.replicass"']);
    expect(object).toEqual(deployment());
  });

  it('drops unknown fields silently under Ignore', () => {
    const object = deployment();
    object.spec.replicass = 3;
    expect(decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Ignore' })).toEqual({ warnings: [] });
    expect(object.spec.replicass).toBeUndefined();
  });

  it('matches field names case-sensitively, as Kubernetes does', () => {
    const object = deployment();
    object.spec.Replicas = 3;
    expect(decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Warn' }).warnings).toEqual(['unknown field "spec.Replicas"']);
  });

  it('reports duplicate fields from the raw JSON text, also map keys, not inside unknown fields', () => {
    const raw =
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"a":"1","a":"2"}},' +
      '"spec":{"replicas":1,"replicas":2,"selector":{"matchLabels":{"app":"web"}},"extra":{"x":1,"x":2},' +
      '"template":{"spec":{"containers":[{"name":"a","image":"b","image":"c"}]}}}}';
    const object = JSON.parse(raw);
    const error = failure(() => decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict', rawJson: raw }));
    expect(error.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.extra", ' +
        'duplicate field "metadata.labels.a", duplicate field "spec.replicas", duplicate field "spec.template.spec.containers[0].image"',
    );
  });

  it('names unknown fields under maps of structs and arrays of arrays with their keys and indices', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'a', image: 'b' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', valuez: [] }] }] } } },
      },
    };
    const target = builtinDecodeTarget({ group: '', version: 'v1', kind: 'Pod' })!;
    expect(checkAndPrune(pod, target, { fieldValidation: 'Strict' }).strictErrors).toEqual([
      'unknown field "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].valuez"',
    ]);
  });

  it('keeps free-form fields (RawExtension, FieldsV1) whole', () => {
    const revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r', managedFields: [{ manager: 'm', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:x': {} } } }] }, revision: 1, data: { anything: { goes: [1, 2] } } };
    const copy = structuredClone(revision);
    expect(decodeRequestObject(revision, builtinDecodeTarget({ group: 'apps', version: 'v1', kind: 'ControllerRevision' })!, { fieldValidation: 'Strict' })).toEqual({ warnings: [] });
    expect(revision).toEqual(copy);
  });

  it('drops nulls, which typed decoding leaves as zero values', () => {
    const object = deployment();
    object.metadata.creationTimestamp = null;
    object.spec.template.metadata.creationTimestamp = null;
    object.status = null;
    decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict' });
    expect(object).toEqual(deployment());
  });

  it("drops the zero values that omitempty leaves out, keeps pointers' and structs'", () => {
    const object = deployment();
    const pod = object.spec.template.spec;
    // What Helm charts often render: empty lists and maps, false and 0 for unset settings.
    Object.assign(pod, { hostNetwork: false, nodeSelector: {}, tolerations: [], imagePullSecrets: [], affinity: {}, securityContext: {}, terminationGracePeriodSeconds: 0 });
    Object.assign(pod.containers[0], { command: [], envFrom: [], workingDir: '', stdin: false, resources: {} });
    pod.containers[0].ports[0].hostPort = 0;
    Object.assign(object.spec, { replicas: 0, minReadySeconds: 0, paused: false });
    decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict' });
    const expected = deployment();
    Object.assign(expected.spec.template.spec, { affinity: {}, securityContext: {}, terminationGracePeriodSeconds: 0 });
    expected.spec.template.spec.containers[0].resources = {};
    expected.spec.replicas = 0;
    expect(object).toEqual(expected);
  });
});

describe('type errors of built-in kinds (typed decoding)', () => {
  it('names the Go struct, the field path and the Go type', () => {
    expect(typeErrorOf('spec.replicas', '3')).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(typeErrorOf('spec.replicas', 1.5)).toBe('json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(typeErrorOf('spec.replicas', 3000000000)).toBe('json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(typeErrorOf('spec.paused', 'yes')).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool');
    expect(typeErrorOf('spec.template.spec.containers', {})).toBe(
      'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    );
    expect(typeErrorOf('spec.template.spec.containers.0.env.0.value', true)).toBe(
      'json: cannot unmarshal bool into Go struct field EnvVar.spec.template.spec.containers.env.value of type string',
    );
    expect(typeErrorOf('spec.template.spec.containers.0.ports.0.protocol', 6)).toBe(
      'json: cannot unmarshal number into Go struct field ContainerPort.spec.template.spec.containers.ports.protocol of type v1.Protocol',
    );
    expect(typeErrorOf('spec.template.spec.containers.0.args', 'run')).toBe(
      'json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.args of type []string',
    );
    expect(typeErrorOf('metadata.labels', { a: 1 })).toBe('json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
    expect(typeErrorOf('spec.selector', 'app=web')).toBe('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector');
  });

  it('reports the messages of Quantity, IntOrString and Time', () => {
    expect(typeErrorOf('spec.template.spec.containers.0.resources.limits.cpu', 'lots')).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(typeErrorOf('spec.template.spec.containers.0.resources.limits.cpu', '1Q')).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    expect(typeErrorOf('spec.template.spec.containers.0.resources.limits.memory', '12Ki3')).toBe("unable to parse quantity's suffix");
    expect(typeErrorOf('spec.strategy.rollingUpdate.maxSurge', true)).toBe('json: cannot unmarshal bool into Go value of type int32');
    expect(typeErrorOf('spec.strategy.rollingUpdate.maxSurge', 2.5)).toBe('json: cannot unmarshal number 2.5 into Go value of type int32');
    expect(typeErrorOf('metadata.creationTimestamp', 'yesterday')).toBe(
      'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    );
    expect(typeErrorOf('metadata.creationTimestamp', '2024-13-01T00:00:00Z')).toBe('parsing time "2024-13-01T00:00:00Z": month out of range');
    expect(typeErrorOf('metadata.creationTimestamp', 5)).toBe('json: cannot unmarshal number into Go value of type string');
  });

  it('accepts what Go accepts: quantities as numbers, IntOrString both ways, fractional seconds', () => {
    const object = deployment();
    object.spec.template.spec.containers[0].resources.limits = { cpu: 1.5, memory: '1e3', 'nvidia.com/gpu': '1' };
    object.spec.strategy.rollingUpdate = { maxSurge: 2, maxUnavailable: '10%' };
    object.metadata.creationTimestamp = '2024-05-01T10:20:30.123456+02:00';
    expect(decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict' })).toEqual({ warnings: [] });
  });

  it("reports Secret data that is not base64 as Go's decoder does", () => {
    const target = builtinDecodeTarget({ group: '', version: 'v1', kind: 'Secret' })!;
    const secret = (data: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });
    const message = (data: Record<string, unknown>) => failure(() => decodeRequestObject(secret(data), target, { fieldValidation: 'Strict' })).message;
    expect(message({ a: 'abc!' })).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
    expect(message({ a: 'abcde' })).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 4');
    expect(message({ a: 'YQ' })).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0');
    expect(message({ a: 'YQ=x' })).toBe('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2');
    expect(message({ a: 5 })).toBe('Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number into Go struct field Secret.data of type []uint8');
    expect(decodeRequestObject(secret({ a: 'aGVsbG8=', b: 'YQ==', c: 'aGVs\nbG8=' }), target, { fieldValidation: 'Strict' })).toEqual({ warnings: [] });
  });

  it('reports a type error whatever fieldValidation says, and before strict errors', () => {
    const object = deployment();
    object.spec.replicass = 3;
    object.spec.replicas = 'two';
    expect(failure(() => decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict' })).message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('works for removed apiVersions from the same facts', () => {
    const target = builtinDecodeTarget({ group: 'extensions', version: 'v1beta1', kind: 'Ingress' })!;
    const ingress = { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'i' }, spec: { backend: { serviceName: 's', servicePort: 80 }, ingressClassName: 'nginx', rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { serviceName: 's', servicePort: 'http', port: 1 } }] } }] } };
    expect(checkAndPrune(ingress, target, { fieldValidation: 'Strict' }).strictErrors).toEqual(['unknown field "spec.rules[0].http.paths[0].backend.port"']);
  });
});

describe('custom resources (structural pruning)', () => {
  const target = customResourceDecodeTarget({ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }, crontabSchema);
  const crontab = (): Record<string, any> => ({
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: 'c', labels: { a: 'b' } },
    spec: { cronSpec: '* * * * *', replicas: 1, config: { mode: 'x', anything: { deep: true } }, ports: [{ name: 'a', port: 'http' }], labels: { x: 'y' } },
  });

  it('keeps a valid object, unknown fields below x-kubernetes-preserve-unknown-fields included', () => {
    const object = crontab();
    expect(decodeRequestObject(object, target, { fieldValidation: 'Strict' })).toEqual({ warnings: [] });
    expect(object).toEqual(crontab());
  });

  it('reports pruned paths sorted, with the same wording, and prunes them', () => {
    const object = crontab();
    object.spec.zeta = 1;
    object.spec.ports[0].extra = true;
    object.spec.alpha = { b: 1 };
    object.status = { lastRun: 'now', phase: 'x' };
    object.topLevel = 1;
    const error = failure(() => decodeRequestObject(structuredClone(object), target, { fieldValidation: 'Strict' }));
    expect(error.message).toBe(
      'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.alpha", unknown field "spec.ports[0].extra", ' +
        'unknown field "spec.zeta", unknown field "status.phase", unknown field "topLevel"',
    );
    expect(decodeRequestObject(object, target, { fieldValidation: 'Ignore' })).toEqual({ warnings: [] });
    expect(object).toEqual({ ...crontab(), status: { lastRun: 'now' } });
  });

  it('reports unknown metadata fields first, as ObjectMeta decoding does, and drops them', () => {
    const object = crontab();
    object.metadata.labelz = { a: 'b' };
    object.spec.zeta = 1;
    expect(decodeRequestObject(object, target, { fieldValidation: 'Warn' }).warnings).toEqual(['unknown field "metadata.labelz"', 'unknown field "spec.zeta"']);
    expect(object.metadata).toEqual({ name: 'c', labels: { a: 'b' } });
  });

  it('fails on metadata of the wrong type with ObjectMeta decoding wording', () => {
    const object = crontab();
    object.metadata.labels = { a: 1 };
    // The metadata of a custom resource is decoded on its own, so the path starts inside ObjectMeta.
    expect(failure(() => decodeRequestObject(object, target, { fieldValidation: 'Ignore' })).message).toBe(
      'CronTab in version "v1" cannot be handled as a CronTab: json: cannot unmarshal number into Go struct field ObjectMeta.labels of type string',
    );
  });

  it('keeps apiVersion, kind and metadata of embedded resources and checks their metadata', () => {
    const object = crontab();
    object.spec.template = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', bogus: 1 }, spec: { size: 1, other: 2 } };
    expect(decodeRequestObject(object, target, { fieldValidation: 'Warn' }).warnings).toEqual(['unknown field "spec.template.spec.other"', 'unknown field "spec.template.metadata.bogus"']);
    expect(object.spec.template).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { size: 1 } });
  });

  it('drops nulls of non-nullable fields without a default, keeps nullable ones', () => {
    const object = crontab();
    object.spec.image = null;
    object.spec.replicas = null;
    decodeRequestObject(object, target, { fieldValidation: 'Strict' });
    expect('image' in object.spec).toBe(false);
    expect(object.spec.replicas).toBeNull();
  });

  it('reports duplicate keys anywhere, before the pruned paths', () => {
    const raw = '{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"c"},"spec":{"cronSpec":"a","cronSpec":"b","replicas":1,"zz":1,"config":{"q":1,"q":2}}}';
    const warnings = decodeRequestObject(JSON.parse(raw), target, { fieldValidation: 'Warn', rawJson: raw }).warnings;
    expect(warnings).toEqual(['duplicate field "spec.cronSpec"', 'duplicate field "spec.config.q"', 'unknown field "spec.zz"']);
  });

  it('prunes nothing when the CRD preserves unknown fields', () => {
    const preserving = customResourceDecodeTarget(target.gvk, crontabSchema, true);
    const object = crontab();
    object.spec.zeta = 1;
    expect(decodeRequestObject(object, preserving, { fieldValidation: 'Strict' })).toEqual({ warnings: [] });
    expect(object.spec.zeta).toBe(1);
  });

  it('prunes objects in arrays without an items schema, and everything under a schemaless object', () => {
    const schema: OpenApiSchema = { type: 'object', properties: { spec: { type: 'object', properties: { list: { type: 'array' }, empty: { type: 'object' } } } } };
    const bare = customResourceDecodeTarget({ group: 'g.io', version: 'v1', kind: 'Thing' }, schema);
    const object: Record<string, any> = { apiVersion: 'g.io/v1', kind: 'Thing', metadata: { name: 't' }, spec: { list: [{ a: 1 }, 'x'], empty: { b: 2 } } };
    expect(checkAndPrune(object, bare, { fieldValidation: 'Warn' }).strictErrors).toEqual(['unknown field "spec.empty.b"', 'unknown field "spec.list[0].a"']);
    expect(object.spec).toEqual({ list: [{}, 'x'], empty: {} });
  });
});

describe('speed', () => {
  it('checks a typical Deployment in well under 0.1 ms', () => {
    const objects = Array.from({ length: 3000 }, deployment);
    decodeRequestObject(deployment(), deploymentTarget, { fieldValidation: 'Strict' }); // compile once
    // CPU time of this process, so that other work on a shared machine does not count.
    const started = process.cpuUsage();
    for (const object of objects) decodeRequestObject(object, deploymentTarget, { fieldValidation: 'Strict' });
    const used = process.cpuUsage(started);
    const perObjectMs = (used.user + used.system) / 1000 / objects.length;
    // Measured ~0.01 ms on an idle machine.
    expect(perObjectMs).toBeLessThan(0.1);
  });
});

describe('patches', () => {
  it('report repeated keys of the patch body, prefixed for JSON patches', () => {
    expect(patchBodyStrictErrors('{"spec":{"replicas":1,"replicas":2}}', false)).toEqual(['duplicate field "spec.replicas"']);
    expect(patchBodyStrictErrors('[{"op":"add","op":"replace","path":"/a","value":1}]', true)).toEqual(['json patch duplicate field "[0].op"']);
  });

  it('answer 422 with the patched object quoted, as kube-apiserver does', () => {
    const error = invalidPatch('{"spec":{"x":1}}', strictDecodingError(['unknown field "spec.x"']));
    expect(error.code).toBe(422);
    expect(error.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: ' "" is invalid: patch: Invalid value: "{\\"spec\\":{\\"x\\":1}}": strict decoding error: unknown field "spec.x"',
      reason: 'Invalid',
      details: { causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: "{\\"spec\\":{\\"x\\":1}}": strict decoding error: unknown field "spec.x"', field: 'patch' }] },
      code: 422,
    });
  });

  it("print strategic merge patches with Go's %v", () => {
    expect(goPrintValue({ spec: { volumes: [{ name: 'v', hostPath: { path: '/x', type: 'DirectoryOrCreate' } }], replicas: 2 }, metadata: null })).toBe(
      'map[metadata:<nil> spec:map[replicas:2 volumes:[map[hostPath:map[path:/x type:DirectoryOrCreate] name:v]]]]',
    );
    expect(goPrintValue([1.5, true, 'a b', 1e-7, 1e21])).toBe('[1.5 true a b 1e-07 1e+21]');
  });
});
