// The OpenAPI endpoints, negotiated and cached as kube-openapi serves them:
//   GET /openapi/v2             gnostic protobuf or JSON by Accept, ETag, gzip
//   GET /swagger-2.0.0.pb-v1    the protobuf form under its pre-1.14 path
//   GET /openapi/v3             the group versions with their current `?hash=` URLs
//   GET /openapi/v3/<gv>        one group version; with the current hash immutable for a year,
//                               with an old one a 301 to the current URL
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../status.ts';
import type { OpenApiPublisher, PublishedDocument } from './publisher.ts';

export const openApiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const v2ProtobufSubtypes = ['com.github.proto-openapi.spec.v2.v1.0+protobuf', 'com.github.proto-openapi.spec.v2@v1.0+protobuf'];

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  /** Position in the header, for a stable order among equals. */
  index: number;
}

/** Accept's media ranges, best first (by q, then specificity), as goautoneg orders them. */
function parseAccept(header: string | undefined): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const [index, part] of (header || '*/*').split(',').entries()) {
    const [mediaType = '', ...parameters] = part.split(';').map((p) => p.trim());
    const slash = mediaType.indexOf('/');
    if (slash < 0) continue;
    const qParameter = parameters.find((p) => p.startsWith('q='));
    const q = qParameter ? Number(qParameter.slice(2)) : 1;
    if (!(q > 0)) continue;
    ranges.push({ type: mediaType.slice(0, slash), subtype: mediaType.slice(slash + 1), q, index });
  }
  const specificity = (r: MediaRange) => (r.type === '*' ? 0 : r.subtype === '*' ? 1 : 2);
  return ranges.sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.index - b.index);
}

/** The first offered `application/<subtype>` the Accept header allows, or undefined (406). */
function negotiate(accept: string | undefined, offered: string[]): string | undefined {
  for (const range of parseAccept(accept)) {
    for (const subtype of offered) {
      if ((range.type === 'application' || range.type === '*') && (range.subtype === subtype || range.subtype === '*')) return subtype;
    }
  }
  return undefined;
}

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...parameters] = part.split(';').map((p) => p.trim());
    const q = parameters.find((p) => p.startsWith('q='));
    return coding === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

function send(request: FastifyRequest, reply: FastifyReply, document: PublishedDocument, contentType: string): FastifyReply {
  reply.header('ETag', document.etag).header('Vary', 'Accept, Accept-Encoding');
  const ifNoneMatch = request.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((tag) => tag.trim() === document.etag || tag.trim() === '*')) {
    return reply.code(304).send();
  }
  reply.type(contentType);
  if (acceptsGzip(request)) return reply.header('Content-Encoding', 'gzip').send(document.gzipped);
  return reply.send(document.body);
}

function notAcceptable(reply: FastifyReply): FastifyReply {
  return reply.code(406).type('application/json').send(errors.notAcceptable('only application/json and the OpenAPI protobuf form are served').toStatus());
}

export function registerOpenApiRoutes(app: FastifyInstance, publisher: OpenApiPublisher): void {
  const serveV2 = (request: FastifyRequest, reply: FastifyReply, offered: string[]) => {
    const chosen = negotiate(request.headers.accept, offered);
    if (!chosen) return notAcceptable(reply);
    if (chosen === 'json') return send(request, reply, publisher.v2Json(), 'application/json');
    return send(request, reply, publisher.v2Protobuf(), openApiV2ProtobufType);
  };
  app.get('/openapi/v2', (request, reply) => serveV2(request, reply, ['json', ...v2ProtobufSubtypes]));
  app.get('/swagger-2.0.0.pb-v1', (request, reply) => serveV2(request, reply, v2ProtobufSubtypes));

  app.get('/openapi/v3', (request, reply) => send(request, reply, publisher.v3Root(), 'application/json'));
  app.get('/openapi/v3/*', (request, reply) => {
    const key = (request.params as { '*': string })['*'].replace(/\/+$/, '');
    const document = publisher.v3(key);
    if (!document) return reply.code(404).type('application/json').send(errors.routeNotFound().toStatus());
    if (!negotiate(request.headers.accept, ['json'])) return notAcceptable(reply);
    const hash = (request.query as { hash?: string }).hash;
    if (hash !== undefined && hash !== '') {
      if (hash !== document.hash) {
        return reply.code(301).header('Location', `/openapi/v3/${key}?hash=${document.hash}`).send();
      }
      reply.header('Cache-Control', 'public, immutable').header('Expires', new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString());
    } else {
      reply.header('Cache-Control', 'no-cache, private');
    }
    return send(request, reply, document, 'application/json');
  });
}
