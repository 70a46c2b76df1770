// Calls a webhook over HTTPS: a `url`, or a `service` reference resolved through the Service's
// endpoints (k2's API server is not inside the pod network, so it dials an endpoint address and
// verifies the certificate for `<service>.<namespace>.svc`, as kube-apiserver names it).
// Connections are kept alive per CA bundle (idle ones do not hold the process); failures read like
// Go's, as kubectl users know them.
import { Agent, request } from 'node:https';
import type { ApiCore } from '../../core.ts';
import type { ClientConfig, ServiceReference } from './configurations.ts';

/** kube-apiserver's ErrCallingWebhook: a failure to get an answer, subject to the failurePolicy. */
export class WebhookCallError extends Error {
  constructor(
    readonly webhookName: string,
    readonly reason: string,
  ) {
    super(`failed calling webhook "${webhookName}": ${reason}`);
  }
}

/** Where a call goes: the URL (what errors show) and, for services, the address dialled and the TLS name. */
export interface WebhookTarget {
  url: URL;
  connectHost?: string;
  connectPort?: number;
  servername?: string;
}

const maxResponseBytes = 3 * 1024 * 1024;

type Json = Record<string, any>;

/** The endpoint address and port a Service reference reaches (first ready address of the port the reference names). */
function resolveService(core: ApiCore, reference: ServiceReference): { host: string; port: number } {
  const services = core.storeFor('', 'services');
  const service = core.cache.get(services.key(reference.namespace, reference.name))?.object as Json | undefined;
  if (!service) throw new Error(`service "${reference.name}" not found`);
  const servicePort = ((service.spec?.ports ?? []) as Json[]).find((p) => p.port === reference.port);
  if (!servicePort) throw new Error(`service ${reference.namespace}/${reference.name} has no port ${reference.port}`);
  const endpoints = core.cache.get(core.storeFor('', 'endpoints').key(reference.namespace, reference.name))?.object as Json | undefined;
  for (const subset of (endpoints?.subsets ?? []) as Json[]) {
    const ports = (subset.ports ?? []) as Json[];
    const port = ports.length === 1 && !servicePort.name ? ports[0] : ports.find((p) => p.name === servicePort.name);
    const address = ((subset.addresses ?? []) as Json[])[0];
    if (port && address?.ip) return { host: address.ip, port: port.port };
  }
  throw new Error(`service "${reference.name}" has no ready endpoints for port ${reference.port}`);
}

/** The target of a client config; throws (a call error) when a service cannot be resolved. */
export function webhookTarget(core: ApiCore, config: ClientConfig, timeoutSeconds: number): WebhookTarget {
  const timeout = `timeout=${timeoutSeconds}s`;
  if (config.url) {
    const url = new URL(config.url);
    url.search = url.search ? `${url.search}&${timeout}` : `?${timeout}`;
    return { url };
  }
  const reference = config.service!;
  const servername = `${reference.name}.${reference.namespace}.svc`;
  const url = new URL(`https://${servername}:${reference.port}${reference.path ?? ''}?${timeout}`);
  const { host, port } = resolveService(core, reference);
  return { url, connectHost: host, connectPort: port, servername };
}

/** Go's wording of the usual dial and TLS failures (what `failed to call webhook: Post "…": …` ends with). */
function describeFailure(error: NodeJS.ErrnoException, target: WebhookTarget): string {
  const host = target.connectHost ?? target.url.hostname;
  const port = target.connectPort ?? (target.url.port || '443');
  switch (error.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${host}:${port}: connect: connection refused`;
    case 'ECONNRESET':
      return 'EOF';
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host}: no such host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${target.servername ?? host}`;
    default:
      return error.message;
  }
}

export class WebhookClient {
  private readonly agents = new Map<string, Agent>();

  private agent(caBundle: string | undefined): Agent {
    const key = caBundle ?? '';
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: 64, ...(caBundle ? { ca: caBundle } : {}) });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** POSTs an AdmissionReview and returns the parsed answer; throws WebhookCallError for every failure. */
  post(webhookName: string, target: WebhookTarget, caBundle: string | undefined, body: string, timeoutSeconds: number): Promise<unknown> {
    const shown = `Post "${target.url.href}"`;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new WebhookCallError(webhookName, reason));
      };
      const call = request(
        {
          host: target.connectHost ?? target.url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: target.connectPort ?? (target.url.port || 443),
          path: target.url.pathname + target.url.search,
          method: 'POST',
          servername: target.servername,
          agent: this.agent(caBundle),
          headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body), host: target.url.host },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              call.destroy();
              fail(`failed to call webhook: response body too large (more than ${maxResponseBytes} bytes)`);
            } else chunks.push(chunk);
          });
          response.on('error', (error) => fail(`failed to call webhook: ${shown}: ${describeFailure(error, target)}`));
          response.on('end', () => {
            if (settled) return;
            const text = Buffer.concat(chunks).toString('utf8');
            const code = response.statusCode ?? 0;
            if (code < 200 || code >= 300) {
              let message = `the server responded with the status code ${code} but did not return more information`;
              try {
                const status = JSON.parse(text) as Json;
                if (status?.kind === 'Status' && status.message) message = String(status.message);
              } catch {
                // not a Status: the generic message stands
              }
              fail(`failed to call webhook: ${message}`);
              return;
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch (error) {
              fail(`received invalid webhook response: ${(error as Error).message}`);
              return;
            }
            settled = true;
            clearTimeout(timer);
            resolve(parsed);
          });
        },
      );
      const timer = setTimeout(() => {
        fail(`failed to call webhook: ${shown}: context deadline exceeded`);
        call.destroy();
      }, timeoutSeconds * 1000);
      call.on('error', (error) => fail(`failed to call webhook: ${shown}: ${describeFailure(error, target)}`));
      call.end(body);
    });
  }
}
