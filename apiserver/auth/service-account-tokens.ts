// Service-account tokens: JWTs k2 signs for a ServiceAccount (TokenRequest), bound to audiences, an
// expiry and optionally a Pod, Secret or Node whose deletion revokes them; and the legacy tokens kept
// in `kubernetes.io/service-account-token` Secrets, valid while that Secret exists. Claims, user
// names, groups and extra fields are Kubernetes' (pkg/serviceaccount).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { UserInfo } from '../authn.ts';
import type { ApiCore } from '../core.ts';
import type { KubeObject } from '../registry/types.ts';
import { SigningKey, verifyJwt } from './jwt.ts';
import type { TokenAuthenticator, TokenResult } from './token-authentication.ts';

export const serviceAccountUserPrefix = 'system:serviceaccount:';
export const legacyIssuer = 'kubernetes/serviceaccount';
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
/** What the node agent asks for; such pod-bound tokens are extended to a year (warned after this). */
export const warnOnlyExpirationSeconds = 3607;
const extendedExpirationSeconds = 365 * 24 * 3600;
/** An object deleted this long ago no longer backs a token (Kubernetes' grace for in-flight requests). */
const deletionGraceMs = 60_000;

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${serviceAccountUserPrefix}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

/** `system:serviceaccount:<ns>:<name>` → its namespace and name. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(serviceAccountUserPrefix)) return undefined;
  const [namespace, name, ...rest] = username.slice(serviceAccountUserPrefix.length).split(':');
  if (!namespace || !name || rest.length) return undefined;
  return { namespace, name };
}

export async function loadOrCreateSigningKey(path: string): Promise<{ key: SigningKey; created: boolean }> {
  try {
    return { key: SigningKey.fromPem(await readFile(path, 'utf8')), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the service-account signing key ${path}: ${(error as Error).message}`);
  }
  const key = SigningKey.generate();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, key.toPem(), { mode: 0o600 });
  return { key, created: true };
}

export interface ServiceAccountTokenOptions {
  /** The issuer of new tokens (first) and others still accepted. */
  issuers: string[];
  /** The audiences the API server itself accepts (--api-audiences). */
  apiAudiences: string[];
  /** Longer requests are shortened to this (--service-account-max-token-expiration). */
  maxExpirationSeconds?: number;
  /** Extend the node agent's 3607 s pod-bound tokens to a year, as Kubernetes does by default. */
  extendExpiration?: boolean;
}

export interface BoundObjects {
  pod?: KubeObject;
  secret?: KubeObject;
  node?: KubeObject;
}

export interface IssuedToken {
  token: string;
  /** When the token expires as far as its requester should plan (the requested duration). */
  expirationTimestamp: Date;
}

interface RefClaim {
  name?: unknown;
  uid?: unknown;
}

type Json = Record<string, unknown>;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function refClaim(object: KubeObject): { name: string; uid: string } {
  return { name: object.metadata.name!, uid: object.metadata.uid! };
}

export class ServiceAccountTokens implements TokenAuthenticator {
  readonly name = 'service-account';

  constructor(
    private readonly core: ApiCore,
    readonly key: SigningKey,
    readonly options: ServiceAccountTokenOptions,
  ) {}

  get issuer(): string {
    return this.options.issuers[0]!;
  }

  private object(plural: string, namespace: string | undefined, name: unknown): KubeObject | undefined {
    if (typeof name !== 'string' || !name) return undefined;
    return this.core.cache.get(this.core.storeFor('', plural).key(namespace, name))?.object;
  }

  /** A token for `serviceAccount`, valid for `audiences` and `expirationSeconds`, revoked with the bound objects. */
  issue(serviceAccount: KubeObject, audiences: string[], expirationSeconds: number, bound: BoundObjects = {}): IssuedToken {
    const now = nowSeconds();
    let lifetime = expirationSeconds;
    const namespace = serviceAccount.metadata.namespace!;
    const claims: Json = {
      aud: audiences,
      iat: now,
      nbf: now,
      iss: this.issuer,
      jti: randomUUID(),
      sub: serviceAccountUsername(namespace, serviceAccount.metadata.name!),
    };
    const kubernetes: Json = { namespace, serviceaccount: refClaim(serviceAccount) };
    if (bound.pod) kubernetes.pod = refClaim(bound.pod);
    if (bound.secret) kubernetes.secret = refClaim(bound.secret);
    if (bound.node) kubernetes.node = refClaim(bound.node);
    if (this.options.extendExpiration && bound.pod && expirationSeconds === warnOnlyExpirationSeconds) {
      kubernetes.warnafter = now + expirationSeconds;
      lifetime = extendedExpirationSeconds;
    }
    claims.exp = now + lifetime;
    claims['kubernetes.io'] = kubernetes;
    return { token: this.key.sign(claims), expirationTimestamp: new Date((now + expirationSeconds) * 1000) };
  }

  /** A legacy (non-expiring) token stored in the Secret it names. */
  issueLegacy(serviceAccount: KubeObject, secretName: string): string {
    const namespace = serviceAccount.metadata.namespace!;
    return this.key.sign({
      iss: legacyIssuer,
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': serviceAccount.metadata.name,
      'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.metadata.uid,
      sub: serviceAccountUsername(namespace, serviceAccount.metadata.name!),
    });
  }

