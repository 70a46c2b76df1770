// The datastore in the command line: `k2 server` opens it (with scheduled snapshots) from its
// flags, and `k2 datastore migrate --from … --to …` copies every key from one backend to another
// while the source keeps serving (SQLite → etcd to scale out, etcd → SQLite to simplify).
import type { CommandModule } from 'yargs';
import { k2Version } from '../apiserver/version.ts';
import type { EtcdDatastore } from '../datastore/etcd/etcd-datastore.ts';
import { checkEndpoint, describeLocation, locateDatastore, nativeBindingFor, openDatastore } from '../datastore/open.ts';
import { SnapshotSchedule } from '../datastore/snapshot/scheduler.ts';
import { S3Storage } from '../datastore/snapshot/s3-storage.ts';
import { migrateDatastore, takeSnapshot } from '../datastore/snapshot/snapshots.ts';
import { FolderStorage } from '../datastore/snapshot/storage.ts';
import type { SqliteDatastore } from '../datastore/sqlite/sqlite-datastore.ts';
import type { Logger } from './logging.ts';
import { defaultConfigFile, defaultDataDir } from './paths.ts';
import { configFileFor, datastoreFlags, toDatastoreConfig, type ServerOptions } from './server-options.ts';

/** How long after the server is ready the snapshot schedule starts. */
const snapshotScheduleDelayMs = 500;

/**
 * Opens the server's datastore from its flags (compaction and TTL expiry running) and starts the
 * scheduled snapshots; `close` stops the snapshots, then closes the datastore.
 */
export async function openServerDatastore(
  options: ServerOptions,
  log: Logger,
): Promise<{ datastore: SqliteDatastore | EtcdDatastore; close(): Promise<void>; snapshot(reason: string): Promise<string>; startSnapshots(): void }> {
  const datastoreLog = log.child({ component: 'datastore' });
  const datastore = await openDatastore(options.datastore, { background: true, log: datastoreLog });
  datastoreLog.info({ datastore: describeLocation(locateDatastore(options.datastore)), revision: await datastore.currentRevision() }, `opened the ${datastore.backend} datastore`);
  let snapshots: SnapshotSchedule | undefined;
  try {
    if (!options.snapshots.disabled) {
      const { dir, compress, s3, cron, retention } = options.snapshots;
      snapshots = new SnapshotSchedule(datastore, {
        folder: new FolderStorage(dir),
        s3: s3 && new S3Storage(s3),
        compress,
        cron,
        retention,
        k2Version,
        log: log.child({ component: 'snapshots' }),
      });
    }
  } catch (error) {
    await datastore.close();
    throw error;
  }
  const { dir, compress, s3 } = options.snapshots;
  let starting: NodeJS.Timeout | undefined;
  return {
    datastore,
    // Called once the server is ready, a moment later: the first run is worked out then (node-cron, for expressions
    // with day tokens, does it minute by minute with Intl date formatting, ~25 ms), not while the first requests wait.
    startSnapshots: () => {
      if (!snapshots) return;
      const schedule = snapshots;
      starting = setTimeout(() => {
        schedule.start();
        const { cron, retention } = options.snapshots;
        log.info({ cron, retention, dir, s3: s3 ? `s3://${s3.bucket}/${s3.folder}` : undefined, next: schedule.nextRun() }, 'scheduled snapshots are on');
      }, snapshotScheduleDelayMs);
    },
    close: async () => {
      clearTimeout(starting);
      await snapshots?.stop();
      await datastore.close();
    },
    // A snapshot k2 takes itself (before migrating stored objects), kept like the others.
    snapshot: async (reason: string) => {
      const taken = await takeSnapshot(datastore, { folder: new FolderStorage(dir), s3: s3 && new S3Storage(s3), name: 'k2-automatic', compress, k2Version });
      log.info({ reason, file: taken.file }, 'took an automatic snapshot');
      return taken.saved[0]?.location ?? taken.file;
    },
  };
}

type Args = Record<string, unknown>;

const tlsFlags = {
  'datastore-cafile': datastoreFlags['datastore-cafile'],
  'datastore-certfile': datastoreFlags['datastore-certfile'],
  'datastore-keyfile': datastoreFlags['datastore-keyfile'],
};

const migrate: CommandModule<object, Args> = {
  command: 'migrate',
  describe: 'Copy every key from one datastore to another (the source may be serving)',
  builder: (y) =>
    y
      .env('K2')
      .config('config', 'YAML file with flag values (keys this command does not use are ignored)', configFileFor(['data-dir', ...Object.keys(tlsFlags)]))
      .default('config', defaultConfigFile())
      .options({
        'data-dir': { type: 'string', default: defaultDataDir(), describe: 'The k2 data dir: its SQLite datastore is the default --from' },
        from: { type: 'string', default: '', coerce: (value: unknown) => checkEndpoint(value, '--from'), describe: 'Source: sqlite:///path/state.db or http(s)://etcd:2379 [default: the data dir\'s SQLite datastore]' },
        to: { type: 'string', demandOption: true, coerce: (value: unknown) => checkEndpoint(value, '--to'), describe: 'Target: sqlite:///path/state.db (no server may be using it) or http(s)://etcd:2379' },
        replace: { type: 'boolean', default: false, describe: 'Overwrite a target that already holds keys' },
        ...tlsFlags,
      }),
  handler: async (argv) => {
    const base = toDatastoreConfig(argv);
    if (!(argv.to as string)) throw new Error('--to names no datastore');
    const from = locateDatastore({ ...base, endpoint: argv.from as string });
    const to = locateDatastore({ ...base, endpoint: argv.to as string });
    const started = performance.now();
    const result = await migrateDatastore(from, to, {
      dataDir: base.dataDir,
      replace: argv.replace as boolean,
      nativeBinding: to.kind === 'sqlite' || from.kind === 'sqlite' ? nativeBindingFor(base.dataDir) : undefined,
    });
    process.stdout.write(
      `copied ${result.objects} objects from ${describeLocation(from)} (revision ${result.sourceRevision}) to ${describeLocation(to)} in ${Math.round(performance.now() - started)} ms; the target is at revision ${result.revision}\n`,
    );
  },
};

export const datastoreCommand: CommandModule = {
  command: 'datastore <command>',
  describe: 'Move the datastore between backends',
  builder: (y) => y.command(migrate).demandCommand(1, 'Name a datastore command: migrate.'),
  handler: () => {},
};
