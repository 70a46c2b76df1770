// A running k2 server: the datastore, API server, controllers, scheduler and this machine's node, all in this
// one process, started in order and stopped in reverse.
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { installApi, startApiCore } from '../apiserver/api.ts';
import { AuditLog } from '../apiserver/audit/audit-log.ts';
import { loadAuditPolicy } from '../apiserver/audit/audit-policy.ts';
import { ApiSecurity, type SecurityOptions } from '../apiserver/auth/security.ts';
import { encryptionConfigFile } from '../apiserver/encryption/encryption-config.ts';
import { registerEncryptionRoutes } from '../apiserver/encryption/routes.ts';
import { SecretsEncryption } from '../apiserver/encryption/secrets-encryption.ts';
import { requestLimitsFilter } from '../apiserver/request-limits.ts';
import { apiserverUser, bootstrapCluster } from '../apiserver/bootstrap.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { createHttpServer } from '../apiserver/http-server.ts';
import { ApiMetrics } from '../apiserver/metrics.ts';
import { advertiseAddress, ApiserverEndpointsController, datastoreMasterLeases } from '../controllers/apiserver-endpoints.ts';
import { ApiserverIdentity } from '../controllers/apiserver-identity.ts';
import { ApiClient } from '../apiserver/client.ts';
import { registerComponentStatuses } from '../apiserver/handlers/component-statuses.ts';
import { podMetricsSource, registerMetricsApi } from '../apiserver/handlers/metrics-api.ts';
import { registerPodStreamRoutes } from '../apiserver/handlers/pod-streams.ts';
import { registerProxyRoutes } from '../apiserver/handlers/proxy.ts';
import type { NodeEndpoint } from '../apiserver/nodes/node-endpoint.ts';
import { joinPaths, registerNodeJoin } from '../apiserver/nodes/node-join.ts';
import { nodeConnector } from '../apiserver/nodes/remote-node.ts';
import { clientCertificateAuthenticator, type UserInfo } from '../apiserver/authn.ts';
import type { NodeAgent } from '../kubelet-bridge/agent.ts';
import { InformerFactory } from '../controllers/informer.ts';
import { ControllerManager, kubeControllerManagerUser } from '../controllers/manager.ts';
import { ensureSystemPriorityClasses } from '../scheduler/priority-admission.ts';
import { SchedulerMetrics } from '../scheduler/metrics.ts';
import { defaultSchedulerName, Scheduler, schedulerUser } from '../scheduler/scheduler.ts';
import { LeaderElected } from './leader-elected.ts';
import { HealthChecks } from '../apiserver/health.ts';
import { writeKubeconfig } from '../apiserver/kubeconfig.ts';
import { loadOrCreatePki } from '../apiserver/pki.ts';
import { gitVersion } from '../apiserver/version.ts';
import type { Datastore } from '../datastore/types.ts';
import { openServerDatastore } from './datastore.ts';
import type { Logger } from './logging.ts';
import { defaultKubeconfig } from './paths.ts';
import type { ServerOptions } from './server-options.ts';

