// The HTTPS front door: TLS with optional client certificates, authentication, request logging,
// Status-shaped errors, health and version. API routes are registered on top by the registry.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { authenticate, clientCertificateAuthenticator, isPromise, type Authenticator, type UserInfo } from './authn.ts';
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
  /** More paths anyone may call (endpoints that check their own credentials, such as the node join). */
  publicPaths?: string[];
  requestFilters?: RequestFilter[];
  observers?: RequestObserver[];
  timeouts?: SlowClientTimeouts;
}

/** Paths anyone may read, as Kubernetes grants system:public-info-viewer. */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version']);
export const maxRequestBodyBytes = 3 * 1024 * 1024;

function noSchemaCompilers(): never {
  throw new Error('k2 routes declare no fastify schemas: bodies are decoded and checked by their handlers');
}

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
      // Bearer tokens and impersonation headers are a few kilobytes (Node's default is 16 KiB).
      maxHeaderSize: maxHeaderBytes,
      // How often slow requests are looked for: a quarter of the shortest timeout (Node checks every 30 s).
      connectionsCheckingInterval: Math.max(500, Math.min(30_000, Math.min(timeouts.requestMs, timeouts.headersMs) / 4)),
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
    clientErrorHandler: answerClientError,
    // Handlers decode and check bodies themselves; no route declares a schema. Without compilers of its own,
    // fastify would load Ajv and fast-json-stringify on every start.
    schemaController: { compilersFactory: { buildValidator: noSchemaCompilers, buildSerializer: noSchemaCompilers } },
  });
  app.server.headersTimeout = Math.min(timeouts.headersMs, timeouts.requestMs);
  const authenticators = [clientCertificateAuthenticator, ...(options.authenticators ?? [])];
  const anyonePaths = new Set([...publicPaths, ...(options.publicPaths ?? [])]);

  const filters = options.requestFilters ?? [];
  const accept = (request: FastifyRequest, user: UserInfo | undefined): void => {
    if (user) request.user = user;
    else if (options.anonymousAuth) request.user = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
    else if (!anyonePaths.has(pathOf(request))) throw errors.unauthorized();
  };
  const runFilters = (request: FastifyRequest, reply: FastifyReply, from: number): void | Promise<void> => {
    for (let i = from; i < filters.length; i++) {
      const result = filters[i]!(request, reply);
      if (isPromise(result)) return result.then(() => runFilters(request, reply, i + 1));
    }
  };
  // Callback-style hooks that stay synchronous while authentication and the filters are (a client
  // certificate, in-memory limits): no promise turns on the path of every request.
  app.addHook('onRequest', (request, reply, done) => {
    for (const observe of options.observers ?? []) observe(request, reply);
    // Refused before its body was read: read it first, or closing the connection on unread data
    // resets it and the client never sees the 401, 403 or 429.
    const refuse = (error: unknown) => void discardBody(request.raw).then(() => done(error as Error), () => done(error as Error));
    let pending: void | Promise<void>;
    try {
      const user = authenticate(request.raw, authenticators);
      if (isPromise(user)) {
        pending = user.then((found) => {
          accept(request, found);
          return runFilters(request, reply, 0);
        });
      } else {
        accept(request, user);
        pending = runFilters(request, reply, 0);
      }
    } catch (error) {
      refuse(error);
      return;
    }
    if (pending) pending.then(() => done(), refuse);
    else done();
  });
  // The same for answers given without reading the body (413 for a body over the limit).
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (request.raw.complete) done(null, payload);
    else discardBody(request.raw).then(() => done(null, payload), (error: Error) => done(error));
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

const maxHeaderBytes = 64 * 1024;

/**
 * A request the HTTP parser refused (malformed, headers too large, too slow): answered with a
 * Status, then the connection is closed after the client had a chance to read it (closing with
 * unread input would reset the connection and lose the answer).
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new StatusError(408, 'Timeout', 'the client did not send its request in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new StatusError(431, 'RequestHeaderFieldsTooLarge', `request headers are larger than ${maxHeaderBytes} bytes`)
        : errors.badRequest(`malformed HTTP request: ${error.message}`);
  const body = JSON.stringify(status.toStatus());
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status.code} ${STATUS_CODES[status.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.resume(); // drain what the client still sends
  setTimeout(() => socket.destroy(), 2000).unref();
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
      if (seen > 2 * maxRequestBodyBytes) done(); // past this, the connection is closed on it
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
