// `k2 server`: the API server and, as later modules land, the datastore, controllers, scheduler and
// node agent, all in this one process.
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import type { FastifyInstance } from 'fastify';
import { installApi, startApiCore } from '../apiserver/api.ts';
import { bootstrapCluster } from '../apiserver/bootstrap.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { createHttpServer } from '../apiserver/http-server.ts';
import { ApiMetrics } from '../apiserver/metrics.ts';
import { defaultServiceNetwork } from '../apiserver/admission/service-allocation.ts';
import { advertiseAddress } from '../controllers/apiserver-endpoints.ts';
import { ControllerManager } from '../controllers/manager.ts';
import { ensureSystemPriorityClasses } from '../scheduler/priority-admission.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { HealthChecks } from '../apiserver/health.ts';
import { writeKubeconfig } from '../apiserver/kubeconfig.ts';
import { loadOrCreatePki } from '../apiserver/pki.ts';
import { gitVersion } from '../apiserver/version.ts';
import type { Datastore } from '../datastore/types.ts';
import { openServerDatastore } from './datastore.ts';
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

export class K2Server {
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
    readonly controllers: ControllerManager,
    readonly scheduler: Scheduler,
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
    // The datastore opens before the API listens: no request ever finds it missing.
    const opened = await openServerDatastore(options, log);
    const closeDatastore = opened.close;
    const datastore = metrics.measure(opened.datastore);
    health.addLiveness('datastore', () => datastore.healthy() || `the ${datastore.backend} datastore is unavailable`);
    const core = await startApiCore(datastore, log);
    health.addLiveness('watch-cache', () => core.cache.healthy() || 'watch cache lost the datastore');

    const http = createHttpServer({ log, caPem: pki.ca.certPem, servingCertPem: pki.serving.certPem, servingKeyPem: pki.serving.keyPem, health });
    metrics.register(http);
    installApi(http, core);
    await http.listen({ host: options.bindAddress, port: options.httpsListenPort }).catch(async (error: Error) => {
      core.stop();
      await closeDatastore();
      throw error;
    });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : options.httpsListenPort;
    const url = localServerUrl(options.bindAddress, port);

    const kubeconfigPath = resolve(options.writeKubeconfig ?? defaultKubeconfig(dataDir));
    await writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem }, options.writeKubeconfigMode);

    await bootstrapCluster(core, { serviceCidr: defaultServiceNetwork.serviceCidr, apiserverPort: port });
    await ensureSystemPriorityClasses(core);
    const controllers = new ControllerManager(core, log, {
      caPem: pki.ca.certPem,
      storageDir: resolve(dataDir, 'storage'),
      simulatedNodes: options.simulatedNodes,
      nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodMs,
      apiserver: { address: advertiseAddress(options.bindAddress), port },
    });
    controllers.start();
    const scheduler = new Scheduler(core, controllers.informers, log, { host: nodeName, metrics: metrics.registry });
    scheduler.start();

    modulesStarted = true;
    log.info(
      { version: gitVersion, url, port, kubeconfig: kubeconfigPath, dataDir, nodeName, startupMs: Math.round(performance.now() - started) },
      `k2 is ready; kubeconfig written to ${kubeconfigPath}`,
    );
    return new K2Server(options, log, http, url, kubeconfigPath, datastore, closeDatastore, core, controllers, scheduler);
  }

  /** Stops accepting requests, lets in-flight ones finish, then closes the modules. */
  async stop(): Promise<void> {
    await this.scheduler.stop();
    await this.controllers.stop();
    this.core.stop(); // ends watches and other streams so that in-flight requests can finish
    await this.http.close();
    await this.closeDatastore();
    this.log.info('k2 server stopped');
  }
}
