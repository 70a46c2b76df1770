// Bootstrap (join) tokens, the Kubernetes way: `<id>.<secret>` ([a-z0-9]{6}.[a-z0-9]{16}) stored as a Secret
// `bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token` in kube-system, with an expiration. `k2 token
// create` prints it k3s-style with the hash of the cluster CA in front (`K10<sha256 of ca.crt>::<id>.<secret>`),
// so that a joining agent can check it talks to the right server before it sends the secret.
import { createHash, randomInt } from 'node:crypto';
import { BootstrapTokenAuthenticator, bootstrapTokenPattern, bootstrapTokenSecret } from '../auth/bootstrap-tokens.ts';
import type { ApiCore } from '../core.ts';
import type { KubeObject } from '../registry/types.ts';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** The extra group of tokens `k2 token create` makes, as k3s' default node token. */
const joinTokenGroup = 'system:bootstrappers:k2:default-node-token';

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
  const match = bootstrapTokenPattern.exec(plain);
  if (!match) throw new Error('invalid token: want <id>.<secret> (6 and 16 lower-case letters or digits) or K10<ca hash>::<id>.<secret>, as `k2 token create` prints');
  return { id: match[1]!, secret: match[2]!, caHash: secure?.[1] };
}

/** The Secret that makes a join token valid for `ttlSeconds` (0: forever). */
export function joinTokenSecret(token: JoinToken, options: { ttlSeconds: number; description?: string; now?: Date }): KubeObject {
  const expiration = options.ttlSeconds > 0 ? new Date((options.now ?? new Date()).getTime() + options.ttlSeconds * 1000) : undefined;
  return bootstrapTokenSecret(token.id, token.secret, { expiration, extraGroups: [joinTokenGroup], description: options.description });
}

/** Whether a join token (either form) is an unexpired bootstrap token allowed for authentication. */
export function validJoinToken(core: ApiCore, text: string): boolean {
  let token: JoinToken;
  try {
    token = parseJoinToken(text);
  } catch {
    return false;
  }
  // Bootstrap tokens carry no audience; the join endpoint is their only audience here.
  const result = new BootstrapTokenAuthenticator(core, ['join']).authenticateToken(`${token.id}.${token.secret}`, ['join']);
  return result !== undefined && 'user' in result;
}
