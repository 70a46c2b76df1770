// `k2 datastore migrate --from … --to …`: copies every key from one backend to another while the
// source keeps serving (SQLite → etcd to scale out, etcd → SQLite to simplify), without a file.
import type { CommandModule } from 'yargs';
import { checkEndpoint, describeLocation, locateDatastore, nativeBindingFor } from '../datastore/open.ts';
import { migrateDatastore } from '../datastore/snapshot/snapshots.ts';
import { defaultConfigFile, defaultDataDir } from './paths.ts';
import { configFileFor, datastoreFlags, toDatastoreConfig } from './server-options.ts';

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
