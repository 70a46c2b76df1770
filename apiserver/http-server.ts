// The HTTPS front door: TLS with optional client certificates, authentication, request logging,
// Status-shaped errors, health and version. API routes are registered on top by the registry.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { authenticate, clientCertificateAuthenticator, type Authenticator, type UserInfo } from './authn.ts';
import { HealthChecks } from './health.ts';
import { errors, StatusError } from './status.ts';
import { TableRequestError } from './tables/render.ts';
import { versionInfo } from './version.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whom the request acts as (after impersonation). */
    user?: UserInfo;
    /** Who sent the request, when it impersonates someone else. */
    impersonator?: UserInfo;
  }
}

/** Runs on every authenticated request (and public ones) in order, before routing: impersonation, limits, authorization. */
export type RequestFilter = (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

/** Sees every request first, whatever becomes of it (the audit log). */
export type RequestObserver = (request: FastifyRequest, reply: FastifyReply) => void;

/** How long a client may take to send its request, and its TLS handshake. */
export interface SlowClientTimeouts {
  /** Headers and body (ms); long-running responses are not affected. */
  requestMs: number;
  /** Headers alone (ms). */
  headersMs: number;
  handshakeMs: number;
}

export const defaultSlowClientTimeouts: SlowClientTimeouts = { requestMs: 60_000, headersMs: 32_000, handshakeMs: 10_000 };

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
  requestFilters?: RequestFilter[];
  observers?: RequestObserver[];
  timeouts?: SlowClientTimeouts;
}

/** Paths anyone may read, as Kubernetes grants system:public-info-viewer. */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version']);
export const maxRequestBodyBytes = 3 * 1024 * 1024;

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { log } = options;
  const timeouts = options.timeouts ?? defaultSlowClientTimeouts;
  const app = Fastify({
    https: {
      key: options.servingKeyPem,
      cert: options.servingCertPem,
      ca: options.caPem,
      requestCert: true,
      rejectUnauthorized: false, // a missing or foreign certificate falls through to other authenticators
      ALPNProtocols: ['http/1.1'],
      handshakeTimeout: timeouts.handshakeMs,
    },
    logger: false,
    bodyLimit: maxRequestBodyBytes,
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 65_000,
    // Bounds receiving a request only: watches and streams answer for as long as they need.
    requestTimeout: timeouts.requestMs,
    connectionTimeout: 0,
  });
  app.server.headersTimeout = Math.min(timeouts.headersMs, timeouts.requestMs);
  const authenticators = [clientCertificateAuthenticator, ...(options.authenticators ?? [])];

  app.addHook('onRequest', async (request, reply) => {
    for (const observe of options.observers ?? []) observe(request, reply);
    try {
      const user = await authenticate(request.raw, authenticators);
      if (user) request.user = user;
      else if (options.anonymousAuth) request.user = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
      else if (!publicPaths.has(pathOf(request))) throw errors.unauthorized();
      for (const filter of options.requestFilters ?? []) await filter(request, reply);
    } catch (error) {
      // Refused before its body was read: read it first, or closing the connection on unread data
      // resets it and the client never sees the 401, 403 or 429.
      await discardBody(request.raw);
      throw error;
    }
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

/** Reads and drops a request body (up to the body limit), so that a refusal can be answered cleanly. */
function discardBody(raw: IncomingMessage): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      raw.off('data', onData);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxRequestBodyBytes) done();
    };
    raw.on('data', onData);
    raw.once('end', done);
    raw.once('error', done);
    raw.once('close', done);
    raw.resume();
  });
}

export function pathOf(request: FastifyRequest): string {
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
