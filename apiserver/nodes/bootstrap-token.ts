// Bootstrap (join) tokens, the Kubernetes way: `<id>.<secret>` ([a-z0-9]{6}.[a-z0-9]{16}) stored as a Secret
// `bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token` in kube-system, with an expiration. `k2 token
// create` prints it k3s-style with the hash of the cluster CA in front (`K10<sha256 of ca.crt>::<id>.<secret>`),
// so that a joining agent can check it talks to the right server before it sends the secret.
import { createHash, randomInt } from 'node:crypto';
import type { ApiCore } from '../core.ts';
import type { KubeObject } from '../registry/types.ts';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const bootstrapTokenType = 'bootstrap.kubernetes.io/token';

export interface JoinToken {
  id: string;
  secret: string;
  /** sha256 (hex) of the cluster CA's PEM, when the token names it. */
  caHash?: string;
}

function randomString(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[randomInt(alphabet.length)];
  return text;
}

export function newJoinToken(): JoinToken {
  return { id: randomString(6), secret: randomString(16) };
}

export function caHash(caPem: string): string {
  return createHash('sha256').update(caPem).digest('hex');
}

/** `K10<ca hash>::<id>.<secret>` (with the CA) or `<id>.<secret>`. */
export function formatJoinToken(token: JoinToken): string {
  return token.caHash ? `K10${token.caHash}::${token.id}.${token.secret}` : `${token.id}.${token.secret}`;
}

/** Parses either form; k3s' `K10<hash>::server:<secret>` form is not a bootstrap token and is refused. */
export function parseJoinToken(text: string): JoinToken {
  const trimmed = text.trim();
  const secure = /^K10([0-9a-f]{64})::(.+)$/.exec(trimmed);
  const plain = secure ? secure[2]! : trimmed;
  const match = tokenPattern.exec(plain);
  if (!match) throw new Error('invalid token: want <id>.<secret> (6 and 16 lower-case letters or digits) or K10<ca hash>::<id>.<secret>, as `k2 token create` prints');
  return { id: match[1]!, secret: match[2]!, caHash: secure?.[1] };
}

/** The Secret that makes a token valid. */
export function bootstrapTokenSecret(token: JoinToken, options: { ttlSeconds: number; description?: string; now?: Date }): KubeObject {
  const data: Record<string, string> = {
    'token-id': token.id,
    'token-secret': token.secret,
    'usage-bootstrap-authentication': 'true',
    'usage-bootstrap-signing': 'true',
    'auth-extra-groups': 'system:bootstrappers:k2:default-node-token',
  };
  if (options.ttlSeconds > 0) data.expiration = new Date((options.now ?? new Date()).getTime() + options.ttlSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  if (options.description) data.description = options.description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${token.id}`, namespace: 'kube-system' },
    type: bootstrapTokenType,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** Whether `<id>.<secret>` matches an unexpired bootstrap token Secret allowed for authentication. */
export async function validBootstrapToken(core: ApiCore, text: string, now = Date.now()): Promise<boolean> {
  let token: JoinToken;
  try {
    token = parseJoinToken(text);
  } catch {
    return false;
  }
  const secret = await core.storeFor('', 'secrets').find('kube-system', `bootstrap-token-${token.id}`);
  if (!secret || secret.type !== bootstrapTokenType || secret.metadata.deletionTimestamp) return false;
  const field = (name: string) => {
    const value = (secret.data as Record<string, string> | undefined)?.[name];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  if (field('token-id') !== token.id || field('token-secret') !== token.secret) return false;
  if (field('usage-bootstrap-authentication') !== 'true') return false;
  const expiration = field('expiration');
  if (expiration && Date.parse(expiration) <= now) return false;
  return true;
}
