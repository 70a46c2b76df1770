// /metrics: requests counted by Kubernetes verb, resource and code; latency histograms; datastore timings.
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installApi, startApiCore } from '../../apiserver/api.ts';
import { toStatusError } from '../../apiserver/http-server.ts';
import { ApiMetrics } from '../../apiserver/metrics.ts';
import { MemoryDatastore } from '../support/memory-datastore.ts';

describe('/metrics', () => {
  const metrics = new ApiMetrics();
  const app = Fastify();
  let stop = () => {};
  beforeAll(async () => {
    const core = await startApiCore(metrics.measure(new MemoryDatastore()), pino({ level: 'silent' }));
    stop = () => core.stop();
    metrics.isServed = (group, version, resource) => core.registry.lookup(group, version, resource) !== undefined;
    app.addHook('onRequest', async (request) => {
      request.user = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
    });
    app.setErrorHandler((error, _request, reply) => {
      const status = toStatusError(error);
      reply.code(status.code).send(status.toStatus());
    });
    metrics.register(app);
    installApi(app, core);
    await app.ready();
  });
  afterAll(async () => {
    stop();
    await app.close();
  });

  it('counts requests by verb, resource, scope and code, and times them', async () => {
    await app.inject({ method: 'POST', url: '/api/v1/namespaces', payload: { metadata: { name: 'm' } } });
    for (const name of ['a', 'b', 'a']) {
      await app.inject({ method: 'POST', url: '/api/v1/namespaces/m/configmaps', payload: { metadata: { name } } });
    }
    await app.inject({ method: 'GET', url: '/api/v1/namespaces/m/configmaps' });
    await app.inject({ method: 'GET', url: '/api/v1/namespaces/m/configmaps/a' });
    await app.inject({ method: 'GET', url: '/api/v1/namespaces/m/nosuchthings/x' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const line = (prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));
    expect(line('apiserver_request_total{verb="POST",group="",version="v1",resource="configmaps",subresource="",scope="namespace",code="201"}')).toMatch(/ 2$/);
    expect(line('apiserver_request_total{verb="POST",group="",version="v1",resource="configmaps",subresource="",scope="namespace",code="409"}')).toMatch(/ 1$/);
    expect(line('apiserver_request_total{verb="LIST",group="",version="v1",resource="configmaps",subresource="",scope="namespace",code="200"}')).toMatch(/ 1$/);
    expect(line('apiserver_request_total{verb="GET",group="",version="v1",resource="configmaps",subresource="",scope="resource",code="200"}')).toMatch(/ 1$/);
    // An unknown resource is not a label value: hostile paths cannot grow the series.
    expect(text).not.toContain('nosuchthings');
    expect(line('apiserver_request_duration_seconds_count{verb="POST",group="",version="v1",resource="configmaps",subresource="",scope="namespace"}')).toMatch(/ 3$/);
    expect(line('k2_datastore_request_duration_seconds_count{operation="create",backend=')).toMatch(/ [4-9]\d*$|\d{2,}$/);
  });
});
