// `k2 server`: runs a k2 server (cmd/k2-server.ts) until SIGINT or SIGTERM.
import { setFlagsFromString } from 'node:v8';
import type { CommandModule } from 'yargs';
import type { ArtifactToDeploy } from '../packaging/deploy/index.ts';
import { createLogger } from './logging.ts';
import { serverOptionsBuilder, toServerOptions } from './server-options.ts';

export const serverCommand: CommandModule = {
  command: 'server',
  describe: 'Run a k2 server: API server, datastore, controllers and scheduler in one process',
  builder: (y) => serverOptionsBuilder(y),
  handler: async (argv) => {
    // Between full collections V8 lets its heap grow to up to 4× the live data, the more the slower
    // collection looks: on a busy machine a server's memory then swings by 100+ MB. Growing by half keeps
    // it steady and small (edge nodes) for a few more collections, which run mostly off the main thread.
    setFlagsFromString('--heap-growing-percent=50');
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
    await starting.catch((error: Error) => {
      log.fatal({ err: error }, 'k2 server failed to start');
      process.exit(1);
    });
  },
};

