// `k2 server`: the API server and, as later modules land, the datastore, controllers, scheduler and
// node agent, all in this one process.
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import type { FastifyInstance } from 'fastify';
import { installApi, startApiCore } from '../apiserver/api.ts';
import { bootstrapCluster, apiserverUser } from '../apiserver/bootstrap.ts';
import { AuditLog } from '../apiserver/audit/audit-log.ts';
import { loadAuditPolicy } from '../apiserver/audit/audit-policy.ts';
import { ApiSecurity, type SecurityOptions } from '../apiserver/auth/security.ts';
import { encryptionConfigFile } from '../apiserver/encryption/encryption-config.ts';
import { registerEncryptionRoutes } from '../apiserver/encryption/routes.ts';
import { SecretsEncryption } from '../apiserver/encryption/secrets-encryption.ts';
import { requestLimitsFilter } from '../apiserver/request-limits.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { createHttpServer } from '../apiserver/http-server.ts';
import { ApiMetrics } from '../apiserver/metrics.ts';
import { defaultServiceNetwork } from '../apiserver/admission/service-allocation.ts';
import { ControllerManager } from '../controllers/manager.ts';
import type { Datastore } from '../datastore/types.ts';
import { sqliteNativeBinding } from '../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.ts';
import { HealthChecks } from '../apiserver/health.ts';
import { writeKubeconfig } from '../apiserver/kubeconfig.ts';
import { loadOrCreatePki } from '../apiserver/pki.ts';
import { gitVersion } from '../apiserver/version.ts';
import { createLogger, type Logger } from './logging.ts';
import { defaultKubeconfig } from './paths.ts';
import { serverOptionsBuilder, toServerOptions, type ServerOptions } from './server-options.ts';

