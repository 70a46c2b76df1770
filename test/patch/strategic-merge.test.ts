// Strategic merge patch on real Kubernetes schemas (upstream OpenAPI 1.31): merge keys, patch
// strategies, every directive, kube-apiserver's error statuses, and the patches kubectl computes.

import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../apiserver/apply/go-format.ts';
import { applyPatch, PatchTypes } from '../../apiserver/patch/apply-patch.ts';
import { PatchError } from '../../apiserver/patch/patch-errors.ts';
import { PatchSchema } from '../../apiserver/patch/patch-meta.ts';
import { createThreeWayMergePatch, createTwoWayMergePatch } from '../../apiserver/patch/strategic-diff.ts';
import { MergeConflictError } from '../../apiserver/patch/merge-errors.ts';
import { kubeKind } from '../apply/kube-openapi.ts';

const deploymentKind = kubeKind('io.k8s.api.apps.v1.Deployment');

const deployment: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1', args: ['-a', '-b'], ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'sidecar', image: 'busybox' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    },
  },
};

const podSpec = (o: JsonObject) => ((o.spec as JsonObject).template as JsonObject).spec as JsonObject;
const containers = (o: JsonObject) => podSpec(o).containers as JsonObject[];
const names = (items: JsonValue) => (items as JsonObject[]).map((c) => c.name);
const inPodSpec = (spec: JsonObject) => ({ spec: { template: { spec } } });

function smp(patch: JsonValue, current: JsonObject = deployment): JsonObject {
  return applyPatch(PatchTypes.strategic, current, JSON.stringify(patch), deploymentKind);
}

describe('strategic merge patch: merge keys and strategies', () => {
  const cases: [string, JsonValue, (o: JsonObject) => unknown, unknown][] = [
    [
      'kubectl set image: the container merges by name, the rest stays',
      inPodSpec({ '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:2', name: 'nginx' }] }),
      (o) => containers(o)[0],
      { name: 'nginx', image: 'nginx:2', args: ['-a', '-b'], ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    ],
    ['a new container without $setElementOrder goes first (as in the kubectl patch docs)', inPodSpec({ containers: [{ name: 'log', image: 'fluentd' }] }), (o) => names(containers(o)), ['log', 'nginx', 'sidecar']],
    ['$setElementOrder places new items', inPodSpec({ '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }, { name: 'log' }], containers: [{ name: 'log', image: 'fluentd' }] }), (o) => names(containers(o)), ['nginx', 'sidecar', 'log']],
    ['$setElementOrder alone reorders', inPodSpec({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] }), (o) => names(containers(o)), ['sidecar', 'nginx']],
    ['env merges by name in place', inPodSpec({ containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }] }] }), (o) => containers(o)[0]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]],
    ['ports merge by containerPort', inPodSpec({ containers: [{ name: 'nginx', ports: [{ containerPort: 443 }] }] }), (o) => containers(o)[0]!.ports, [{ containerPort: 443 }, { containerPort: 80, protocol: 'TCP' }]],
    ['args have no strategy: replaced whole', inPodSpec({ containers: [{ name: 'nginx', args: ['-c'] }] }), (o) => containers(o)[0]!.args, ['-c']],
    ['tolerations have no strategy: replaced whole', inPodSpec({ tolerations: [{ key: 'other', operator: 'Exists' }] }), (o) => podSpec(o).tolerations, [{ key: 'other', operator: 'Exists' }]],
    ['finalizers merge as a set', { metadata: { finalizers: ['c', 'a'] } }, (o) => (o.metadata as JsonObject).finalizers, ['c', 'a', 'b']],
    ['labels merge as a map', { metadata: { labels: { tier: 'front' } } }, (o) => (o.metadata as JsonObject).labels, { app: 'web', tier: 'front' }],
    ['null deletes a field', { spec: { replicas: null } }, (o) => Object.hasOwn(o.spec as JsonObject, 'replicas'), false],
    ['null deletes a map entry', { metadata: { labels: { app: null } } }, (o) => (o.metadata as JsonObject).labels, {}],
    ['a null for a missing field is dropped', { spec: { paused: null } }, (o) => Object.hasOwn(o.spec as JsonObject, 'paused'), false],
    ['kubectl rollout restart adds a template annotation', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } } } } }, (o) => ((o.spec as JsonObject).template as JsonObject).metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' } }],
    ['kubectl rollout resume removes paused', { spec: { paused: null } }, (o) => (o.spec as JsonObject).paused, undefined],
  ];
  it.each(cases)('%s', (_name, patch, pick, want) => {
    expect(pick(smp(patch))).toEqual(want);
  });

  it('does not modify the current object', () => {
    const before = JSON.stringify(deployment);
    smp(inPodSpec({ containers: [{ name: 'nginx', image: 'x' }] }));
    expect(JSON.stringify(deployment)).toBe(before);
  });

  it('Service ports merge by port', () => {
    const service: JsonObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } };
    const out = applyPatch(PatchTypes.strategic, service, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } }, kubeKind('io.k8s.api.core.v1.Service'));
    expect((out.spec as JsonObject).ports).toEqual([{ port: 80, targetPort: 9090 }, { port: 443 }]);
  });

  it('kubectl cordon sets spec.unschedulable on a Node', () => {
    const node: JsonObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {} };
    const out = applyPatch(PatchTypes.strategic, node, '{"spec":{"unschedulable":true}}', kubeKind('io.k8s.api.core.v1.Node'));
    expect(out.spec).toEqual({ unschedulable: true });
  });
});