/** The host names and addresses every serving certificate carries, plus --advertise-address and --tls-san. */
function servingSans(options: ServerOptions): string[] {
  const sans = new Set(['localhost', '127.0.0.1', '::1', hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
  if (!['0.0.0.0', '::'].includes(options.bindAddress)) sans.add(options.bindAddress);
  if (options.advertiseAddress) sans.add(options.advertiseAddress);
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
    // The node join checks its own token: anyone may call it.
    selfAuthenticatingPaths: Object.values(joinPaths),
    log,
  };
}

export class K2Server {
  /** This server's own node, once it runs (it starts after the API is ready). */
  private agent: Promise<NodeAgent | undefined> = Promise.resolve(undefined);

  private constructor(
    readonly options: ServerOptions,
    readonly log: Logger,
    readonly http: FastifyInstance,
    readonly url: string,
    readonly kubeconfigPath: string,
    /** The one datastore of this server; the API server and every module read and write through it. */
    readonly datastore: Datastore,
    /** Stops scheduled snapshots, then closes the datastore. */
    private readonly closeDatastore: () => Promise<void>,
    readonly core: ApiCore,
    /** The controllers and the scheduler, each while this server holds its Lease. */
    private readonly controllers: LeaderElected,
    private readonly scheduler: LeaderElected,
    /** This server's identity Lease and master lease (the kubernetes Service's endpoints). */
    private readonly apiserverControllers: { stop(): Promise<unknown> },
    readonly security: ApiSecurity,
    private readonly audit: AuditLog | undefined,
  ) {}

  static async start(options: ServerOptions, log: Logger): Promise<K2Server> {
    const started = performance.now();
    const dataDir = resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const nodeName = options.nodeName || hostname().toLowerCase();

    const encryption = new SecretsEncryption(resolve(dataDir, 'cred', encryptionConfigFile), log.child({ module: 'secrets-encryption' }));
    // Both only read files on a later start: their reads overlap.
    const [pki, encryptionKey] = await Promise.all([loadOrCreatePki(resolve(dataDir, 'tls'), servingSans(options)), encryption.load(options.secretsEncryption)]);
    if (pki.created.length) log.info({ files: pki.created, dir: resolve(dataDir, 'tls') }, 'wrote certificates');
    if (encryptionKey.created) log.info({ file: encryption.configPath }, 'wrote the secrets encryption key');

    const health = new HealthChecks();
    let modulesStarted = false;
    health.addReadiness('k2-modules', () => modulesStarted || 'starting');

    const metrics = new ApiMetrics();
    // The datastore opens before the API listens: no request ever finds it missing.
    const opened = await openServerDatastore(options, log);
    const closeDatastore = opened.close;
    const datastore = metrics.measure(opened.datastore);
    health.addLiveness('datastore', () => datastore.healthy() || `the ${datastore.backend} datastore is unavailable`);
    const core = await startApiCore(datastore, log, { serviceCidr: options.serviceCidr, snapshot: opened.snapshot, hooks: encryption.hooks() });
    health.addLiveness('watch-cache', () => core.cache.healthy() || 'watch cache lost the datastore');
    health.addReadiness('stored-values', () => core.cache.undecodable.size === 0 || `${core.cache.undecodable.size} stored values cannot be decoded (missing encryption key?)`);
    metrics.isServed = (group, version, resource) => core.registry.lookup(group, version, resource) !== undefined;

    const security = await ApiSecurity.create(core, securityOptions(options, resolve(dataDir, 'tls', 'service-account.key'), log));
    const audit = options.auditLogPath
      ? new AuditLog({ path: options.auditLogPath, policy: loadAuditPolicy(options.auditPolicyFile), maxSizeMb: options.auditLogMaxSizeMb, maxBackups: options.auditLogMaxBackup, log })
      : undefined;
    const http = createHttpServer({
      log,
      caPem: pki.ca.certPem,
      servingCertPem: pki.serving.certPem,
      servingKeyPem: pki.serving.keyPem,
      health,
      publicPaths: Object.values(joinPaths),
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
    // The nodes that complete logs, exec, attach, port-forward and metrics: this server's own, in process.
    // Remote nodes are called with the API server's own kubelet-client certificate (tls/apiserver-kubelet-client.crt).
    let localNode: { name: string; endpoint: NodeEndpoint } | undefined;
    const nodes = nodeConnector({
      local: () => localNode,
      node: (name) => core.storeFor('', 'nodes').find(undefined, name),
      tls: { caPem: pki.ca.certPem, certPem: pki.kubeletClient.certPem, keyPem: pki.kubeletClient.keyPem },
    });
    const network = { clusterCidr: options.clusterCidr, serviceCidr: options.serviceCidr, clusterDns: options.clusterDns, clusterDomain: options.clusterDomain };
    registerNodeJoin(http, core, pki.ca, network);
    registerPodStreamRoutes(http, core, api.handlers, { connector: nodes, authenticators: [clientCertificateAuthenticator, ...security.authenticators] });
    registerMetricsApi(core, api.handlers, nodes);
    registerProxyRoutes(core, api.handlers, nodes);
    // `kubectl get componentstatuses`: the in-process scheduler and controllers, and the datastore where etcd would be.
    const running = () => modulesStarted || 'starting';
    registerComponentStatuses(api.handlers, {
      scheduler: running,
      'controller-manager': running,
      'etcd-0': () => datastore.healthy() || `the ${datastore.backend} datastore is unavailable`,
    });
    // A given port opens once everything is up: the first request finds the server ready, and the TLS handshakes
    // of callers polling /readyz do not slow the start. A port the kernel picks (0) is only known once listening.
    const listen = () => http.listen({ host: options.bindAddress, port: options.httpsListenPort });
    const listeningEarly = options.httpsListenPort === 0;
    if (listeningEarly) {
      await listen().catch(async (error: Error) => {
        core.stop();
        await closeDatastore();
        throw error;
      });
    }
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : options.httpsListenPort;
    const url = localServerUrl(options.bindAddress, port);

    const kubeconfigPath = resolve(options.writeKubeconfig ?? defaultKubeconfig(dataDir));
    // Written while the cluster is bootstrapped, and waited for before the server is ready.
    const kubeconfigWritten = writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem }, options.writeKubeconfigMode).then(
      () => undefined,
      (error: Error) => error,
    );

    await bootstrapCluster(core, { serviceCidr: options.serviceCidr, apiserverPort: port, clusterDns: options.clusterDns });
    const policy = await security.bootstrapPolicy(apiserverUser);
    if (policy?.created || policy?.updated) log.info(policy, 'reconciled the default RBAC roles and bindings');
    await ensureSystemPriorityClasses(core);
    // SQLite is one server's alone (state.db.owner): no other server can hold its Leases.
    const exclusive = datastore.backend === 'sqlite';
    const election = (leaseName: string, component: string, user: UserInfo) =>
      options.leaderElection ? { core, user, leaseName, component, log, settings: { timing: options.leaderElection, exclusive, host: nodeName } } : undefined;
    const controllers = new LeaderElected(() => {
      const manager = new ControllerManager(core, log, {
        caPem: pki.ca.certPem,
        storageDir: resolve(dataDir, 'storage'),
        simulatedNodes: options.simulatedNodes,
        nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodMs,
        clusterCidr: options.clusterCidr,
        ca: pki.ca,
        tokens: security.tokens,
        // HorizontalPodAutoscalers read the usage `kubectl top` shows.
        metrics: podMetricsSource(core, nodes),
      });
      manager.start();
      return manager;
    }, election('kube-controller-manager', 'kube-controller-manager', kubeControllerManagerUser));
    const schedulerMetrics = new SchedulerMetrics(metrics.registry);
    const scheduler = new LeaderElected(() => {
      // Its own informers: it may lead while another server runs the controllers.
      const informers = new InformerFactory(core);
      const running = new Scheduler(core, informers, log, { host: nodeName, metrics: schedulerMetrics });
      running.start();
      return { stop: () => running.stop().finally(() => informers.shutdown()) };
    }, election('kube-scheduler', defaultSchedulerName, schedulerUser));
    controllers.run();
    scheduler.run();
    // Every server, leading or not, publishes its own identity Lease and its address in the kubernetes Service's endpoints.
    const apiserverClient = new ApiClient(core, apiserverUser, 'kube-apiserver');
    const apiserverInformers = new InformerFactory(core);
    const ownControllers = [
      new ApiserverIdentity(apiserverClient, nodeName),
      new ApiserverEndpointsController(apiserverInformers, apiserverClient, options.advertiseAddress ?? advertiseAddress(options.bindAddress), port, datastoreMasterLeases(datastore)),
    ];
    for (const controller of ownControllers) {
      controller.setup();
      controller.start(log);
    }
    const apiserverControllers = { stop: () => Promise.all(ownControllers.map((c) => c.stop())).finally(() => apiserverInformers.shutdown()) };
    // Values written before encryption was enabled or a key rotated are sealed anew.
    if (encryption.configured) void encryption.reencrypt(datastore).catch((error: Error) => log.error({ err: error }, 're-encryption failed'));
    // Alone on its datastore, the server takes both Leases at once: it is ready with its controllers running.
    // Sharing etcd, it serves the API while it waits for its turn.
    if (exclusive) await Promise.all([controllers.firstTry, scheduler.firstTry]);

    // This server's own node starts once the API is up (containerd and images take a moment); the API does not
    // wait for it, and its modules (CRI, images, networking) load only when there is one.
    const agentLog = log.child({ module: 'agent' });
    const startLocalNode = async (): Promise<NodeAgent | undefined> => {
      try {
        const [{ NodeAgent }, { InProcessNodeApi }, { LocalNodeEndpoint }] = await Promise.all([
          import('../kubelet-bridge/agent.ts'),
          import('../kubelet-bridge/api/in-process.ts'),
          import('../kubelet-bridge/local-endpoint.ts'),
        ]);
        const started = await NodeAgent.start({
          api: new InProcessNodeApi(core, nodeName, (namespace, serviceAccount, spec, user) => security.serviceAccountToken(user, namespace, serviceAccount, spec)),
          nodeName,
          dataDir,
          log: agentLog,
          network,
          nodeIP: options.node.nodeIP,
          containerRuntimeEndpoint: options.node.containerRuntimeEndpoint,
          cgroupRoot: options.node.cgroupRoot,
          serviceProxy: !options.node.disableKubeProxy,
          labels: { 'node-role.kubernetes.io/control-plane': 'true' },
        });
        localNode = { name: nodeName, endpoint: new LocalNodeEndpoint(started) };
        return started;
      } catch (error) {
        agentLog.error({ err: error }, `this server runs no pods: its node agent could not start (${(error as Error).message})`);
        return undefined;
      }
    };

    const kubeconfigFailure = await kubeconfigWritten;
    if (kubeconfigFailure) throw kubeconfigFailure;
    modulesStarted = true;
    const server = new K2Server(options, log, http, url, kubeconfigPath, datastore, closeDatastore, core, controllers, scheduler, apiserverControllers, security, audit);
    if (!listeningEarly) {
      await listen().catch(async (error: Error) => {
        await server.stop();
        throw error;
      });
    }
    log.info(
      { version: gitVersion, url, port, kubeconfig: kubeconfigPath, dataDir, nodeName, startupMs: Math.round(performance.now() - started), sinceProcessStartMs: Math.round(performance.now()), modulesLoadedAtMs: Math.round(started) },
      `k2 is ready; kubeconfig written to ${kubeconfigPath}`,
    );
    if (!options.disableAgent) server.agent = startLocalNode();
    opened.startSnapshots();
    return server;
  }

  /** Stops accepting requests, lets in-flight ones finish, then closes the modules. */
  async stop(): Promise<void> {
    // The node stops first: its pods keep running in their shims, as with k3s, and are found again at the next start.
    await (await this.agent)?.stop();
    await this.scheduler.stop();
    await this.controllers.stop();
    // Before the API closes: its address leaves the kubernetes Service's endpoints.
    await this.apiserverControllers.stop();
    this.security.stop();
    this.core.stop(); // ends watches and other streams so that in-flight requests can finish
    await this.http.close();
    this.audit?.close();
    await this.closeDatastore();
    this.log.info('k2 server stopped');
  }
}
