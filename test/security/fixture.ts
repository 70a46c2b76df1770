// An in-process API with k2's security on (RBAC, the Node authorizer, token authentication,
// impersonation, the controllers) over a memory datastore, for fast tests of the rules themselves.
// Requests carry their user in a test header, or a bearer token like any client.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { installApi, startApiCore } from '../../apiserver/api.ts';
import type { UserInfo } from '../../apiserver/authn.ts';
import { ApiSecurity, type SecurityOptions } from '../../apiserver/auth/security.ts';
import { apiserverUser, bootstrapCluster } from '../../apiserver/bootstrap.ts';
import type { ApiCore } from '../../apiserver/core.ts';
import { toStatusError } from '../../apiserver/http-server.ts';
import { CertificateAuthority } from '../../apiserver/pki.ts';
import type { KubeObject } from '../../apiserver/registry/types.ts';
import { ControllerManager } from '../../controllers/manager.ts';
import { tempDir } from '../e2e/harness.ts';
import { MemoryDatastore } from '../support/memory-datastore.ts';

export const admin: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };

export function user(username: string, ...groups: string[]): UserInfo {
  return { username, groups: [...groups, 'system:authenticated'] };
}

export interface Response {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

export interface SecurityFixture {
  app: FastifyInstance;
  core: ApiCore;
  security: ApiSecurity;
  ca: CertificateAuthority;
  datastore: MemoryDatastore;
  /** A request as `who` (a user, or a bearer token string). */
  request(who: UserInfo | string | undefined, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POST/PUT of an object as admin, failing the test on an error. */
  apply(object: KubeObject): Promise<Record<string, any>>;
  /** Polls `check` until it returns something truthy (bounded). */
  eventually<T>(check: () => T | Promise<T>, timeoutMs?: number): Promise<NonNullable<T>>;
  close(): Promise<void>;
}

export async function securityFixture(options: Partial<SecurityOptions> & { controllers?: boolean } = {}): Promise<SecurityFixture> {
  const dir = tempDir('k2-security-');
  const log = pino({ level: 'silent' });
  const datastore = new MemoryDatastore();
  const core = await startApiCore(datastore, log);
  const security = await ApiSecurity.create(core, {
    authorizationMode: 'RBAC',
    signingKeyPath: join(dir, 'service-account.key'),
    serviceAccountIssuers: ['https://kubernetes.default.svc.cluster.local'],
    apiAudiences: ['https://kubernetes.default.svc.cluster.local'],
    extendTokenExpiration: true,
    log,
    ...options,
  });
  const app = Fastify();
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers['x-test-user'];
    request.user = typeof header === 'string' ? (JSON.parse(header) as UserInfo) : await security.authentication.authenticator(request.raw);
    await security.impersonationFilter(request, reply);
    await security.nonResourceAuthorizationFilter(request, reply);
  });
  app.setErrorHandler((error, _request, reply) => {
    const status = toStatusError(error);
    reply.code(status.code).send(status.toStatus());
  });
  const api = installApi(app, core);
  security.install(app, api.handlers);
  await app.ready();
  await bootstrapCluster(core, { serviceCidr: '10.43.0.0/16', apiserverPort: 6443 });
  await security.bootstrapPolicy(apiserverUser);
  const ca = await CertificateAuthority.create('k2-test-ca');
  const controllers = options.controllers === false ? undefined : new ControllerManager(core, log, { caPem: ca.certPem, ca, tokens: security.tokens });
  controllers?.start();

  const request: SecurityFixture['request'] = async (who, method, url, body, headers = {}) => {
    const auth: Record<string, string> = typeof who === 'string' ? { authorization: `Bearer ${who}` } : who ? { 'x-test-user': JSON.stringify(who) } : {};
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...auth, ...headers },
      payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    let parsed: unknown;
    try {
      parsed = response.json();
    } catch {
      parsed = response.body;
    }
    return { status: response.statusCode, body: parsed, headers: response.headers };
  };

  const eventually: SecurityFixture['eventually'] = async (check, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value as NonNullable<typeof value>;
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    app,
    core,
    security,
    ca,
    datastore,
    request,
    eventually,
    apply: async (object) => {
      const [group, version] = object.apiVersion!.includes('/') ? object.apiVersion!.split('/') : ['', object.apiVersion!];
      const served = core.registry.lookupKind(group!, version!, object.kind!)!;
      const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
      const ns = served.description.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
      const response = await request(admin, 'POST', `${base}${ns}/${served.description.plural}`, object);
      if (response.status !== 201) throw new Error(`creating ${object.kind} ${object.metadata.name}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as Record<string, any>;
    },
    close: async () => {
      await controllers?.stop();
      security.stop();
      core.stop();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
