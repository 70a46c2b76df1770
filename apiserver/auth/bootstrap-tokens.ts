// Bootstrap tokens (`abcdef.0123456789abcdef`) for joining agents, as Kubernetes defines them: a
// Secret `bootstrap-token-<id>` of type bootstrap.kubernetes.io/token in kube-system holds the
// secret half, its expiry and its usages; the token authenticates as `system:bootstrap:<id>` in
// `system:bootstrappers` (plus the Secret's auth-extra-groups). `k2 token create` writes them.
import { timingSafeEqual } from 'node:crypto';
import type { ApiCore } from '../core.ts';
import type { KubeObject } from '../registry/types.ts';
import { audienceAgnostic, type TokenAuthenticator, type TokenResult } from './token-authentication.ts';

export const bootstrapTokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token';
export const bootstrapTokenSecretPrefix = 'bootstrap-token-';
export const bootstrappersGroup = 'system:bootstrappers';
const extraGroupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

function dataValue(secret: KubeObject, key: string): string | undefined {
  const value = (secret.data as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

/** The Secret kube-system/bootstrap-token-<id> for a new token (`k2 token create` writes this). */
export function bootstrapTokenSecret(id: string, secret: string, options: { expiration?: Date; extraGroups?: string[]; description?: string } = {}): KubeObject {
  const data: Record<string, string> = { 'token-id': id, 'token-secret': secret, 'usage-bootstrap-authentication': 'true', 'usage-bootstrap-signing': 'true' };
  if (options.expiration) data.expiration = options.expiration.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (options.extraGroups?.length) data['auth-extra-groups'] = options.extraGroups.join(',');
  if (options.description) data.description = options.description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: bootstrapTokenSecretType,
    metadata: { name: `${bootstrapTokenSecretPrefix}${id}`, namespace: 'kube-system' },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

export class BootstrapTokenAuthenticator implements TokenAuthenticator {
  readonly name = 'bootstrap-token';

  constructor(
    private readonly core: ApiCore,
    private readonly apiAudiences: string[],
  ) {}

  authenticateToken(token: string, audiences: string[]): TokenResult | undefined {
    const match = bootstrapTokenPattern.exec(token);
    if (!match) return undefined;
    const [, id, secretPart] = match as unknown as [string, string, string];
    const refuse = { error: 'invalid bootstrap token' };
    const secret = this.core.cache.get(this.core.storeFor('', 'secrets').key('kube-system', `${bootstrapTokenSecretPrefix}${id}`))?.object;
    if (!secret || secret.type !== bootstrapTokenSecretType || secret.metadata.deletionTimestamp) return refuse;
    const stored = Buffer.from(dataValue(secret, 'token-secret') ?? '');
    const presented = Buffer.from(secretPart);
    if (dataValue(secret, 'token-id') !== id || stored.length !== presented.length || !timingSafeEqual(stored, presented)) return refuse;
    if (dataValue(secret, 'usage-bootstrap-authentication') !== 'true') return refuse;
    const expiration = dataValue(secret, 'expiration');
    if (expiration !== undefined && !(Date.parse(expiration) > Date.now())) return { error: 'bootstrap token has expired' };
    const extra = (dataValue(secret, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    if (extra.some((group) => !extraGroupPattern.test(group))) return refuse;
    return audienceAgnostic(this.apiAudiences, audiences, { username: `system:bootstrap:${id}`, groups: [bootstrappersGroup, ...extra] });
  }
}
