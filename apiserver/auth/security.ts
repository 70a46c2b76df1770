// The API server's security, assembled as kube-apiserver runs it: authenticators (client
// certificates, the static token file, bootstrap tokens, service-account tokens), impersonation,
// the authorizer chain (system:masters, Node, RBAC — or allow-all), the admission checks that go
// with them (RBAC escalation, NodeRestriction, certificate approval and signing), the token and
// certificate APIs, service-account issuer discovery, and authorization of non-resource paths.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authenticator, UserInfo } from '../authn.ts';
import { allowAllAuthorizer, forbiddenError } from '../authz.ts';
import type { ApiCore } from '../core.ts';
import { parseRequestPath } from '../handlers/request-info.ts';
import type { ResourceHandlers } from '../handlers/resources.ts';
import { pathOf, type RequestFilter } from '../http-server.ts';
import { privilegedGroupAuthorizer, UnionAuthorizer } from './authorizers.ts';
import { BootstrapTokenAuthenticator } from './bootstrap-tokens.ts';
import { certificatesAdmission, registerApprovalHandlers } from './certificates.ts';
import { impersonatedUser, wantsImpersonation } from './impersonation.ts';
import { NodeAuthorizer, nodeRestrictionAdmission } from './node-authorizer.ts';
import { RbacAuthorizer } from './rbac/authorizer.ts';
import { rbacEscalationAdmission } from './rbac/escalation.ts';
import { reconcileBootstrapPolicy, type ReconcileResult } from './rbac/reconcile.ts';
import { loadOrCreateSigningKey, ServiceAccountTokens } from './service-account-tokens.ts';
import { BearerTokenAuthentication, type TokenAuthenticator } from './token-authentication.ts';
import { TokenFileAuthenticator } from './token-file.ts';
import { issueTokenRequest, registerIssuerDiscovery, registerTokenHandlers, type TokenRequestSpec } from './token-request.ts';

export type AuthorizationMode = 'RBAC' | 'AlwaysAllow';

export interface SecurityOptions {
  authorizationMode: AuthorizationMode;
  /** The service-account signing key (created on first start). */
  signingKeyPath: string;
  tokenAuthFile?: string;
  /** Issuer of service-account tokens (first) and others still accepted. */
  serviceAccountIssuers: string[];
  apiAudiences: string[];
  maxTokenExpirationSeconds?: number;
  extendTokenExpiration: boolean;
  /** Where outside verifiers fetch the keys (default `<issuer>/openid/v1/jwks`). */
  jwksUri?: string;
  /** Paths that check their own credentials (an agent's join): never refused by authorization. */
  selfAuthenticatingPaths?: string[];
  log: Logger;
}

export class ApiSecurity {
  readonly authenticators: Authenticator[];

  private constructor(
    private readonly core: ApiCore,
    readonly tokens: ServiceAccountTokens,
    readonly authentication: BearerTokenAuthentication,
    readonly rbac: RbacAuthorizer | undefined,
    private readonly options: SecurityOptions,
  ) {
    this.authenticators = [authentication.authenticator];
  }

  /** Loads keys and token files, sets the core's authorizer and adds the admission checks. */
  static async create(core: ApiCore, options: SecurityOptions): Promise<ApiSecurity> {
    const { key, created } = await loadOrCreateSigningKey(options.signingKeyPath);
    if (created) options.log.info({ file: options.signingKeyPath }, 'wrote the service-account signing key');
    const tokens = new ServiceAccountTokens(core, key, {
      issuers: options.serviceAccountIssuers,
      apiAudiences: options.apiAudiences,
      maxExpirationSeconds: options.maxTokenExpirationSeconds,
      extendExpiration: options.extendTokenExpiration,
    });
    const tokenAuthenticators: TokenAuthenticator[] = [];
    if (options.tokenAuthFile) tokenAuthenticators.push(TokenFileAuthenticator.load(options.tokenAuthFile, options.apiAudiences));
    tokenAuthenticators.push(tokens, new BootstrapTokenAuthenticator(core, options.apiAudiences));
    const authentication = new BearerTokenAuthentication(tokenAuthenticators, options.apiAudiences);

    let rbac: RbacAuthorizer | undefined;
    if (options.authorizationMode === 'RBAC') {
      rbac = new RbacAuthorizer(core);
      rbac.start();
      core.authorizer = new UnionAuthorizer([privilegedGroupAuthorizer(), new NodeAuthorizer(core), rbac]);
      core.admission.add(rbacEscalationAdmission(core, rbac));
      core.admission.add(nodeRestrictionAdmission(core));
    } else {
      core.authorizer = allowAllAuthorizer;
    }
    core.admission.add(certificatesAdmission(core));
    return new ApiSecurity(core, tokens, authentication, rbac, options);
  }

  /** Acting as someone else (Impersonate-* headers), when allowed to. */
  readonly impersonationFilter: RequestFilter = (request) => {
    if (!request.user || !wantsImpersonation(request.headers)) return; // synchronous: most requests
    const requester = request.user;
    return impersonatedUser(request.headers, requester, this.core.authorizer).then((user) => {
      request.user = user;
      request.impersonator = requester;
    });
  };

  /** Non-resource paths (/api, /apis, /openapi, /metrics, /version, health, discovery) are authorized here. */
  readonly nonResourceAuthorizationFilter: RequestFilter = (request) => {
    if (!request.user) return; // a public path without credentials
    const path = pathOf(request);
    if (this.options.selfAuthenticatingPaths?.includes(path)) return;
    if (parseRequestPath(path)?.resource) return; // resource requests are authorized by their handler
    const verb = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
    const attributes = { user: request.user, verb, path, resourceRequest: false };
    return Promise.resolve(this.core.authorizer.authorize(attributes)).then((decision) => {
      if (!decision.allowed) throw forbiddenError(attributes, decision.reason);
    });
  };

  /** The token, review and certificate-approval APIs, and service-account issuer discovery. */
  install(app: FastifyInstance, handlers: ResourceHandlers): void {
    registerTokenHandlers(this.core, handlers, this.tokens, this.authentication);
    registerApprovalHandlers(this.core, handlers);
    registerIssuerDiscovery(app, this.tokens, this.options.jwksUri ?? `${this.tokens.issuer.replace(/\/$/, '')}/openid/v1/jwks`);
  }

  /**
   * A service-account token for an in-process caller (the node agent inside `k2 server`), with
   * the same checks as `POST …/serviceaccounts/<name>/token` from `user`.
   */
  async serviceAccountToken(user: UserInfo, namespace: string, name: string, spec: TokenRequestSpec): Promise<string> {
    const attributes = { user, verb: 'create', namespace, apiGroup: '', resource: 'serviceaccounts', subresource: 'token', name, resourceRequest: true };
    const decision = await this.core.authorizer.authorize(attributes);
    if (!decision.allowed) throw forbiddenError(attributes, decision.reason);
    const response = await issueTokenRequest(this.core, this.tokens, this.authentication.apiAudiences, user, namespace, name, spec);
    return (response.status as { token: string }).token;
  }

  /** The default roles and bindings (with RBAC), created or completed at start. */
  async bootstrapPolicy(user: UserInfo): Promise<ReconcileResult | undefined> {
    return this.rbac ? reconcileBootstrapPolicy(this.core, user) : undefined;
  }

  stop(): void {
    this.rbac?.stop();
  }
}
