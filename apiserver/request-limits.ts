// Limits that keep hostile or runaway clients from exhausting the server: the number of requests
// in flight (429 with Retry-After, as kube-apiserver's --max-requests-inflight and
// --max-mutating-requests-inflight) and the number of open watches per user.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseRequestPath, type RequestInfo } from './handlers/request-info.ts';
import { pathOf, type RequestFilter } from './http-server.ts';
import { errors } from './status.ts';

export interface RequestLimits {
  /** Read requests in flight at once (long-running ones excluded); 0 = unlimited. */
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  /** Watches one user may hold open at once; 0 = unlimited. */
  maxWatchesPerUser: number;
}

export const defaultRequestLimits: RequestLimits = { maxRequestsInflight: 400, maxMutatingRequestsInflight: 200, maxWatchesPerUser: 200 };

const longRunningSubresources = new Set(['exec', 'attach', 'portforward', 'proxy']);

function isWatch(request: FastifyRequest, info: RequestInfo | undefined): boolean {
  if (!info?.resource || request.method !== 'GET') return false;
  if (info.legacyWatch) return true;
  const watch = (request.query as Record<string, unknown>).watch;
  const value = Array.isArray(watch) ? watch[watch.length - 1] : watch;
  return value === 'true' || value === '1';
}

/** Watches, streams and follows: they hold a slot for minutes and are limited separately. */
function isLongRunning(request: FastifyRequest, info: RequestInfo | undefined): boolean {
  if (isWatch(request, info)) return true;
  if (info?.subresource && longRunningSubresources.has(info.subresource)) return true;
  if (info?.subresource === 'log') {
    const follow = (request.query as Record<string, unknown>).follow;
    return follow === 'true' || follow === '1';
  }
  return false;
}

function requestInfoOf(request: FastifyRequest): RequestInfo | undefined {
  try {
    return parseRequestPath(pathOf(request));
  } catch {
    return undefined; // a malformed path is answered by the router
  }
}

/** Releases a slot once, when the response ends or the connection drops. */
function onDone(reply: FastifyReply, release: () => void, options: { atEnd?: boolean } = {}): void {
  let released = false;
  const once = () => {
    if (released) return;
    released = true;
    release();
  };
  // `atEnd`: as the server ends the response ('prefinish'). A watch client that has read the end may open its next
  // watch before the last write's completion ('finish') is seen here, and must find its slot free.
  if (options.atEnd) reply.raw.once('prefinish', once);
  reply.raw.once('finish', once);
  reply.raw.once('close', once);
}

/** Bodies above this size draw on a shared budget, so a burst of multi-megabyte requests cannot exhaust memory. */
const largeBodyBytes = 256 * 1024;
const largeBodyBudgetBytes = 16 * 1024 * 1024;

/** The bytes a request body will take (a chunked one is assumed large). */
function bodyBytes(request: FastifyRequest): number {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) || 0;
  return request.headers['transfer-encoding'] ? 1024 * 1024 : 0;
}

export function requestLimitsFilter(limits: RequestLimits): RequestFilter {
  let readers = 0;
  let writers = 0;
  let largeBodies = 0;
  const watches = new Map<string, number>();
  return (request, reply) => {
    const bytes = bodyBytes(request);
    if (bytes > largeBodyBytes) {
      if (largeBodies + bytes > largeBodyBudgetBytes) throw errors.tooManyRequests('Too many large requests, please try again later.', 1);
      largeBodies += bytes;
      onDone(reply, () => (largeBodies -= bytes));
    }
    const info = requestInfoOf(request);
    if (isWatch(request, info) && limits.maxWatchesPerUser > 0) {
      const user = request.user?.username ?? '';
      const open = watches.get(user) ?? 0;
      if (open >= limits.maxWatchesPerUser) throw errors.tooManyRequests(`too many watches are open for user "${user}" (at most ${limits.maxWatchesPerUser}); close some and retry`, 1);
      watches.set(user, open + 1);
      onDone(
        reply,
        () => {
          const left = (watches.get(user) ?? 1) - 1;
          if (left > 0) watches.set(user, left);
          else watches.delete(user);
        },
        { atEnd: true },
      );
      return;
    }
    if (isLongRunning(request, info)) return;
    const mutating = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
    const limit = mutating ? limits.maxMutatingRequestsInflight : limits.maxRequestsInflight;
    if (limit <= 0) return;
    if ((mutating ? writers : readers) >= limit) throw errors.tooManyRequests('Too many requests, please try again later.', 1);
    if (mutating) writers++;
    else readers++;
    onDone(reply, () => (mutating ? writers-- : readers--));
  };
}
