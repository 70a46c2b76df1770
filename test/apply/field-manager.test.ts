// Server-side apply and managedFields through kube-apiserver's write paths, on the real Deployment
// schema: ownership, conflicts (worded as kube-apiserver's 409), force, removal of fields a manager
// stops applying, list and map semantics, updates, subresources, resets, and kubectl's migration from
// client-side apply.

import { beforeEach, describe, expect, it } from 'vitest';
import { apply, keepManagedFieldsTimesOnNoop, lastAppliedConfigAnnotation, mainResourceResetFields, managerOrUserAgent, statusSubresourceResetFields, update, type FieldManagerOptions } from '../../apiserver/apply/field-manager.ts';
import { goJsonMarshal, type JsonObject, type JsonValue } from '../../apiserver/apply/go-format.ts';
import type { ManagedFieldsEntry } from '../../apiserver/apply/managed-fields.ts';
import { decodeApplyPatch } from '../../apiserver/apply/apply-patch-body.ts';
import { customResourceSchema } from '../../apiserver/apply/openapi-types.ts';
import { StatusError } from '../../apiserver/status.ts';
import { kubeDefinitions, kubeKind } from './kube-openapi.ts';

let clock = 0;
const start = Date.parse('2024-05-01T10:00:00Z');
const tick = () => new Date(start + 1000 * clock++);
beforeEach(() => {
  clock = 0;
});

const deploymentKind = kubeKind('io.k8s.api.apps.v1.Deployment');
const options: FieldManagerOptions = { schema: deploymentKind, apiVersion: 'apps/v1', kind: 'Deployment', now: () => tick(), resetFields: mainResourceResetFields };

function config(spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...metadata },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
      ...spec,
    },
  };
}

/** What storage returns: the object with a uid, so later writes are updates. */
function stored(o: JsonObject): JsonObject {
  return { ...o, metadata: { ...(o.metadata as JsonObject), uid: 'd4f1', resourceVersion: '7' } };
}

function applied(live: JsonObject | undefined, cfg: JsonObject, manager = 'kubectl', force = false, opts: FieldManagerOptions = options): JsonObject {
  return stored(apply(live, cfg, manager, undefined, { ...opts, force }).object);
}

function updated(live: JsonObject, change: (o: JsonObject) => void, manager: string, opts: FieldManagerOptions = options): JsonObject {
  const next = structuredClone(live);
  change(next);
  return stored(update(live, next, manager, undefined, opts).object);
}

function entries(o: JsonObject): ManagedFieldsEntry[] {
  return ((o.metadata as JsonObject).managedFields ?? []) as unknown as ManagedFieldsEntry[];
}

function owners(o: JsonObject): Record<string, JsonValue> {
  return Object.fromEntries(entries(o).map((e) => [`${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`, e.fieldsV1 as JsonValue]));
}

function statusOf(f: () => unknown): ReturnType<StatusError['toStatus']> {
  try {
    f();
  } catch (e) {
    if (e instanceof StatusError) return e.toStatus();
    throw e;
  }
  throw new Error('expected a StatusError');
}

const spec = (o: JsonObject) => o.spec as JsonObject;
const podSpec = (o: JsonObject) => (spec(o).template as JsonObject).spec as JsonObject;
const containers = (o: JsonObject) => podSpec(o).containers as JsonObject[];
const setReplicas = (n: number) => (o: JsonObject) => {
  spec(o).replicas = n;
};