  /** Kubernetes' rule: deleted objects (and ones whose deletion started over a minute ago) revoke tokens. */
  private alive(object: KubeObject | undefined, uid: unknown, what: string, name: unknown): string | undefined {
    if (!object) return `${what} "${name}" not found`;
    if (typeof uid === 'string' && object.metadata.uid !== uid) return `${what} UID (${object.metadata.uid}) does not match claim (${uid})`;
    const deletion = object.metadata.deletionTimestamp;
    if (deletion && Date.parse(deletion) < Date.now() - deletionGraceMs) return `${what} "${name}" is being deleted`;
    return undefined;
  }

  authenticateToken(token: string, audiences: string[]): TokenResult | undefined {
    const claims = verifyJwt(token, [this.key]);
    if (!claims) return undefined;
    if (claims.iss === legacyIssuer) return this.legacy(token, claims, audiences);
    if (typeof claims.iss !== 'string' || !this.options.issuers.includes(claims.iss)) return undefined;

    const tokenAudiences = Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : typeof claims.aud === 'string' ? [claims.aud] : [];
    const accepted = audiences.filter((audience) => tokenAudiences.includes(audience));
    if (!accepted.length) return { error: `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    const now = nowSeconds();
    if (typeof claims.exp !== 'number' || claims.exp <= now) return { error: 'service account token has expired' };
    if (typeof claims.nbf === 'number' && claims.nbf > now + 60) return { error: 'service account token is not valid yet' };

    const k8s = (claims['kubernetes.io'] ?? {}) as Json;
    const namespace = typeof k8s.namespace === 'string' ? k8s.namespace : '';
    const sa = (k8s.serviceaccount ?? {}) as RefClaim;
    if (!namespace || typeof sa.name !== 'string' || claims.sub !== serviceAccountUsername(namespace, sa.name)) return { error: 'service account token claims are malformed' };
    const account = this.object('serviceaccounts', namespace, sa.name);
    const problem = this.alive(account, sa.uid, 'service account', sa.name);
    if (problem) return { error: problem };

    const extra: Record<string, string[]> = {};
    for (const [kind, plural] of [['pod', 'pods'], ['secret', 'secrets'], ['node', 'nodes']] as const) {
      const ref = k8s[kind] as RefClaim | undefined;
      if (!ref) continue;
      if (kind === 'node') {
        // Next to a pod the node only informs (where the pod ran); a token bound to a node needs it.
        if (!k8s.pod) {
          const nodeProblem = this.alive(this.object('nodes', undefined, ref.name), ref.uid, 'node', ref.name);
          if (nodeProblem) return { error: nodeProblem };
        }
        extra['authentication.kubernetes.io/node-name'] = [String(ref.name)];
        extra['authentication.kubernetes.io/node-uid'] = [String(ref.uid)];
        continue;
      }
      const boundProblem = this.alive(this.object(plural, namespace, ref.name), ref.uid, kind, ref.name);
      if (boundProblem) return { error: boundProblem };
      if (kind === 'pod') {
        extra['authentication.kubernetes.io/pod-name'] = [String(ref.name)];
        extra['authentication.kubernetes.io/pod-uid'] = [String(ref.uid)];
      }
    }
    if (typeof claims.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    const user: UserInfo = { username: claims.sub, uid: account!.metadata.uid, groups: serviceAccountGroups(namespace), extra };
    return { user, audiences: accepted };
  }

  private legacy(token: string, claims: Json, audiences: string[]): TokenResult {
    const namespace = claims['kubernetes.io/serviceaccount/namespace'];
    const secretName = claims['kubernetes.io/serviceaccount/secret.name'];
    const accountName = claims['kubernetes.io/serviceaccount/service-account.name'];
    const accountUid = claims['kubernetes.io/serviceaccount/service-account.uid'];
    if (typeof namespace !== 'string' || typeof accountName !== 'string' || claims.sub !== serviceAccountUsername(namespace, accountName)) {
      return { error: 'service account token claims are malformed' };
    }
    // Legacy tokens were only ever meant for the API server itself.
    const accepted = audiences.filter((audience) => this.options.apiAudiences.includes(audience));
    if (!accepted.length) return { error: `token audiences ${JSON.stringify(this.options.apiAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}` };
    const secret = this.object('secrets', namespace, secretName);
    const secretProblem = this.alive(secret, undefined, 'secret', secretName);
    if (secretProblem) return { error: secretProblem };
    const stored = Buffer.from(String((secret!.data as Json | undefined)?.token ?? ''), 'base64');
    const presented = Buffer.from(token);
    if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return { error: 'token does not match the one in its secret' };
    if (secret!.metadata.annotations?.['kubernetes.io/service-account.name'] !== accountName) return { error: 'the secret no longer belongs to the service account' };
    const account = this.object('serviceaccounts', namespace, accountName);
    const problem = this.alive(account, accountUid, 'service account', accountName);
    if (problem) return { error: problem };
    const extra = { 'authentication.kubernetes.io/credential-id': [`secret=${secretName}`] } as Record<string, string[]>;
    return { user: { username: claims.sub, uid: account!.metadata.uid, groups: serviceAccountGroups(namespace), extra }, audiences: accepted };
  }

  /** The OpenID provider configuration of service-account issuer discovery. */
  openIdConfiguration(jwksUri: string): Json {
    return {
      issuer: this.issuer,
      jwks_uri: jwksUri,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    };
  }

  jwks(): Json {
    return { keys: [this.key.jwk()] };
  }
}
