// Creates reuse the managedFields entry of an earlier create of the same shape: the entry must be exactly
// what the field manager computes for the object itself, only with the create's own time. Status writes
// share what they leave unchanged with the live object, which the field manager neither walks nor re-encodes.
import { describe, expect, it } from 'vitest';
import { createShapeKey, mainResourceResetFields, statusSubresourceResetFields, updatedManagedFields, type FieldManagerOptions } from '../../apiserver/apply/field-manager.ts';
import type { ManagedFieldsEntry } from '../../apiserver/apply/managed-fields.ts';
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

describe('managedFields of status writes', () => {
  const options: FieldManagerOptions = { schema: kubeKind('io.k8s.api.core.v1.Pod'), apiVersion: 'v1', kind: 'Pod', subresource: 'status', resetFields: statusSubresourceResetFields, now: () => new Date(times[1]!) };
  const created = () => {
    const obj = pod('web-1', [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
    const metadata = obj.metadata as JsonObject;
    metadata.managedFields = updatedManagedFields(undefined, obj, 'kubectl-create', undefined, optionsFor('io.k8s.api.core.v1.Pod', 'v1', 'Pod', times[0]!)) as unknown as JsonObject[];
    return obj;
  };
  const running = (ip: string): JsonObject => ({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
    podIP: ip,
    podIPs: [{ ip }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: 0, image: 'nginx:1', imageID: '', state: { running: { startedAt: times[1]! } } }],
  });
  // As the store writes one: the metadata's fields and the spec are the live object's own values.
  const entriesOf = (obj: JsonObject) => (obj.metadata as JsonObject).managedFields as unknown as ManagedFieldsEntry[];
  const sharing = (live: JsonObject, status: JsonObject) => ({ ...live, metadata: { ...(live.metadata as JsonObject) }, status });
  const copying = (live: JsonObject, status: JsonObject) => ({ ...structuredClone(live), status });

  it('are the same whether the write shares the unchanged fields with the live object or copies them', () => {
    const live = created();
    const shared = updatedManagedFields(live, sharing(live, running('10.0.0.1')), 'kubelet', undefined, options)!;
    expect(shared).toEqual(updatedManagedFields(live, copying(live, running('10.0.0.1')), 'kubelet', undefined, options));
    expect(shared.map((e) => [e.manager, e.subresource])).toEqual([['kubectl-create', undefined], ['kubelet', 'status']]);
    // The creator's entry is untouched, down to its encoded fields.
    expect(shared[0]).toEqual(entriesOf(live)[0]);
    expect(shared[0]!.fieldsV1).toBe(entriesOf(live)[0]!.fieldsV1);
  });

  it('still see a schema error in the fields a write changes', () => {
    const live = created();
    const before = entriesOf(live);
    // A status the schema rejects: the live entries are kept, as kube-apiserver keeps them.
    expect(updatedManagedFields(live, sharing(live, { phase: 'Running', podIPs: 'not a list' }), 'kubelet', undefined, options)).toEqual(before);
    expect(updatedManagedFields(live, copying(live, { phase: 'Running', podIPs: 'not a list' }), 'kubelet', undefined, options)).toEqual(before);
  });
});
