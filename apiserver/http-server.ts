// The HTTPS front door: TLS with optional client certificates, authentication, request logging,
// Status-shaped errors, health and version. API routes are registered on top by the registry.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { authenticate, clientCertificateAuthenticator, type Authenticator, type UserInfo } from './authn.ts';
import { HealthChecks } from './health.ts';
import { errors, StatusError } from './status.ts';
import { TableRequestError } from './tables/render.ts';
import { versionInfo } from './version.ts';

declare module 'fastify' {
  interface FastifyRequest {
    user?: UserInfo;
  }
}

export interface HttpServerOptions {
  log: Logger;
  caPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  /** Authenticators in order; client certificates are always first. */
  authenticators?: Authenticator[];
  /** Answer requests without credentials as system:anonymous instead of 401. */
  anonymousAuth?: boolean;
  health: HealthChecks;
  /** More paths anyone may call (endpoints that check their own credentials, such as the node join). */
  publicPaths?: string[];
}

/** Paths anyone may read, as Kubernetes grants system:public-info-viewer. */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version']);
export const maxRequestBodyBytes = 3 * 1024 * 1024;

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { log } = options;
  const app = Fastify({
    https: {
      key: options.servingKeyPem,
      cert: options.servingCertPem,
      ca: options.caPem,
      requestCert: true,
      rejectUnauthorized: false, // a missing or foreign certificate falls through to other authenticators
      ALPNProtocols: ['http/1.1'],
    },
    logger: false,
    bodyLimit: maxRequestBodyBytes,
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 65_000,
    requestTimeout: 0, // watches and streams are long-lived; slow-client limits are per phase
    connectionTimeout: 0,
  });
  const authenticators = [clientCertificateAuthenticator, ...(options.authenticators ?? [])];
  const anyonePaths = new Set([...publicPaths, ...(options.publicPaths ?? [])]);

  app.addHook('onRequest', async (request) => {
    const user = await authenticate(request.raw, authenticators);
    if (user) {
      request.user = user;
      return;
    }
    if (options.anonymousAuth) {
      request.user = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
      return;
    }
    if (!anyonePaths.has(pathOf(request))) throw errors.unauthorized();
  });

  if (log.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (request, reply) => {
      log.debug(
        { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: request.user?.username },
        'request',
      );
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const status = toStatusError(error);
    if (status.code >= 500) log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    if (status.details?.retryAfterSeconds) reply.header('Retry-After', String(status.details.retryAfterSeconds));
    reply.code(status.code).type('application/json').send(status.toStatus());
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('application/json').send(errors.routeNotFound().toStatus());
  });

  options.health.register(app);
  app.get('/version', async () => versionInfo());
  return app;
}

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q < 0 ? request.url : request.url.slice(0, q);
}

/** Maps anything thrown in a handler, including fastify's own errors, onto a Kubernetes Status. */
export function toStatusError(error: unknown): StatusError {
  if (error instanceof StatusError) return error;
  if (error instanceof TableRequestError) return new StatusError(error.code, error.reason, error.message);
  const e = error as { statusCode?: number; code?: string; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.requestEntityTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(e.message ?? '');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.badRequest(e.message ?? 'bad request');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new StatusError(e.statusCode, 'BadRequest', e.message ?? 'bad request');
  return errors.internal(e.message ?? String(error));
}
