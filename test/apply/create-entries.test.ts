// Creates reuse the managedFields entry of an earlier create of the same shape: the entry must be exactly
// what the field manager computes for the object itself, only with the create's own time.
import { describe, expect, it } from 'vitest';
import { createShapeKey, mainResourceResetFields, updatedManagedFields, type FieldManagerOptions } from '../../apiserver/apply/field-manager.ts';
import type { JsonObject } from '../../apiserver/apply/go-format.ts';
import { kubeKind } from './kube-openapi.ts';
import { typicalDeployment } from './typical-deployment.ts';

const times = ['2024-05-01T10:00:00Z', '2024-05-01T10:00:07Z'];

function optionsFor(definition: string, apiVersion: string, kind: string, at: string): FieldManagerOptions {
  return { schema: kubeKind(definition), apiVersion, kind, resetFields: mainResourceResetFields, now: () => new Date(at) };
}

/** The entries the field manager computes without the cache (an explicit starting object bypasses it). */
function uncached(obj: JsonObject, manager: string, options: FieldManagerOptions) {
  return updatedManagedFields(undefined, obj, manager, undefined, { ...options, emptyObject: { apiVersion: options.apiVersion, kind: options.kind } });
}

function pod(name: string, containers: JsonObject[], extra: JsonObject = {}): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' }, uid: `uid-${name}` }, spec: { containers, ...extra }, status: { phase: 'Pending' } };
}

const cases: [string, string, string, string, JsonObject[]][] = [
  ['pods', 'io.k8s.api.core.v1.Pod', 'v1', 'Pod', [
    pod('a', [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }]),
    pod('b', [{ name: 'app', image: 'nginx:2', ports: [{ containerPort: 80, protocol: 'TCP' }] }]),
    pod('c', [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] }]),
    pod('d', [{ name: 'web', image: 'nginx:1' }, { name: 'sidecar', image: 'busybox', env: [{ name: 'A', value: '1' }] }]),
    pod('e', [{ name: 'web', image: 'nginx:1' }], { nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'k', operator: 'Exists' }] }),
    pod('f', [{ name: 'web', image: 'nginx:1' }], { nodeSelector: { zone: 'a' } }),
    pod('g', [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }, { containerPort: 80 }] }]),
  ]],
  ['configmaps', 'io.k8s.api.core.v1.ConfigMap', 'v1', 'ConfigMap', [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { a: 'b' } }, data: { key: 'value' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two', labels: { a: 'c' } }, data: { key: 'other value' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'three' }, data: { other: 'value' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'four' }, data: { key: 7 } as JsonObject },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'five' } },
  ]],
  ['deployments', 'io.k8s.api.apps.v1.Deployment', 'apps/v1', 'Deployment', [typicalDeployment(), { ...typicalDeployment(), metadata: { name: 'other' } }]],
];

describe('managedFields of creates', () => {
  for (const [what, definition, apiVersion, kind, objects] of cases) {
    it(`are the field manager's own for ${what}, at each create's time`, () => {
      for (const at of times) {
        const options = optionsFor(definition, apiVersion, kind, at);
        for (const manager of ['kubectl-create', 'kube-controller-manager']) {
          for (const obj of objects) expect(updatedManagedFields(undefined, obj, manager, undefined, options), `${manager} ${JSON.stringify(obj)}`).toEqual(uncached(obj, manager, options));
        }
      }
    });
  }

  it('share the encoded fields of creates alike', () => {
    const options = optionsFor('io.k8s.api.core.v1.Pod', 'v1', 'Pod', times[0]!);
    const [first, second] = [pod('x', [{ name: 'app', image: 'nginx:1' }]), pod('y', [{ name: 'app', image: 'nginx:1' }])].map((p) => updatedManagedFields(undefined, p, 'kubectl-create', undefined, options)!);
    expect(second[0]!.fieldsV1).toBe(first[0]!.fieldsV1);
    expect(second[0]).not.toBe(first[0]);
  });

  it('are computed, not kept, for objects of a large shape', () => {
    const options = optionsFor('io.k8s.api.core.v1.Pod', 'v1', 'Pod', times[0]!);
    const env = Array.from({ length: 500 }, (_, i) => ({ name: `VARIABLE_${i}`, value: 'x' }));
    const big = () => pod('big', [{ name: 'app', image: 'nginx:1', env }]);
    const [first, second] = [big(), big()].map((p) => updatedManagedFields(undefined, p, 'kubectl-create', undefined, options)!);
    expect(second).toEqual(uncached(big(), 'kubectl-create', options));
    expect(second[0]!.fieldsV1).toEqual(first[0]!.fieldsV1);
  });

  it('tell shapes apart by keys, scalar types and list contents, not by other values', () => {
    expect(createShapeKey({ a: 'x', b: 1 }, false)).toBe(createShapeKey({ a: 'y', b: 2 }, false));
    expect(createShapeKey({ a: 'x' }, false)).not.toBe(createShapeKey({ a: 1 }, false));
    expect(createShapeKey({ a: 'x' }, false)).not.toBe(createShapeKey({ b: 'x' }, false));
    expect(createShapeKey({ a: 'x', b: undefined } as unknown as JsonObject, false)).toBe(createShapeKey({ a: 'y' }, false));
    expect(createShapeKey({ l: [{ name: 'a' }] }, false)).not.toBe(createShapeKey({ l: [{ name: 'b' }] }, false));
    expect(createShapeKey({ l: ['1:a'] }, false)).not.toBe(createShapeKey({ l: ['1', 'a'] }, false));
    expect(createShapeKey({ 'a1:b': 's' }, false)).not.toBe(createShapeKey({ a: { b: 's' } }, false));
  });
});
