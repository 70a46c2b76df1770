// /metrics in Prometheus' text format: API requests by verb, resource and code, their latency, and
// the datastore operations underneath, named as kube-apiserver names them where it has a name.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Datastore } from '../datastore/types.ts';
import type { ApiCore } from './core.ts';
import { parseRequestPath } from './handlers/request-info.ts';
import { LabeledHistogram, type HistogramSeries } from './labeled-histogram.ts';

const latencyBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, group, version, resource, subresource, scope and HTTP response code.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'code'] as const,
    registers: [this.registry],
  });
  readonly latency = new LabeledHistogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource and scope.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope'],
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly storage = new LabeledHistogram({
    name: 'k2_datastore_request_duration_seconds',
    help: 'Datastore request latency in seconds for each operation.',
    labelNames: ['operation', 'backend'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly watchers: Gauge;

  constructor(core?: ApiCore) {
    collectDefaultMetrics({ register: this.registry });
    this.watchers = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Number of open long-running requests (watches, log follows, exec).',
      registers: [this.registry],
      collect() {
        if (core) this.set(core.streams.size);
      },
    });
  }

  /** Which resources exist: requests for others (typos, probes, hostile paths) are not labelled with them. */
  isServed: (group: string, version: string, resource: string) => boolean = () => true;

  /** Label children by their values: prom-client hashes a label object on every call, a request should not. */
  private readonly requestSeries = new Map<string, { count: { inc(): void }; latency: HistogramSeries }>();

  /** Records one HTTP request by the Kubernetes verb it was. */
  observe(method: string, url: string, code: number, seconds: number): void {
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    let info: ReturnType<typeof parseRequestPath>;
    try {
      info = parseRequestPath(path);
    } catch {
      info = undefined;
    }
    if (info?.resource && !this.isServed(info.group, info.version, info.resource)) info = undefined;
    let verb = method;
    let labels = ['', '', '', '', ''];
    if (info?.resource) {
      const subresource = code === 404 ? '' : (info.subresource ?? ''); // unknown subresources would grow the series without bound
      labels = [info.group, info.version, info.resource, subresource, info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster'];
      const watch = info.legacyWatch || (queryAt >= 0 && /[?&]watch=(true|1)/.test(url.slice(queryAt)));
      verb = { GET: info.name ? 'GET' : watch ? 'WATCH' : 'LIST', POST: 'POST', PUT: 'PUT', PATCH: 'PATCH', DELETE: info.name ? 'DELETE' : 'DELETECOLLECTION' }[method] ?? method;
    }
    const key = `${verb} ${code} ${labels.join(' ')}`;
    let series = this.requestSeries.get(key);
    if (!series) {
      series = { count: this.requests.labels(verb, ...labels, String(code)), latency: this.latency.labels(verb, ...labels) };
      this.requestSeries.set(key, series);
    }
    series.count.inc();
    if (verb !== 'WATCH') series.latency.observe(seconds);
  }

  /** Wraps a datastore so that every operation is timed. */
  measure(datastore: Datastore): Datastore {
    const histogram = this.storage;
    const timed = new Set(['get', 'list', 'count', 'create', 'update', 'delete', 'compact']);
    // Wrappers are made once per method: the store calls the datastore on every request.
    const wrappers = new Map<string | symbol, unknown>();
    return new Proxy(datastore, {
      get(target, property, receiver) {
        if (wrappers.has(property)) return wrappers.get(property);
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        let wrapper: unknown;
        if (typeof property === 'string' && timed.has(property)) {
          const series = histogram.labels(property, target.backend);
          // The operation's own promise is returned (no async wrapper around it): one promise fewer per call.
          wrapper = (...args: unknown[]) => {
            const end = series.startTimer();
            let pending: Promise<unknown>;
            try {
              pending = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } catch (error) {
              end();
              throw error;
            }
            const done = () => void end();
            pending.then(done, done);
            return pending;
          };
        } else {
          wrapper = value.bind(target);
        }
        wrappers.set(property, wrapper);
        return wrapper;
      },
    });
  }

  register(app: FastifyInstance): void {
    app.addHook('onResponse', (request, reply, done) => {
      this.observe(request.method, request.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', async (_request, reply) => {
      reply.header('content-type', this.registry.contentType).send(Buffer.from(await this.registry.metrics()));
    });
  }
}