export const serverCommand: CommandModule = {
  command: 'server',
  describe: 'Run a k2 server: API server, datastore, controllers and scheduler in one process',
  builder: (y) => serverOptionsBuilder(y),
  handler: async (argv) => {
    const options = toServerOptions(argv as Record<string, unknown>);
    const log = createLogger(options.logLevel, options.logFormat);
    // Signals are handled from the very start, so one that arrives while modules start still stops cleanly.
    let stopping = false;
    const starting = K2Server.start(options, log);
    const stop = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      starting
        .then((server) => server.stop())
        .then(
          () => process.exit(0),
          (error: Error) => {
            log.error({ err: error }, 'unclean shutdown');
            process.exit(1);
          },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    await starting.catch((error: Error) => {
      log.fatal({ err: error }, 'k2 server failed to start');
      process.exit(1);
    });
  },
};

/** The host names and addresses every serving certificate carries, plus --tls-san. */
function servingSans(options: ServerOptions): string[] {
  const sans = new Set(['localhost', '127.0.0.1', '::1', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
  if (!['0.0.0.0', '::'].includes(options.bindAddress)) sans.add(options.bindAddress);
  for (const san of options.tlsSan) sans.add(san);
  return [...sans];
}

/** The URL this machine's kubectl should use to reach the server. */
function localServerUrl(bindAddress: string, port: number): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '') return `https://127.0.0.1:${port}`;
  if (bindAddress === '::') return `https://[::1]:${port}`;
  return bindAddress.includes(':') ? `https://[${bindAddress}]:${port}` : `https://${bindAddress}:${port}`;
}

function securityOptions(options: ServerOptions, signingKeyPath: string, log: Logger): SecurityOptions {
  return {
    authorizationMode: options.authorizationMode,
    signingKeyPath,
    tokenAuthFile: options.tokenAuthFile,
    serviceAccountIssuers: options.serviceAccountIssuer,
    apiAudiences: options.apiAudiences,
    maxTokenExpirationSeconds: options.serviceAccountMaxTokenExpirationSeconds,
    extendTokenExpiration: options.serviceAccountExtendTokenExpiration,
    jwksUri: options.serviceAccountJwksUri,
    log,
  };
}

export class K2Server {
  private constructor(
    readonly options: ServerOptions,
    readonly log: Logger,
    readonly http: FastifyInstance,
    readonly url: string,
    readonly kubeconfigPath: string,
    readonly datastore: Datastore,
    readonly core: ApiCore,
    readonly controllers: ControllerManager,
    readonly security: ApiSecurity,
    private readonly audit: AuditLog | undefined,
  ) {}

  static async start(options: ServerOptions, log: Logger): Promise<K2Server> {
    const started = performance.now();
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const nodeName = options.nodeName || hostname().toLowerCase();

    const pki = await loadOrCreatePki(resolve(dataDir, 'tls'), servingSans(options));
    if (pki.created.length) log.info({ files: pki.created, dir: resolve(dataDir, 'tls') }, 'wrote certificates');

    const health = new HealthChecks();
    let modulesStarted = false;
    health.addReadiness('k2-modules', () => modulesStarted || 'starting');

    const metrics = new ApiMetrics();
    const encryption = new SecretsEncryption(resolve(dataDir, 'cred', encryptionConfigFile), log.child({ module: 'secrets-encryption' }));
    if ((await encryption.load(options.secretsEncryption)).created) log.info({ file: encryption.configPath }, 'wrote the secrets encryption key');
    // The datastore module replaces this with its flag-driven opener (sqlite default, etcd optional).
    const sqlite = new SqliteDatastore({
      path: resolve(dataDir, 'db', 'state.db'),
      nativeBinding: sqliteNativeBinding(resolve(dataDir, 'cache')),
      background: true,
      log: log.child({ module: 'datastore' }),
    });
    await sqlite.start();
    const datastore = metrics.measure(sqlite);
    health.addLiveness('datastore', () => datastore.healthy() || 'datastore unavailable');
    const core = await startApiCore(datastore, log, encryption.hooks());
    health.addLiveness('watch-cache', () => core.cache.healthy() || 'watch cache lost the datastore');
    health.addReadiness('stored-values', () => core.cache.undecodable.size === 0 || `${core.cache.undecodable.size} stored values cannot be decoded (missing encryption key?)`);
    metrics.isServed = (group, version, resource) => core.registry.lookup(group, version, resource) !== undefined;

    const security = await ApiSecurity.create(core, securityOptions(options, resolve(dataDir, 'tls', 'service-account.key'), log));
    const audit = options.auditLogPath ? new AuditLog({ path: options.auditLogPath, policy: loadAuditPolicy(options.auditPolicyFile), maxSizeMb: options.auditLogMaxSizeMb, maxBackups: options.auditLogMaxBackup, log }) : undefined;
    const http = createHttpServer({
      log,
      caPem: pki.ca.certPem,
      servingCertPem: pki.serving.certPem,
      servingKeyPem: pki.serving.keyPem,
      health,
      authenticators: security.authenticators,
      anonymousAuth: options.anonymousAuth,
      observers: audit ? [audit.observer] : [],
      requestFilters: [security.impersonationFilter, requestLimitsFilter(options), security.nonResourceAuthorizationFilter],
      timeouts: { requestMs: options.requestReadTimeoutSeconds * 1000, headersMs: Math.min(32, options.requestReadTimeoutSeconds) * 1000, handshakeMs: 10_000 },
    });
    audit?.register(http);
    metrics.register(http);
    const api = installApi(http, core);
    security.install(http, api.handlers);
    registerEncryptionRoutes(http, encryption, datastore);
    await http.listen({ host: options.bindAddress, port: options.httpsListenPort });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : options.httpsListenPort;
    const url = localServerUrl(options.bindAddress, port);

    const kubeconfigPath = resolve(options.writeKubeconfig ?? defaultKubeconfig(dataDir));
    await writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem }, options.writeKubeconfigMode);

    await bootstrapCluster(core, { serviceCidr: defaultServiceNetwork.serviceCidr, apiserverPort: port });
    const policy = await security.bootstrapPolicy(apiserverUser);
    if (policy?.created || policy?.updated) log.info(policy, 'reconciled the default RBAC roles and bindings');
    const controllers = new ControllerManager(core, log, { caPem: pki.ca.certPem, ca: pki.ca, tokens: security.tokens });
    controllers.start();
    // Values written before encryption was enabled or a key rotated are sealed anew.
    if (encryption.configured) void encryption.reencrypt(datastore).catch((error: Error) => log.error({ err: error }, 're-encryption failed'));

    modulesStarted = true;
    log.info(
      { version: gitVersion, url, port, kubeconfig: kubeconfigPath, dataDir, nodeName, startupMs: Math.round(performance.now() - started) },
      `k2 is ready; kubeconfig written to ${kubeconfigPath}`,
    );
    return new K2Server(options, log, http, url, kubeconfigPath, datastore, core, controllers, security, audit);
  }

  /** Stops accepting requests, lets in-flight ones finish, then closes the modules. */
  async stop(): Promise<void> {
    await this.controllers.stop();
    this.security.stop();
    this.core.stop(); // ends watches and other streams so that in-flight requests can finish
    await this.http.close();
    this.audit?.close();
    await this.datastore.close();
    this.log.info('k2 server stopped');
  }
}