describe('apply: ownership as Kubernetes records it', () => {
  it('creating by apply records one Apply entry with the applied fields (identity and name stripped)', () => {
    const result = apply(undefined, config(), 'kubectl', undefined, options);
    expect(result.managedFields).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: '2024-05-01T10:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
            },
          },
        },
      },
    ]);
    expect(Object.keys(result.managedFields![0]!)).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
    expect(spec(result.object).replicas).toBe(1);
  });

  it('re-applying the same configuration changes nothing, not even the time', () => {
    const live = applied(undefined, config());
    const again = apply(live, config(), 'kubectl', undefined, options);
    expect(again.managedFields).toEqual(entries(live));
    expect({ ...again.object, metadata: { ...(again.object.metadata as JsonObject), managedFields: null } }).toEqual({ ...live, metadata: { ...(live.metadata as JsonObject), managedFields: null } });
  });

  it('an update (kubectl scale) takes the field it changed, under an Update entry', () => {
    const live = updated(applied(undefined, config()), setReplicas(3), 'kubectl-scale');
    expect(owners(live)['kubectl-scale/Update']).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(owners(live)['kubectl/Apply']).not.toHaveProperty(['f:spec', 'f:replicas']);
    expect(entries(live).map((e) => `${e.operation} ${e.manager} ${e.apiVersion}`)).toEqual(['Apply kubectl apps/v1', 'Update kubectl-scale apps/v1']);
  });

  it('applying a different value over it is a 409 worded as kube-apiserver words it', () => {
    const live = updated(applied(undefined, config()), setReplicas(3), 'kube-controller-manager');
    expect(statusOf(() => apply(live, config({ replicas: 5 }), 'kubectl', undefined, options))).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kube-controller-manager" using apps/v1: .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kube-controller-manager" using apps/v1', field: '.spec.replicas' }] },
      code: 409,
    });
  });

  it('several conflicts are listed per manager', () => {
    const live = updated(applied(undefined, config()), (o) => {
      spec(o).replicas = 3;
      spec(o).minReadySeconds = 10;
    }, 'kube-controller-manager');
    const status = statusOf(() => apply(live, config({ replicas: 5, minReadySeconds: 1 }), 'kubectl', undefined, options));
    expect(status.message).toBe('Apply failed with 2 conflicts: conflicts with "kube-controller-manager" using apps/v1:\n- .spec.minReadySeconds\n- .spec.replicas');
    expect(status.details!.causes!.map((c) => c.field)).toEqual(['.spec.minReadySeconds', '.spec.replicas']);
  });

  it('force takes the field; the previous owner loses it (and its empty entry)', () => {
    const live = updated(applied(undefined, config()), setReplicas(3), 'kube-controller-manager');
    const forced = applied(live, config({ replicas: 5 }), 'kubectl', true);
    expect(spec(forced).replicas).toBe(5);
    expect(owners(forced)).not.toHaveProperty('kube-controller-manager/Update');
    expect(owners(forced)['kubectl/Apply']).toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('applying the value another manager set is no conflict: both own it', () => {
    const live = updated(applied(undefined, config()), setReplicas(3), 'kube-controller-manager');
    const shared = applied(live, config({ replicas: 3 }));
    expect(owners(shared)['kubectl/Apply']).toHaveProperty(['f:spec', 'f:replicas']);
    expect(owners(shared)['kube-controller-manager/Update']).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('two appliers conflict with each other too (Apply managers print without a version)', () => {
    const live = applied(undefined, config());
    const status = statusOf(() => apply(live, config({ replicas: 4 }), 'ci-bot', undefined, options));
    expect(status.message).toBe('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
  });
});

describe('apply: fields a manager stops applying', () => {
  it('are removed when no one else owns them', () => {
    const live = applied(undefined, config({ minReadySeconds: 5 }));
    expect(spec(applied(live, config())).minReadySeconds).toBeUndefined();
  });

  it('stay when another applier also owns them (only the ownership goes)', () => {
    let live = applied(undefined, config({ minReadySeconds: 5 }));
    live = applied(live, config({ minReadySeconds: 5 }), 'other');
    live = applied(live, config());
    expect(spec(live).minReadySeconds).toBe(5);
    expect(owners(live)['kubectl/Apply']).not.toHaveProperty(['f:spec', 'f:minReadySeconds']);
  });

  it('stay when an updater changed them since', () => {
    let live = applied(undefined, config({ minReadySeconds: 5 }));
    live = updated(live, (o) => (spec(o).minReadySeconds = 8), 'kubectl-edit');
    live = applied(live, config());
    expect(spec(live).minReadySeconds).toBe(8);
  });

  it('a container dropped from the configuration is removed from the list', () => {
    const two = config({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }, { name: 'sidecar', image: 'busybox' }] } } });
    const live = applied(applied(undefined, two), config());
    expect(containers(live).map((c) => c.name)).toEqual(['nginx']);
  });

  it('a container another applier owns survives', () => {
    let live = applied(undefined, config());
    live = applied(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }, 'mesh-injector');
    expect(containers(live).map((c) => c.name)).toEqual(['nginx', 'sidecar']);
    live = applied(live, config({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'other', image: 'x' }] } } }));
    expect(containers(live).map((c) => c.name)).toEqual(['sidecar', 'other']);
  });

  it('a label (granular map entry) dropped by its only owner is removed; others stay', () => {
    let live = applied(undefined, config({}, { labels: { team: 'a', tier: 'web' } }));
    live = applied(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { tier: 'web' } } }, 'labeler');
    live = applied(live, config({}, { labels: {} }));
    expect((live.metadata as JsonObject).labels).toEqual({ tier: 'web' });
  });
});

