// The audit log (--audit-log-path): one audit.k8s.io/v1 Event per JSON line for each stage of each
// request, as kube-apiserver's log backend writes them — who (user, impersonated user, source IPs,
// user agent), what (verb, URI, objectRef), the outcome (responseStatus) and, at Request and
// RequestResponse level, the bodies. Files rotate by size; writes are synchronous so that memory
// stays bounded whatever the request rate.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { UserInfo } from '../authn.ts';
import { decodeObjectBody } from '../handlers/content.ts';
import { parseRequestPath, type RequestInfo } from '../handlers/request-info.ts';
import { pathOf, type RequestObserver } from '../http-server.ts';
import { microTimestamp } from '../registry/object-meta.ts';
import { auditLevelFor, type AuditLevel, type AuditPolicy, type AuditStage } from './audit-policy.ts';

export interface AuditLogOptions {
  /** A file, or `-` for standard output. */
  path: string;
  policy: AuditPolicy;
  /** Rotate when the file passes this many megabytes (0: never). */
  maxSizeMb: number;
  /** Rotated files kept (0: all). */
  maxBackups: number;
  log: Logger;
}

interface AuditRecord {
  id: string;
  received: Date;
  level: AuditLevel;
  omitStages: Set<AuditStage>;
  info?: RequestInfo;
  verb: string;
  responseBody?: string;
  /** Annotations added while the request is served (admission webhooks). */
  annotations?: Record<string, string>;
  /** The policy has been applied (once the user is known). */
  decided: boolean;
  done: boolean;
}

const records = new WeakMap<FastifyRequest, AuditRecord>();

/** Adds an annotation to the audit events of `request` still to be written (kube-apiserver's AddAuditAnnotation). */
export function addAuditAnnotation(request: FastifyRequest, key: string, value: string): void {
  const record = records.get(request);
  if (record) record.annotations = { ...record.annotations, [key]: value };
}

const maxBodyBytes = 1024 * 1024;

function requestInfo(request: FastifyRequest): RequestInfo | undefined {
  try {
    return parseRequestPath(pathOf(request));
  } catch {
    return undefined;
  }
}

/** Kubernetes' verb for a request (get, list, watch, create, …; lowercased method for other paths). */
export function auditVerb(method: string, info: RequestInfo | undefined, query: Record<string, unknown>): string {
  const lower = method.toLowerCase();
  if (!info?.resource) return lower === 'head' ? 'get' : lower;
  const watch = info.legacyWatch || query.watch === 'true' || query.watch === '1';
  switch (method) {
    case 'GET':
    case 'HEAD':
      return info.name ? 'get' : watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return info.name ? 'delete' : 'deletecollection';
    default:
      return lower;
  }
}

