// Bearer-token authentication: `Authorization: Bearer <token>` (or the WebSocket subprotocol
// kubectl uses) checked by each token authenticator in turn — the static token file, bootstrap
// tokens, service-account tokens. A token that none accepts is a 401, never anonymous.
import type { IncomingMessage } from 'node:http';
import type { Authenticator, UserInfo } from '../authn.ts';
import { errors } from '../status.ts';

export const authenticatedGroup = 'system:authenticated';

/** A token's user and the audiences it is valid for, or why it was refused. */
export type TokenResult = { user: UserInfo; audiences: string[] } | { error: string };

export interface TokenAuthenticator {
  readonly name: string;
  /** undefined: not a token this authenticator knows. */
  authenticateToken(token: string, audiences: string[]): TokenResult | undefined | Promise<TokenResult | undefined>;
}

/** Every authenticated user is in system:authenticated (kube-apiserver's AuthenticatedGroupAdder). */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  return user.groups.includes(authenticatedGroup) ? user : { ...user, groups: [...user.groups, authenticatedGroup] };
}

/** For tokens that carry no audience: valid only where the API's own audiences are wanted. */
export function audienceAgnostic(apiAudiences: string[], wanted: string[], user: UserInfo): TokenResult {
  const audiences = wanted.filter((audience) => apiAudiences.includes(audience));
  if (!audiences.length) return { error: `token audiences ${JSON.stringify(apiAudiences)} is invalid for the target audiences ${JSON.stringify(wanted)}` };
  return { user, audiences };
}

const webSocketProtocolPrefix = 'base64url.bearer.authorization.k8s.io.';

/** The bearer token of a request, if it carries one. */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : undefined;
  }
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const protocol of protocols.split(',').map((p) => p.trim())) {
      if (protocol.startsWith(webSocketProtocolPrefix)) {
        const token = Buffer.from(protocol.slice(webSocketProtocolPrefix.length), 'base64url').toString('utf8');
        return token || undefined;
      }
    }
  }
  return undefined;
}

export class BearerTokenAuthentication {
  constructor(
    private readonly authenticators: TokenAuthenticator[],
    readonly apiAudiences: string[],
  ) {}

  /** TokenReview: the first authenticator that accepts the token, or every refusal. */
  async review(token: string, audiences: string[] = this.apiAudiences): Promise<TokenResult> {
    const refusals: string[] = [];
    for (const authenticator of this.authenticators) {
      const result = await authenticator.authenticateToken(token, audiences);
      if (!result) continue;
      if ('user' in result) return { user: withAuthenticatedGroup(result.user), audiences: result.audiences };
      refusals.push(result.error);
    }
    return { error: refusals.length ? `[${['invalid bearer token', ...refusals].join(', ')}]` : 'invalid bearer token' };
  }

  /** The request authenticator: undefined without a token, a 401 for a token nobody accepts. */
  readonly authenticator: Authenticator = async (request) => {
    const hasAuthorization = request.headers.authorization !== undefined;
    const token = bearerToken(request);
    if (token === undefined) {
      if (hasAuthorization && /^Bearer\b/i.test(request.headers.authorization!)) throw errors.unauthorized();
      return undefined;
    }
    const result = await this.review(token);
    if ('error' in result) throw errors.unauthorized();
    return result.user;
  };
}
