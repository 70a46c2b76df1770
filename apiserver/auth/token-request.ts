// The token APIs: TokenRequest (`POST …/serviceaccounts/<name>/token`, what `kubectl create token`
// and the node agent call), TokenReview (is this token valid, and whose is it?), and service-account
// issuer discovery (`/.well-known/openid-configuration`, `/openid/v1/jwks`) for outside verifiers.
import type { FastifyInstance } from 'fastify';
import type { UserInfo } from '../authn.ts';
import type { ApiCore } from '../core.ts';
import { decodeObjectBody } from '../handlers/content.ts';
import { sendJson } from '../handlers/output.ts';
import type { ResourceHandlers, ResourceRequest } from '../handlers/resources.ts';
import { timestamp } from '../registry/object-meta.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors, StatusError } from '../status.ts';
import { checkNodeTokenRequest } from './node-authorizer.ts';
import type { ServiceAccountTokens, BoundObjects } from './service-account-tokens.ts';
import type { BearerTokenAuthentication } from './token-authentication.ts';

type Json = Record<string, any>;

const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;
const defaultExpirationSeconds = 3600;
/** What a token may be bound to. */
const boundKinds = new Map([
  ['Pod', 'pods'],
  ['Secret', 'secrets'],
  ['Node', 'nodes'],
]);

function requestBody(context: ResourceRequest): Json {
  const object = decodeObjectBody(context.request.headers['content-type'], context.request.body as Buffer | undefined) as Json;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw errors.badRequest(`Object '${context.served.description.kind}' is not a JSON object`);
  return object;
}

function invalid(kind: string, field: string, value: unknown, detail: string): StatusError {
  return errors.invalid(kind, 'authentication.k8s.io', '', [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${detail}` }]);
}

/** A TokenRequest's spec, as the API and the in-process node agent give it. */
export interface TokenRequestSpec {
  audiences?: unknown;
  expirationSeconds?: unknown;
  boundObjectRef?: Json | null;
}

/**
 * TokenRequest for `namespace/name` on behalf of `user` (already authorized to create the
 * token subresource): validation, the bound object, NodeRestriction, and the issued token.
 */
export async function issueTokenRequest(core: ApiCore, tokens: ServiceAccountTokens, apiAudiences: string[], user: UserInfo, namespace: string, name: string, spec: TokenRequestSpec): Promise<Json> {
  const find = (plural: string, ns: string | undefined, objectName: string): KubeObject | undefined => core.cache.get(core.storeFor('', plural).key(ns, objectName))?.object;
  const expirationSeconds = spec.expirationSeconds ?? defaultExpirationSeconds;
  if (typeof expirationSeconds !== 'number' || !Number.isInteger(expirationSeconds)) throw invalid('TokenRequest', 'spec.expirationSeconds', expirationSeconds, 'must be an integer');
  if (expirationSeconds < minExpirationSeconds) throw invalid('TokenRequest', 'spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes');
  if (expirationSeconds > maxExpirationSeconds) throw invalid('TokenRequest', 'spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds');
  const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.filter((a: unknown): a is string => typeof a === 'string') : apiAudiences;

  await core.cache.sync();
  const account = find('serviceaccounts', namespace, name);
  if (!account) throw errors.notFound('serviceaccounts', '', name);

  const ref = spec.boundObjectRef;
  const bound: BoundObjects = {};
  if (ref) {
    if (typeof ref !== 'object' || Array.isArray(ref)) throw errors.badRequest('spec.boundObjectRef must be an object');
    if (ref.apiVersion !== undefined && ref.apiVersion !== 'v1') throw errors.badRequest(`cannot bind token to object of type ${ref.apiVersion}, Kind=${ref.kind}`);
    const plural = boundKinds.get(ref.kind);
    if (!plural) throw errors.badRequest(`cannot bind token to object of type /${ref.apiVersion ?? 'v1'}, Kind=${ref.kind}`);
    const object = find(plural, plural === 'nodes' ? undefined : namespace, String(ref.name ?? ''));
    if (!object) throw errors.notFound(plural, '', String(ref.name ?? ''));
    if (ref.uid && ref.uid !== object.metadata.uid) {
      throw errors.conflict(ref.kind, '', String(ref.name), `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (ref.kind === 'Pod') {
      const podSpec = (object.spec ?? {}) as Json;
      if (podSpec.serviceAccountName !== name) throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      bound.pod = object;
      if (podSpec.nodeName) bound.node = find('nodes', undefined, podSpec.nodeName);
    } else if (ref.kind === 'Secret') bound.secret = object;
    else bound.node = object;
  }
  checkNodeTokenRequest(user, name, bound);

  const max = tokens.options.maxExpirationSeconds;
  const granted = max && expirationSeconds > max ? max : expirationSeconds;
  const issued = tokens.issue(account, audiences, granted, bound);
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: granted, boundObjectRef: ref ?? null },
    status: { token: issued.token, expirationTimestamp: timestamp(issued.expirationTimestamp) },
  };
}

export function registerTokenHandlers(core: ApiCore, handlers: ResourceHandlers, tokens: ServiceAccountTokens, authentication: BearerTokenAuthentication): void {
  handlers.addHandler('', 'serviceaccounts', 'token', 'POST', async (context) => {
    const body = requestBody(context);
    const spec: Json = typeof body.spec === 'object' && body.spec !== null && !Array.isArray(body.spec) ? body.spec : {};
    return sendJson(context.reply, 201, await issueTokenRequest(core, tokens, authentication.apiAudiences, context.user, context.info.namespace!, context.info.name!, spec));
  });

  handlers.addHandler('authentication.k8s.io', 'tokenreviews', '', 'POST', async (context) => {
    const body = requestBody(context);
    const spec: Json = typeof body.spec === 'object' && body.spec !== null ? body.spec : {};
    if (typeof spec.token !== 'string' || !spec.token) throw errors.badRequest('token is required for TokenReview in authentication');
    const wanted: string[] = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.filter((a: unknown) => typeof a === 'string') : authentication.apiAudiences;
    const result = await authentication.review(spec.token, wanted);
    const status: Json =
      'user' in result
        ? {
            authenticated: true,
            user: {
              username: result.user.username,
              ...(result.user.uid ? { uid: result.user.uid } : {}),
              groups: result.user.groups,
              ...(result.user.extra && Object.keys(result.user.extra).length ? { extra: result.user.extra } : {}),
            },
            audiences: result.audiences,
          }
        : { user: {}, error: result.error };
    return sendJson(context.reply, 201, {
      kind: 'TokenReview',
      apiVersion: `authentication.k8s.io/${context.served.version}`,
      metadata: { ...(typeof body.metadata === 'object' && body.metadata !== null && !Array.isArray(body.metadata) ? body.metadata : {}), creationTimestamp: null },
      spec: body.spec,
      status,
    });
  });
}

/** Service-account issuer discovery, which RBAC grants to system:serviceaccounts by default. */
export function registerIssuerDiscovery(app: FastifyInstance, tokens: ServiceAccountTokens, jwksUri: string): void {
  const configuration = JSON.stringify(tokens.openIdConfiguration(jwksUri));
  const jwks = JSON.stringify(tokens.jwks());
  app.get('/.well-known/openid-configuration', async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('application/json').send(configuration));
  app.get('/openid/v1/jwks', async (_request, reply) => reply.header('cache-control', 'public, max-age=3600').type('application/jwk-set+json').send(jwks));
}
