// `k2 server`: runs a k2 server (cmd/k2-server.ts) until SIGINT or SIGTERM.
import type { CommandModule } from 'yargs';
import type { ArtifactToDeploy } from '../packaging/deploy/index.ts';
import { compactHeapWhenQuiet } from './heap-compaction.ts';
import { limitHeapGrowth, sizeHeapGrowthByLiveHeap } from './heap-growth.ts';
import { createLogger } from './logging.ts';
import { serverOptionsBuilder, toServerOptions } from './server-options.ts';

export const serverCommand: CommandModule = {
  command: 'server',
  describe: 'Run a k2 server: API server, datastore, controllers and scheduler in one process',
  builder: (y) => serverOptionsBuilder(y),
  handler: async (argv) => {
    limitHeapGrowth();
    let args = argv as Record<string, unknown>;
    let bootArtifact: ArtifactToDeploy | undefined;
    if (typeof args.artifact === 'string') {
      const { loadBootArtifact, withArtifactSettings } = await import('./server-artifact.ts');
      bootArtifact = await loadBootArtifact(args.artifact, args.home as string | undefined);
      args = withArtifactSettings(args, bootArtifact.settings);
    }
    const options = toServerOptions(args);
    const log = createLogger(options.logLevel, options.logFormat);
    // Signals are handled from the very start, so one that arrives while modules start still stops cleanly.
    let stopping = false;
    // The server's modules load only for this command.
    const starting = import('./k2-server.ts').then(({ K2Server }) => K2Server.start(options, log));
    if (bootArtifact) {
      const artifact = bootArtifact;
      void starting.then(async (server) => (await import('./server-artifact.ts')).deployBootArtifact(artifact, server.kubeconfigPath, log), () => undefined);
    }
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
    void starting.then((server) => {
      sizeHeapGrowthByLiveHeap();
      compactHeapWhenQuiet(() => server.core.cache.releasedHistoryChars, log.child({ module: 'heap' }));
    }, () => undefined);
    await starting.catch((error: Error) => {
      log.fatal({ err: error }, 'k2 server failed to start');
      process.exit(1);
    });
  },
};

