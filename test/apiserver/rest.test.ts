// The generic REST path over an in-process API: what kubectl relies on, request by request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture, type ApiFixture } from '../support/api-fixture.ts';

describe('generic REST store over HTTP', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await apiFixture();
    await api.app.inject({ method: 'POST', url: '/api/v1/namespaces', payload: { metadata: { name: 'default' } } });
  });
  afterAll(() => api.close());

  const inject = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    api.app.inject({ method: method as 'GET', url, payload: payload as object, headers: { 'content-type': 'application/json', ...headers } });

  it('serves legacy and aggregated discovery', async () => {
    const core = await inject('GET', '/api');
    expect(core.json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await inject('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(groups.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const apps = groups.json().items.find((g: { metadata: { name: string } }) => g.metadata.name === 'apps');
    const deployments = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
    expect(deployments).toMatchObject({ scope: 'Namespaced', shortNames: ['deploy'], categories: ['all'] });
    expect(deployments.subresources.map((s: { subresource: string }) => s.subresource)).toEqual(['scale', 'status']);
    const v1 = (await inject('GET', '/api/v1')).json();
    expect(v1.resources.find((r: { name: string }) => r.name === 'pods/log')).toBeTruthy();
  });

  it('creates, reads, lists, updates and deletes a ConfigMap', async () => {
    const created = await inject('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', labels: { app: 'x' } }, data: { a: '1' } });
    expect(created.statusCode).toBe(201);
    const object = created.json();
    expect(object.metadata).toMatchObject({ name: 'one', namespace: 'default' });
    expect(object.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(object.metadata.resourceVersion).toMatch(/^\d+$/);

    expect((await inject('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'one' } })).json()).toMatchObject({ reason: 'AlreadyExists', code: 409, message: 'configmaps "one" already exists' });
    expect((await inject('GET', '/api/v1/namespaces/default/configmaps/missing')).json()).toMatchObject({ reason: 'NotFound', code: 404, message: 'configmaps "missing" not found' });

    const list = (await inject('GET', '/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx')).json();
    expect(list.kind).toBe('ConfigMapList');
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['one']);
    expect((await inject('GET', '/api/v1/namespaces/default/configmaps?labelSelector=app%3Dy')).json().items).toEqual([]);

    const stale = { ...object, data: { a: '2' }, metadata: { ...object.metadata, resourceVersion: '1' } };
    expect((await inject('PUT', '/api/v1/namespaces/default/configmaps/one', stale)).json()).toMatchObject({ reason: 'Conflict', code: 409 });
    const updated = await inject('PUT', '/api/v1/namespaces/default/configmaps/one', { ...object, data: { a: '2' } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().data).toEqual({ a: '2' });

    const patched = await inject('PATCH', '/api/v1/namespaces/default/configmaps/one', { data: { b: '3' } }, { 'content-type': 'application/merge-patch+json' });
    expect(patched.json().data).toEqual({ a: '2', b: '3' });

    const deleted = await inject('DELETE', '/api/v1/namespaces/default/configmaps/one');
    expect(deleted.json()).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'one', kind: 'configmaps' } });
    expect((await inject('GET', '/api/v1/namespaces/default/configmaps/one')).statusCode).toBe(404);
  });

  it('answers invalid objects with 422 and Kubernetes causes', async () => {
    const result = await inject('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'Bad_Name' } });
    expect(result.statusCode).toBe(422);
    const status = result.json();
    expect(status.reason).toBe('Invalid');
    expect(status.message).toMatch(/^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect(status.details.causes[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.name' });
  });

  it('paginates with limit and continue, consistent at one revision', async () => {
    for (let i = 0; i < 5; i++) await inject('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `page-${i}` } });
    const first = (await inject('GET', '/api/v1/namespaces/default/configmaps?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.metadata.remainingItemCount).toBe(3);
    await inject('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'page-9' } });
    const second = (await inject('GET', `/api/v1/namespaces/default/configmaps?limit=10&continue=${first.metadata.continue}`)).json();
    expect(second.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['page-2', 'page-3', 'page-4']);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('keeps the status on spec updates and bumps generation', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
      status: { replicas: 99 },
    };
    const created = (await inject('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).json();
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);
    expect(created.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect(created.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log' });
    const status = await inject('PUT', '/apis/apps/v1/namespaces/default/deployments/web/status', { ...created, status: { replicas: 1 } });
    expect(status.json().status).toEqual({ replicas: 1 });
    const scaled = await inject('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    expect(scaled.json()).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 1, selector: 'app=web' } });
    const after = (await inject('GET', '/apis/apps/v1/namespaces/default/deployments/web')).json();
    expect(after.spec.replicas).toBe(3);
    expect(after.metadata.generation).toBe(2);
    expect(after.status).toEqual({ replicas: 1 });
  });

  it('records managedFields for what the client sent, not for what mutating admission added', async () => {
    await inject('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'default' } });
    const created = await inject('POST', '/api/v1/namespaces/default/pods?fieldManager=tester', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'owned', labels: { app: 'x' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } });
    expect(created.statusCode).toBe(201);
    const pod = created.json();
    // The ServiceAccount admission plugin mounted a token volume ...
    expect(pod.spec.volumes.map((v: { name: string }) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)]);
    expect(pod.spec.containers[0].volumeMounts).toHaveLength(1);
    // ... which, as in kube-apiserver (the field manager runs before admission), no manager owns.
    const [entry, ...others] = pod.metadata.managedFields;
    expect(others).toEqual([]);
    expect(entry).toMatchObject({ manager: 'tester', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1' });
    const spec = entry.fieldsV1['f:spec'];
    expect(spec).not.toHaveProperty('f:volumes');
    expect(spec['f:containers']['k:{"name":"app"}']).toHaveProperty('f:image');
    expect(spec['f:containers']['k:{"name":"app"}']).not.toHaveProperty('f:volumeMounts');
    // Defaults the client did not send are the client's, as they are upstream (defaulting precedes the field manager).
    expect(spec).toHaveProperty('f:restartPolicy');
    expect(entry.fieldsV1['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
  });

  it('drops empty or null metadata maps and lists, as decoding into ObjectMeta does, and no manager owns them', async () => {
    const created = await inject('POST', '/api/v1/namespaces/default/configmaps?fieldManager=tester', { metadata: { name: 'empty-meta', labels: {}, annotations: null, finalizers: [], ownerReferences: [] }, data: { a: '1' } });
    expect(created.statusCode).toBe(201);
    const object = created.json();
    for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences']) expect(object.metadata).not.toHaveProperty(field);
    // kubectl diff (client-side) sends `annotations: {}` in its dry-run patch when the file has none.
    const patched = await inject('PATCH', '/api/v1/namespaces/default/configmaps/empty-meta?dryRun=All&fieldManager=kubectl-client-side-apply', { data: { a: '2' }, metadata: { annotations: {} } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(patched.statusCode).toBe(200);
    const merged = patched.json();
    expect(merged.metadata).not.toHaveProperty('annotations');
    const entry = merged.metadata.managedFields.find((e: { manager: string }) => e.manager === 'kubectl-client-side-apply');
    expect(entry.fieldsV1).toEqual({ 'f:data': { 'f:a': {} } });
  });

  it('adds ephemeral containers through their subresource only, and never changes or removes them', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debugged', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } };
    const early = await inject('POST', '/api/v1/namespaces/default/pods', { ...pod, metadata: { name: 'early' }, spec: { ...pod.spec, ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] } });
    expect(early.json()).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.ephemeralContainers', message: 'Forbidden: cannot be set on create' }] } });
    expect((await inject('POST', '/api/v1/namespaces/default/pods', pod)).statusCode).toBe(201);

    // What `kubectl debug` sends: a strategic merge patch of the subresource.
    const path = '/api/v1/namespaces/default/pods/debugged/ephemeralcontainers';
    const shell = { name: 'dbg', image: 'busybox', command: ['sh'], stdin: true, tty: true, targetContainerName: 'app' };
    const added = await inject('PATCH', `${path}?fieldManager=kubectl-debug`, { spec: { ephemeralContainers: [shell] } }, { 'content-type': 'application/strategic-merge-patch+json' });
    expect(added.statusCode).toBe(200);
    expect(added.json().spec.ephemeralContainers).toEqual([{ ...shell, imagePullPolicy: 'Always', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }]);
    expect(added.json().metadata.managedFields.map((e: { manager: string; subresource?: string }) => `${e.manager}/${e.subresource ?? ''}`)).toContain('kubectl-debug/ephemeralcontainers');

    // Only the ephemeral containers of what is written count: the labels stay.
    const current = (await inject('GET', path)).json();
    expect(current.kind).toBe('Pod');
    const relabelled = await inject('PUT', path, { ...current, metadata: { ...current.metadata, labels: { app: 'other' } } });
    expect(relabelled.json().metadata.labels).toEqual({ app: 'web' });

    const refused = async (ephemeralContainers: unknown[]) => (await inject('PUT', path, { ...current, metadata: { ...current.metadata, resourceVersion: undefined }, spec: { ...current.spec, ephemeralContainers } })).json();
    expect(await refused([])).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.ephemeralContainers', message: 'Forbidden: existing ephemeral containers "dbg" may not be removed' }] } });
    expect(await refused([{ ...current.spec.ephemeralContainers[0], image: 'alpine' }])).toMatchObject({
      code: 422,
      details: { causes: [{ field: 'spec.ephemeralContainers[0]', message: 'Forbidden: existing ephemeral containers "dbg" may not be changed' }] },
    });
    const second = (extra: Record<string, unknown>) => [current.spec.ephemeralContainers[0], { name: 'two', image: 'busybox', ...extra }];
    expect(await refused(second({ ports: [{ containerPort: 80 }] }))).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.ephemeralContainers[1].ports', message: 'Forbidden: cannot be set for an Ephemeral Container' }] } });
    expect(await refused(second({ name: 'app' }))).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.ephemeralContainers[1].name', reason: 'FieldValueDuplicate' }] } });
    expect(await refused(second({ targetContainerName: 'nope' }))).toMatchObject({ code: 422, details: { causes: [{ field: 'spec.ephemeralContainers[1].targetContainerName', message: 'Not found: "nope"' }] } });

    // Writes of the pod itself keep them as they are.
    const latest = (await inject('GET', '/api/v1/namespaces/default/pods/debugged')).json();
    const kept = await inject('PUT', '/api/v1/namespaces/default/pods/debugged', { ...latest, spec: { ...latest.spec, ephemeralContainers: undefined } });
    expect(kept.statusCode).toBe(200);
    expect(kept.json().spec.ephemeralContainers.map((c: { name: string }) => c.name)).toEqual(['dbg']);
  });

  it('resizes containers in place through the resize subresource: cpu and memory only, within the QoS class', async () => {
    const resources = { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '200m', memory: '64Mi' } };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'resized', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox', resources }] } };
    expect((await inject('POST', '/api/v1/namespaces/default/pods', pod)).statusCode).toBe(201);
    const path = '/api/v1/namespaces/default/pods/resized/resize';
    const patch = (containers: unknown[]) => inject('PATCH', `${path}?fieldManager=kubectl-patch`, { metadata: { labels: { app: 'other' } }, spec: { containers } }, { 'content-type': 'application/strategic-merge-patch+json' });

    const resized = await patch([{ name: 'app', image: 'nginx', resources: { requests: { cpu: '150m' }, limits: { cpu: '500m', memory: '128Mi' } } }]);
    expect(resized.statusCode).toBe(200);
    // Only the resources changed: not the image, not the labels.
    expect(resized.json().spec.containers[0]).toMatchObject({ image: 'busybox', resources: { requests: { cpu: '150m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } } });
    expect(resized.json().metadata.labels).toEqual({ app: 'web' });
    expect(resized.json().metadata.managedFields.map((e: { manager: string; subresource?: string }) => `${e.manager}/${e.subresource ?? ''}`)).toContain('kubectl-patch/resize');

    const guaranteed = await patch([{ name: 'app', resources: { requests: { cpu: '500m', memory: '128Mi' } } }]);
    expect(guaranteed.json()).toMatchObject({ code: 422, details: { causes: [{ field: 'spec', message: 'Invalid value: "Guaranteed": Pod QOS Class may not change as a result of resizing' }] } });
    const storage = await patch([{ name: 'app', resources: { limits: { 'ephemeral-storage': '1Gi' } } }]);
    expect(storage.json()).toMatchObject({ code: 422 });
    expect(storage.json().details.causes).toContainEqual({ reason: 'FieldValueForbidden', field: 'spec.containers[0].resources.limits[ephemeral-storage]', message: 'Forbidden: only cpu and memory resources are mutable' });
    // The pod itself still refuses resource changes, as before in-place resize.
    const latest = (await inject('GET', '/api/v1/namespaces/default/pods/resized')).json();
    latest.spec.containers[0].resources.limits.cpu = '1';
    expect((await inject('PUT', '/api/v1/namespaces/default/pods/resized', latest)).json()).toMatchObject({ code: 422, details: { causes: [{ field: 'spec' }] } });
  });

  it('answers whoami and can-i', async () => {
    const whoami = await inject('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(whoami.statusCode).toBe(201);
    expect(whoami.json().status.userInfo.username).toBe('admin');
    const canI = await inject('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } } });
    expect(canI.json().status.allowed).toBe(true);
  });
});