function userJson(user: UserInfo | undefined): Record<string, unknown> {
  if (!user) return { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  const json: Record<string, unknown> = { username: user.username, groups: user.groups };
  if (user.uid) json.uid = user.uid;
  if (user.extra && Object.keys(user.extra).length) json.extra = user.extra;
  return json;
}

function objectRef(info: RequestInfo | undefined): Record<string, unknown> | undefined {
  if (!info?.resource) return undefined;
  const ref: Record<string, unknown> = { resource: info.resource };
  if (info.namespace) ref.namespace = info.namespace;
  if (info.name) ref.name = info.name;
  if (info.group) ref.apiGroup = info.group;
  ref.apiVersion = info.version;
  if (info.subresource) ref.subresource = info.subresource;
  return ref;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export class AuditLog {
  private fd: number | undefined;
  private size = 0;

  constructor(private readonly options: AuditLogOptions) {
    if (options.path !== '-') this.open();
  }

  private open(): void {
    this.fd = openSync(this.options.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    const { path, maxBackups } = this.options;
    const extension = extname(path);
    const stem = basename(path, extension);
    const stamp = new Date().toISOString().replace(/:/g, '-');
    let target = join(dirname(path), `${stem}-${stamp}${extension}`);
    for (let n = 1; existsSync(target); n++) target = join(dirname(path), `${stem}-${stamp}.${n}${extension}`);
    renameSync(path, target);
    if (maxBackups > 0) {
      const backups = readdirSync(dirname(path))
        .filter((f) => f.startsWith(`${stem}-`) && f.endsWith(extension))
        .sort();
      for (const old of backups.slice(0, Math.max(0, backups.length - maxBackups))) rmSync(join(dirname(path), old), { force: true });
    }
    this.open();
  }

  private write(event: Record<string, unknown>): void {
    const line = `${JSON.stringify(event)}\n`;
    try {
      if (this.fd === undefined) {
        process.stdout.write(line);
        return;
      }
      this.size += writeSync(this.fd, line);
      if (this.options.maxSizeMb > 0 && this.size > this.options.maxSizeMb * 1024 * 1024) this.rotate();
    } catch (error) {
      this.options.log.error({ err: error, path: this.options.path }, 'cannot write the audit log');
    }
  }

  private event(record: AuditRecord, request: FastifyRequest, stage: AuditStage, reply?: FastifyReply): void {
    if (record.level === 'None' || record.omitStages.has(stage)) return;
    const event: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: record.level,
      auditID: record.id,
      stage,
      requestURI: request.url,
      verb: record.verb,
      user: userJson(request.impersonator ?? request.user),
    };
    if (request.impersonator) event.impersonatedUser = userJson(request.user);
    event.sourceIPs = [request.ip];
    if (request.headers['user-agent']) event.userAgent = request.headers['user-agent'];
    const ref = objectRef(record.info);
    if (ref) event.objectRef = ref;
    if (reply && stage !== 'RequestReceived') {
      const code = reply.raw.statusCode;
      const status: Record<string, unknown> = { metadata: {}, code };
      if (code >= 400) {
        const body = parseJson(record.responseBody) as Record<string, unknown> | undefined;
        if (body?.kind === 'Status') Object.assign(status, { status: body.status, message: body.message, reason: body.reason, details: body.details, code });
        else status.status = 'Failure';
      }
      event.responseStatus = status;
    }
    if (record.level === 'Request' || record.level === 'RequestResponse') {
      const body = request.body;
      if (Buffer.isBuffer(body) && body.length && body.length <= maxBodyBytes) {
        try {
          // JSON, YAML or protobuf (kubectl 1.32+), as the handler read it.
          event.requestObject = decodeObjectBody(request.headers['content-type'], body);
        } catch {
          // not an object body (a patch of another type, or malformed): only its metadata is logged
          const parsed = parseJson(body.toString('utf8'));
          if (parsed !== undefined) event.requestObject = parsed;
        }
      }
    }
    if (record.level === 'RequestResponse' && stage === 'ResponseComplete') {
      const parsed = parseJson(record.responseBody);
      if (parsed !== undefined) event.responseObject = parsed;
    }
    event.requestReceivedTimestamp = microTimestamp(record.received);
    event.stageTimestamp = microTimestamp();
    if (reply && stage !== 'RequestReceived') {
      event.annotations = { 'authorization.k8s.io/decision': reply.raw.statusCode === 403 ? 'forbid' : 'allow', ...record.annotations };
    }
    this.write(event);
  }

  /** Gives every request its audit ID (echoed in the Audit-ID header) and logs its completion. */
  readonly observer: RequestObserver = (request, reply) => {
    const incoming = request.headers['audit-id'];
    const id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    const info = requestInfo(request);
    const record: AuditRecord = {
      id,
      received: new Date(),
      level: 'None',
      omitStages: new Set(),
      info,
      verb: auditVerb(request.method, info, request.query as Record<string, unknown>),
      decided: false,
      done: false,
    };
    records.set(request, record);
    reply.header('Audit-ID', id);
    const finish = () => {
      if (record.done) return;
      record.done = true;
      // Requests refused before routing (401, 403, 429) are decided only now.
      if (!record.decided) this.decide(request, record);
      this.event(record, request, 'ResponseComplete', reply);
    };
    reply.raw.once('finish', finish);
    reply.raw.once('close', finish);
  };

  private decide(request: FastifyRequest, record: AuditRecord): void {
    Object.assign(record, auditLevelFor(this.options.policy, { user: request.impersonator ?? request.user, verb: record.verb, path: pathOf(request), info: record.info }));
    record.decided = true;
  }

  /** RequestReceived once the user is known; long-running requests also get ResponseStarted. */
  register(app: FastifyInstance): void {
    app.addHook('preHandler', async (request, reply) => {
      const record = records.get(request);
      if (!record) return;
      this.decide(request, record);
      this.event(record, request, 'RequestReceived');
      if (record.verb === 'watch' || ['exec', 'attach', 'portforward'].includes(record.info?.subresource ?? '')) this.event(record, request, 'ResponseStarted', reply);
    });
    app.addHook('onSend', async (request, reply, payload) => {
      const record = records.get(request);
      if (record && record.level !== 'None' && (reply.statusCode >= 400 || record.level === 'RequestResponse')) {
        if (typeof payload === 'string' && payload.length <= maxBodyBytes) record.responseBody = payload;
        else if (Buffer.isBuffer(payload) && payload.length <= maxBodyBytes) record.responseBody = payload.toString('utf8');
      }
      return payload;
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