describe('strategic merge patch: directives', () => {
  const cases: [string, JsonValue, (o: JsonObject) => unknown, unknown][] = [
    ['$patch: delete removes a list item by merge key', inPodSpec({ containers: [{ name: 'sidecar', $patch: 'delete' }] }), (o) => names(containers(o)), ['nginx']],
    ['$patch: replace replaces a whole list', inPodSpec({ containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] }), (o) => containers(o), [{ name: 'only', image: 'x' }]],
    ['$patch: replace replaces a whole map', { spec: { template: { metadata: { $patch: 'replace', labels: { x: 'y' } } } } }, (o) => ((o.spec as JsonObject).template as JsonObject).metadata, { labels: { x: 'y' } }],
    ['$patch: delete empties a map', { metadata: { labels: { $patch: 'delete' } } }, (o) => (o.metadata as JsonObject).labels, {}],
    ['$retainKeys clears the fields not listed (volume source switch)', inPodSpec({ volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/x' } }] }), (o) => (podSpec(o).volumes as JsonObject[])[0], { name: 'data', hostPath: { path: '/x' } }],
    ['$deleteFromPrimitiveList removes values', { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, (o) => (o.metadata as JsonObject).finalizers, ['b']],
    ['$deleteFromPrimitiveList of a missing list adds nothing', { metadata: { '$deleteFromPrimitiveList/ownerReferences': ['x'] } }, (o) => Object.hasOwn(o.metadata as JsonObject, 'ownerReferences'), false],
    ['a new item carrying $patch: delete is not added', inPodSpec({ containers: [{ name: 'ghost', $patch: 'delete' }] }), (o) => names(containers(o)), ['nginx', 'sidecar']],
  ];
  it.each(cases)('%s', (_name, patch, pick, want) => {
    expect(pick(smp(patch))).toEqual(want);
  });
});

// kube-apiserver answers a few malformed strategic-merge patches with a 500 (its merge errors are plain Go
// errors); k2 answers every malformed patch with a 400 BadRequest, keeping Kubernetes' messages, because a
// client's bad input is never a server error (the hostile-input promise: no 5xx).
describe('strategic merge patch: errors as kube-apiserver reports them', () => {
  const failing: [string, JsonValue | string, number, string, string][] = [
    ['a list item without its merge key is a 400 naming it', inPodSpec({ containers: [{ image: 'x' }] }), 400, 'BadRequest', 'map: map[image:x] does not contain declared merge key: name'],
    ['$setElementOrder that contradicts the patch list is a 400', inPodSpec({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'sidecar', image: 'y' }] }), 400, 'BadRequest', "doesn't match $setElementOrder list"],
    ['a $deleteFromPrimitiveList key without a field is a 400', { metadata: { $deleteFromPrimitiveList: ['a'] } }, 400, 'BadRequest', 'invalid patch format of primitive list'],
    ['$retainKeys that omits a patched field is a 400', inPodSpec({ volumes: [{ name: 'data', $retainKeys: ['name'], hostPath: { path: '/x' } }] }), 400, 'BadRequest', 'invalid patch format of retainKeys'],
    ['an unknown $patch value is a 400', { metadata: { labels: { $patch: 'frobnicate' } } }, 400, 'BadRequest', 'unknown patch type: frobnicate in map: map[$patch:frobnicate]'],
    ['$patch: merge on a map is an unknown patch type too (400)', { metadata: { labels: { $patch: 'merge' } } }, 400, 'BadRequest', 'unknown patch type: merge in map: map[$patch:merge]'],
    ['$patch: merge inside a list is a 400', inPodSpec({ containers: [{ name: 'nginx', $patch: 'merge' }] }), 400, 'BadRequest', 'merging lists cannot yet be specified in the patch'],
    ['a list of lists is a 422', { metadata: { finalizers: [['x']] } }, 422, 'Invalid', 'the server rejected our request due to an error in our request'],
    ['a body that is not an object is a 400', '[1,2]', 400, 'BadRequest', 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
  ];
  it.each(failing)('%s', (_name, patch, code, reason, message) => {
    const current = code === 422 ? { ...deployment, metadata: { ...(deployment.metadata as JsonObject), finalizers: [] } } : deployment;
    let error: unknown;
    try {
      applyPatch(PatchTypes.strategic, current, typeof patch === 'string' ? patch : JSON.stringify(patch), deploymentKind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatchError);
    const e = error as PatchError;
    expect(e.code).toBe(code);
    expect(e.reason).toBe(reason);
    expect(e.message).toContain(message);
  });

  it('kinds without a schema (custom resources) cannot take strategic merge: 400', () => {
    let error: unknown;
    try {
      applyPatch(PatchTypes.strategic, { apiVersion: 'example.com/v1', kind: 'Widget' }, '{"spec":{}}', undefined);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 400, message: 'strategic merge patch format is not supported' });
  });
});

describe('patches kubectl computes (two-way for edit/set, three-way for apply)', () => {
  const schema = PatchSchema.of(deploymentKind);

  it('two-way: changing an image gives the patch kubectl set image sends', () => {
    const modified = structuredClone(deployment);
    containers(modified)[0]!.image = 'nginx:2';
    expect(createTwoWayMergePatch(structuredClone(deployment), modified, schema)).toEqual(
      inPodSpec({ '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ image: 'nginx:2', name: 'nginx' }] }),
    );
  });

  it('two-way: removing a container gives a delete directive', () => {
    const modified = structuredClone(deployment);
    podSpec(modified).containers = [containers(modified)[0]!];
    expect(createTwoWayMergePatch(structuredClone(deployment), modified, schema)).toEqual(
      inPodSpec({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'sidecar', $patch: 'delete' }] }),
    );
  });

  // The example of "Declarative Management of Kubernetes Objects Using Configuration Files":
  // replicas set by `kubectl scale` survive, the image changes, a field dropped from the file goes.
  const lastApplied: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx-deployment' },
    spec: { selector: { matchLabels: { app: 'nginx' } }, minReadySeconds: 5, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } } },
  };
  const live: JsonObject = structuredClone({ ...lastApplied, spec: { ...(lastApplied.spec as JsonObject), replicas: 2 } });
  const config: JsonObject = structuredClone(lastApplied);
  delete (config.spec as JsonObject).minReadySeconds;
  containers(config)[0]!.image = 'nginx:1.16.1';

  it('three-way: kubectl apply keeps what others changed and removes what the file dropped', () => {
    const patch = createThreeWayMergePatch(structuredClone(lastApplied), structuredClone(config), structuredClone(live), schema, false);
    expect(patch).toEqual({
      spec: { minReadySeconds: null, template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.16.1', name: 'nginx' }] } } },
    });
    const result = applyPatch(PatchTypes.strategic, live, patch, deploymentKind);
    expect((result.spec as JsonObject).replicas).toBe(2);
    expect((result.spec as JsonObject).minReadySeconds).toBeUndefined();
    expect(containers(result)[0]!.image).toBe('nginx:1.16.1');
  });

  it('three-way without overwrite reports a conflict when someone else changed the same field', () => {
    const changedLive = structuredClone(live);
    containers(changedLive)[0]!.image = 'nginx:hotfix';
    expect(() => createThreeWayMergePatch(structuredClone(lastApplied), structuredClone(config), changedLive, schema, false)).toThrow(MergeConflictError);
    expect(createThreeWayMergePatch(structuredClone(lastApplied), structuredClone(config), changedLive, schema, true)).toMatchObject({ spec: { template: { spec: { containers: [{ image: 'nginx:1.16.1' }] } } } });
  });
});