describe('apply: list and map types', () => {
  it('set lists (finalizers) merge across appliers and lose only the dropped value', () => {
    const finalizers = (f: string[]) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', finalizers: f } });
    let live = applied(undefined, config());
    live = applied(live, finalizers(['example.com/a']), 'a');
    live = applied(live, finalizers(['example.com/b']), 'b');
    expect((live.metadata as JsonObject).finalizers).toEqual(['example.com/a', 'example.com/b']);
    expect(owners(live)['a/Apply']).toEqual({ 'f:metadata': { 'f:finalizers': { 'v:"example.com/a"': {} } } });
    live = applied(live, finalizers([]), 'a');
    expect((live.metadata as JsonObject).finalizers).toEqual(['example.com/b']);
  });

  it('atomic lists (args) are owned whole: another applier changing them conflicts on the list', () => {
    const withArgs = (args: string[]) => config({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1', args }] } } });
    const live = applied(undefined, withArgs(['-a']));
    expect(statusOf(() => apply(live, withArgs(['-b']), 'other', undefined, options)).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers[name="nginx"].args',
    );
  });

  it('atomic maps (the label selector) are owned whole', () => {
    const live = applied(undefined, config());
    const selector = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web', extra: 'x' } } } };
    expect(statusOf(() => apply(live, selector, 'other', undefined, options)).details!.causes!.map((c) => c.field)).toEqual(['.spec.selector']);
  });

  it('map lists key on every key field (container ports: containerPort + protocol)', () => {
    const ports = config({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' }] }] } } });
    const live = applied(undefined, ports);
    const fields = owners(live)['kubectl/Apply'] as JsonObject;
    const portKeys = Object.keys(((((((fields['f:spec'] as JsonObject)['f:template'] as JsonObject)['f:spec'] as JsonObject)['f:containers'] as JsonObject)['k:{"name":"nginx"}'] as JsonObject)['f:ports'] as JsonObject));
    expect(portKeys).toEqual(['k:{"containerPort":53,"protocol":"TCP"}', 'k:{"containerPort":53,"protocol":"UDP"}']);
  });

  it('int-or-string fields take either', () => {
    const strategy = (maxSurge: JsonValue) => config({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge } } });
    const live = applied(applied(undefined, strategy('25%')), strategy(2));
    expect(((spec(live).strategy as JsonObject).rollingUpdate as JsonObject).maxSurge).toBe(2);
  });
});

// A patch that does not fit the schema is a 400 here; kube-apiserver still says 500 (kubernetes/kubernetes#139253).
describe('apply: requests kube-apiserver refuses', () => {
  const cases: [string, JsonObject, number, string][] = [
    ['another version', { ...config(), apiVersion: 'apps/v1beta1' }, 400, 'invalid object type: apps/v1beta1, Kind=Deployment'],
    ['another kind', { ...config(), kind: 'StatefulSet' }, 400, 'invalid object type: apps/v1, Kind=StatefulSet'],
    ['managedFields in the patch', config({}, { managedFields: [] }), 400, 'metadata.managedFields must be nil'],
    ['an unknown field', config({ replicass: 2 }), 400, 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicass: field not declared in schema'],
    ['a value of the wrong type', config({ replicas: 'three' }), 400, 'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string'],
    [
      'two containers with one name',
      config({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx' }, { name: 'nginx' }] } } }),
      400,
      'failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="nginx"]',
    ],
  ];
  it.each(cases)('%s', (_name, cfg, code, message) => {
    const status = statusOf(() => apply(undefined, cfg, 'kubectl', undefined, options));
    expect(status.code).toBe(code);
    expect(status.message).toBe(message);
    expect(status.reason).toBe(code === 400 ? 'BadRequest' : '');
  });

  it('malformed managedFields on the live object are a 500', () => {
    const live = { ...stored(config()), metadata: { name: 'web', uid: 'x', managedFields: [{ manager: 'm', operation: 'Sideways', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: {} }] } };
    expect(statusOf(() => apply(live, config(), 'kubectl', undefined, options))).toMatchObject({ code: 500, message: 'failed to decode managed fields: operation must be `Apply` or `Update`' });
  });
});

describe('updates (create, update, patch)', () => {
  it('a create records the creator as an Update manager; added maps are members too', () => {
    const created = update(undefined, config({}, { labels: { app: 'web' } }), 'kubectl-create', undefined, options);
    const fields = owners(created.object)['kubectl-create/Update'] as JsonObject;
    expect((fields['f:metadata'] as JsonObject)['f:labels']).toEqual({ '.': {}, 'f:app': {} });
    expect(created.managedFields![0]).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1' });
  });

  it('an update by the same manager adds to its entry and moves its time', () => {
    let live = stored(update(undefined, config(), 'kubectl-edit', undefined, options).object);
    live = updated(live, (o) => (spec(o).minReadySeconds = 3), 'kubectl-edit');
    expect(entries(live)).toHaveLength(1);
    expect(entries(live)[0]!.time).toBe('2024-05-01T10:00:01Z');
    expect(owners(live)['kubectl-edit/Update']).toHaveProperty(['f:spec', 'f:minReadySeconds']);
    expect(owners(live)['kubectl-edit/Update']).toHaveProperty(['f:spec', 'f:replicas']);
  });

  it('an update that changes nothing leaves managedFields as they were', () => {
    const live = applied(undefined, config());
    expect(updated(live, () => undefined, 'kubectl-edit')).toEqual(live);
  });

  it('status written through the main resource is nobody\'s (reset fields)', () => {
    const live = updated(applied(undefined, config()), (o) => (o.status = { replicas: 1 }), 'kube-controller-manager');
    expect(owners(live)).not.toHaveProperty('kube-controller-manager/Update');
  });

  it('`managedFields: []` resets ownership; the object then stays untracked until an apply', () => {
    const live = applied(undefined, config());
    const reset = updated(live, (o) => ((o.metadata as JsonObject).managedFields = []), 'kubectl-edit');
    expect((reset.metadata as JsonObject).managedFields).toBeUndefined();
    expect((updated(reset, setReplicas(4), 'kubectl-scale').metadata as JsonObject).managedFields).toBeUndefined();
  });

  it('a single empty entry resets too', () => {
    const reset = updated(applied(undefined, config()), (o) => ((o.metadata as JsonObject).managedFields = [{}]), 'kubectl-edit');
    expect((reset.metadata as JsonObject).managedFields).toBeUndefined();
  });

  it('managedFields sent with a write replace the stored ones (kubectl 1.27+ migration patch)', () => {
    const live = updated(applied(undefined, config()), setReplicas(3), 'kubectl-client-side-apply');
    const migrated = entries(live).map((e) => ({ ...e, manager: 'kubectl', operation: 'Apply' }));
    const out = updated(live, (o) => ((o.metadata as JsonObject).managedFields = migrated as unknown as JsonValue), 'kubectl');
    expect(entries(out).map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply']);
  });

  it('invalid managedFields sent with a write are ignored', () => {
    const live = applied(undefined, config());
    const out = updated(live, (o) => ((o.metadata as JsonObject).managedFields = [{ manager: 'x' }]), 'kubectl-edit');
    expect(entries(out)).toEqual(entries(live));
  });

  it('an untracked object gets none on update; its first apply gives the existing fields to before-first-apply', () => {
    const untracked = stored(config({ replicas: 3 }));
    expect((updated(untracked, setReplicas(4), 'kubectl-scale').metadata as JsonObject).managedFields).toBeUndefined();
    const status = statusOf(() => apply(untracked, config({ replicas: 5 }), 'kubectl', undefined, options));
    expect(status.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const live = applied(untracked, config({ replicas: 3 }));
    expect(entries(live).map((e) => e.manager)).toEqual(['kubectl', 'before-first-apply']);
  });

  it('past ten update managers, the oldest merge into ancient-changes', () => {
    let live = applied(undefined, config());
    for (let i = 0; i < 11; i++) live = updated(live, (o) => ((o.metadata as JsonObject).labels = { ...((o.metadata as JsonObject).labels as JsonObject), [`l${i}`]: 'x' }), `m${i}`);
    const updaters = entries(live).filter((e) => e.operation === 'Update');
    expect(updaters).toHaveLength(10);
    expect(updaters[0]).toMatchObject({ manager: 'ancient-changes', apiVersion: 'apps/v1' });
    expect(updaters[0]!.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:l0': {}, 'f:l1': {} } } });
    expect(updaters.slice(1).map((e) => e.manager)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10']);
  });

  it('objects that do not fit the schema keep their managedFields (updates never fail)', () => {
    const live = applied(undefined, config());
    const out = update(live, { ...live, spec: { ...spec(live), bogus: true } }, 'x', undefined, options);
    expect(out.managedFields).toEqual(entries(live));
  });
});

describe('the status subresource', () => {
  const statusOptions: FieldManagerOptions = { ...options, subresource: 'status', resetFields: statusSubresourceResetFields };

  it('records the subresource, ignores spec, and names it in conflicts', () => {
    let live = applied(undefined, config());
    const statusApply = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 9 }, status: { replicas: 1, readyReplicas: 1 } };
    live = stored(apply(live, statusApply, 'kube-controller-manager', undefined, statusOptions).object);
    const entry = entries(live).find((e) => e.manager === 'kube-controller-manager')!;
    expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status', fieldsV1: { 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } } });
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, status: { replicas: 2 } };
    expect(statusOf(() => apply(live, other, 'someone', undefined, statusOptions)).message).toBe(
      'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource "status": .status.replicas',
    );
    live = updated(live, (o) => ((o.status as JsonObject).replicas = 3), 'kubelet', statusOptions);
    expect(statusOf(() => apply(live, { ...other, status: { replicas: 4 } }, 'someone', undefined, statusOptions)).message).toContain(
      'conflict with "kubelet" with subresource "status" using apps/v1: .status.replicas',
    );
  });
});

describe("kubectl's move from client-side to server-side apply", () => {
  // kubectl writes the annotation as Go's encoding/json does: keys sorted, then a newline.
  const lastApplied = (o: JsonObject) => `${goJsonMarshal(o)}\n`;

  function clientSideApplied(cfg: JsonObject): JsonObject {
    const withAnnotation = { ...cfg, metadata: { ...(cfg.metadata as JsonObject), annotations: { [lastAppliedConfigAnnotation]: lastApplied(cfg) } } };
    return stored(update(undefined, withAnnotation, 'kubectl-client-side-apply', undefined, options).object);
  }

  it('kubectl may take fields its last-applied configuration still holds', () => {
    const live = clientSideApplied(config());
    const result = applied(live, config({ replicas: 2 }), 'kubectl');
    expect(spec(result).replicas).toBe(2);
    const annotation = ((result.metadata as JsonObject).annotations as JsonObject)[lastAppliedConfigAnnotation] as string;
    expect(annotation.endsWith('\n')).toBe(true);
    expect(JSON.parse(annotation)).toEqual(config({ replicas: 2 }));
  });

  it('fields someone changed since the client-side apply still conflict', () => {
    const live = updated(clientSideApplied(config()), setReplicas(7), 'kubectl-scale');
    expect(statusOf(() => apply(live, config({ replicas: 2 }), 'kubectl', undefined, options)).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
    );
  });

  it('after the three requests of kubectl 1.27+ `apply --server-side`, kubectl owns what client-side apply did', () => {
    const cfg = config({ replicas: 2 });
    // 1. the main apply, 2. kubectl-last-applied applies the annotation kubectl computed.
    let live = applied(clientSideApplied(config()), cfg, 'kubectl');
    const annotationPatch = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', annotations: { [lastAppliedConfigAnnotation]: lastApplied(cfg) } } };
    live = applied(live, annotationPatch, 'kubectl-last-applied');
    // 3. a JSON patch replacing managedFields with the client-side entry folded into kubectl's.
    const csa = entries(live).find((e) => e.manager === 'kubectl-client-side-apply');
    const kubectl = entries(live).find((e) => e.manager === 'kubectl')!;
    const upgraded = [{ ...kubectl, fieldsV1: { ...(csa?.fieldsV1 ?? {}), ...kubectl.fieldsV1 } }, ...entries(live).filter((e) => e !== csa && e !== kubectl)];
    live = updated(live, (o) => ((o.metadata as JsonObject).managedFields = upgraded as unknown as JsonValue), 'kubectl');
    // The annotation apply changed nothing (the server had already written that value), so its entry
    // has no time and sorts first.
    expect(entries(live).map((e) => `${e.manager}/${e.operation}/${e.time ?? 'no time'}`)).toEqual(['kubectl-last-applied/Apply/no time', 'kubectl/Apply/2024-05-01T10:00:01Z']);
    expect(spec(live).replicas).toBe(2);
  });

  it('other managers get no such allowance', () => {
    const live = clientSideApplied(config());
    expect(statusOf(() => apply(live, config({ replicas: 2 }), 'argocd', undefined, options)).code).toBe(409);
  });
});

describe('kinds without a schema, and custom resources', () => {
  const widget = (spec: JsonObject, metadata: JsonObject = {}) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', ...metadata }, spec });
  const deduced: FieldManagerOptions = { schema: undefined, apiVersion: 'example.com/v1', kind: 'Widget', now: () => tick() };

  it('deduced types: maps are granular, lists atomic', () => {
    let live = applied(undefined, widget({ size: 1, items: ['a'] }), 'a', false, deduced);
    live = applied(live, widget({ color: 'red' }), 'b', false, deduced);
    expect(live.spec).toEqual({ size: 1, items: ['a'], color: 'red' });
    expect(statusOf(() => apply(live, widget({ items: ['b'] }), 'b', undefined, deduced)).details!.causes!.map((c) => c.field)).toEqual(['.spec.items']);
  });

  const crd: FieldManagerOptions = {
    schema: {
      schema: customResourceSchema({
        type: 'object',
        properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      }),
      definitions: kubeDefinitions(),
    },
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    now: () => tick(),
  };

  it('a custom resource schema with ObjectMeta merges finalizers as a set', () => {
    let live = applied(undefined, widget({ size: 1 }, { finalizers: ['x/a'] }), 'a', false, crd);
    live = applied(live, widget({}, { finalizers: ['x/b'] }), 'b', false, crd);
    expect((live.metadata as JsonObject).finalizers).toEqual(['x/a', 'x/b']);
  });

  it('x-kubernetes-preserve-unknown-fields accepts any field; elsewhere unknown fields are refused', () => {
    const live = applied(undefined, widget({ size: 1, extra: { anything: { nested: true } } }), 'a', false, crd);
    expect((live.spec as JsonObject).extra).toEqual({ anything: { nested: true } });
    expect(statusOf(() => apply(undefined, widget({ sizee: 1 }), 'a', undefined, crd)).message).toContain('.spec.sizee: field not declared in schema');
  });
});

describe('helpers for the write path', () => {
  it('keepManagedFieldsTimesOnNoop keeps old times when only times changed', () => {
    const old = applied(undefined, config());
    const newer = { ...old, metadata: { ...(old.metadata as JsonObject), managedFields: entries(old).map((e) => ({ ...e, time: '2030-01-01T00:00:00Z' })) as unknown as JsonValue } };
    expect(entries(keepManagedFieldsTimesOnNoop(old, newer))[0]!.time).toBe('2024-05-01T10:00:00Z');
    const changed = { ...newer, spec: { ...spec(newer), replicas: 9 } };
    expect(entries(keepManagedFieldsTimesOnNoop(old, changed))[0]!.time).toBe('2030-01-01T00:00:00Z');
  });

  it('the manager defaults to the user agent product', () => {
    expect(managerOrUserAgent(undefined, 'kubectl/v1.30.2 (linux/amd64) kubernetes/1234')).toBe('kubectl');
    expect(managerOrUserAgent('helm', 'Go-http-client/1.1')).toBe('helm');
  });
});

describe('apply patch bodies', () => {
  it('JSON (what kubectl sends) and YAML both decode', () => {
    expect(decodeApplyPatch('{"apiVersion":"v1","kind":"ConfigMap"}')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(decodeApplyPatch('apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "1"\n')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
  });

  it('reads YAML as go-yaml v2 does: yes is true, 0777 octal, times and sexagesimals stay strings', () => {
    expect(decodeApplyPatch('a: yes\nb: 0777\nc: 2024-05-01\nd: 1:30\n')).toEqual({ a: true, b: 511, c: '2024-05-01', d: '1:30' });
  });

  it('an empty body is an empty object; a list or broken YAML is a 400', () => {
    expect(decodeApplyPatch('')).toEqual({});
    expect(statusOf(() => decodeApplyPatch('- a\n- b\n'))).toMatchObject({ code: 400, message: 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}' });
    expect(statusOf(() => decodeApplyPatch('a: [\n'))).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('deletion fields are nobody\'s', () => {
    const live = applied(undefined, config());
    const deleting = updated(live, (o) => Object.assign(o.metadata as JsonObject, { deletionTimestamp: '2024-05-01T11:00:00Z', deletionGracePeriodSeconds: 30 }), 'kube-apiserver');
    expect(owners(deleting)).not.toHaveProperty('kube-apiserver/Update');
  });
});
