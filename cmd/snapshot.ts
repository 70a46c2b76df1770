// `k2 snapshot save|ls|restore|prune|delete`: snapshots of the datastore, in the snapshot folder
// and optionally on S3. Every subcommand takes the server's --data-dir, --datastore-* and
// --snapshot-* flags (and reads them from the same config file), so it finds what the server uses.
import type { Argv, CommandModule } from 'yargs';
import { k2Version } from '../apiserver/version.ts';
import { createDatastore, describeLocation, locateDatastore, nativeBindingFor } from '../datastore/open.ts';
import { S3Storage } from '../datastore/snapshot/s3-storage.ts';
import { findSnapshot, pruneEverywhere, restoreSnapshot, takeSnapshot, type SnapshotPlaces } from '../datastore/snapshot/snapshots.ts';
import { FolderStorage, type SnapshotStorage } from '../datastore/snapshot/storage.ts';
import { defaultConfigFile, defaultDataDir } from './paths.ts';
import { configFileFor, datastoreFlags, positiveInteger, snapshotStorageFlags, toDatastoreConfig, toSnapshotStorage } from './server-options.ts';

type Args = Record<string, unknown>;

const sharedFlags = {
  'data-dir': { type: 'string', default: defaultDataDir(), describe: 'The k2 data dir (where the SQLite datastore and snapshots live by default)' },
  ...datastoreFlags,
  ...snapshotStorageFlags,
  'snapshot-dir': { ...snapshotStorageFlags['snapshot-dir'], alias: 'dir' },
} as const;

function withSharedFlags<T>(y: Argv<T>) {
  return y
    .env('K2')
    .config('config', 'YAML file with flag values (the server\'s file: keys this command does not use are ignored)', configFileFor([...Object.keys(sharedFlags), 'name', 'retention']))
    .default('config', defaultConfigFile())
    .options(sharedFlags);
}

function places(argv: Args): SnapshotPlaces & { s3?: S3Storage } {
  const storage = toSnapshotStorage(argv);
  return { folder: new FolderStorage(storage.dir), s3: storage.s3 && new S3Storage(storage.s3) };
}

async function withPlaces<T>(argv: Args, run: (where: SnapshotPlaces) => Promise<T>): Promise<T> {
  const where = places(argv);
  try {
    return await run(where);
  } finally {
    await where.s3?.close();
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

const save: CommandModule<object, Args> = {
  command: 'save',
  describe: 'Take a snapshot now (online: a running server keeps serving)',
  builder: (y) => withSharedFlags(y).option('name', { type: 'string', default: 'on-demand', describe: 'Snapshot name; the file is <name>-<time>.k2snap[.gz]' }),
  handler: async (argv) => {
    const config = toDatastoreConfig(argv);
    const store = await createDatastore(locateDatastore(config), config, { background: false });
    await store.start();
    try {
      await withPlaces(argv, async (where) => {
        const taken = await takeSnapshot(store, { ...where, name: argv.name as string, compress: argv['snapshot-compress'] as boolean, k2Version });
        for (const saved of taken.saved) out(`saved ${saved.location} (${megabytes(saved.size)})`);
        out(`revision ${taken.manifest.revision}, ${taken.manifest.objects} objects, sha256 ${taken.manifest.sha256}`);
      });
    } finally {
      await store.close();
    }
  },
};

const list: CommandModule<object, Args> = {
  command: 'ls',
  aliases: ['list'],
  describe: 'List snapshots in the snapshot folder (and on S3)',
  builder: (y) => withSharedFlags(y),
  handler: async (argv) => {
    await withPlaces(argv, async (where) => {
      const rows: string[][] = [['FILE', 'CREATED', 'SIZE', 'REVISION', 'OBJECTS', 'LOCATION']];
      const storages: SnapshotStorage[] = [where.folder, ...(where.s3 ? [where.s3] : [])];
      for (const storage of storages) {
        for (const snapshot of await storage.list()) {
          const manifest = await storage.manifest(snapshot.file).catch(() => undefined);
          rows.push([
            snapshot.file,
            snapshot.createdAt.toISOString(),
            megabytes(snapshot.size),
            manifest ? String(manifest.revision) : 'unreadable',
            manifest ? String(manifest.objects) : '',
            snapshot.location,
          ]);
        }
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows) out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
    });
  },
};

const restore: CommandModule<object, Args> = {
  command: 'restore <snapshot>',
  describe: 'Replace the datastore\'s content with a snapshot (a file path, a file name from `ls`, or a name for its newest). The server must be stopped for SQLite.',
  builder: (y) => withSharedFlags(y).positional('snapshot', { type: 'string', describe: 'FILE or NAME' }),
  handler: async (argv) => {
    const config = toDatastoreConfig(argv);
    const target = locateDatastore(config);
    await withPlaces(argv, async (where) => {
      const found = await findSnapshot(argv.snapshot as string, where);
      try {
        const result = await restoreSnapshot(found.path, target, target.kind === 'sqlite' ? nativeBindingFor(config.dataDir) : undefined);
        out(`restored ${result.objects} objects (revision ${result.manifest.revision}, taken ${result.manifest.createdAt} from ${result.manifest.backend}) into ${describeLocation(target)}`);
        out(`the datastore continues at revision ${result.revision}; clients relist`);
      } finally {
        await found.done();
      }
    });
  },
};

const prune: CommandModule<object, Args> = {
  command: 'prune',
  describe: 'Delete the oldest snapshots of a name beyond --retention (in the folder and on S3)',
  builder: (y) =>
    withSharedFlags(y)
      .option('retention', { type: 'string', default: 5, coerce: positiveInteger, describe: 'Snapshots of this name to keep' })
      .option('name', { type: 'string', default: 'on-demand', describe: 'Which snapshots: those saved under this name' }),
  handler: async (argv) => {
    await withPlaces(argv, async (where) => {
      const deleted = await pruneEverywhere(where, argv.name as string, argv.retention as number);
      for (const snapshot of deleted) out(`deleted ${snapshot.location}`);
      if (!deleted.length) out(`nothing to prune: at most ${argv.retention} "${argv.name}" snapshots`);
    });
  },
};

const remove: CommandModule<object, Args> = {
  command: 'delete <files..>',
  describe: 'Delete snapshots by file name (from the folder and S3)',
  builder: (y) => withSharedFlags(y).positional('files', { type: 'string', array: true, describe: 'file names from `k2 snapshot ls`' }),
  handler: async (argv) => {
    await withPlaces(argv, async (where) => {
      const storages: SnapshotStorage[] = [where.folder, ...(where.s3 ? [where.s3] : [])];
      const missing: string[] = [];
      for (const file of argv.files as string[]) {
        let found = false;
        for (const storage of storages) {
          const snapshot = (await storage.list()).find((candidate) => candidate.file === file);
          if (!snapshot) continue;
          await storage.delete(file);
          out(`deleted ${snapshot.location}`);
          found = true;
        }
        if (!found) missing.push(file);
      }
      if (missing.length) throw new Error(`no snapshot ${missing.join(', ')} in ${storages.map((storage) => storage.description).join(' or ')}`);
    });
  },
};

export const snapshotCommand: CommandModule = {
  command: 'snapshot <command>',
  describe: 'Save, list, restore, prune and delete datastore snapshots',
  builder: (y) => y.command(save).command(list).command(restore).command(prune).command(remove).demandCommand(1, 'Name a snapshot command: save, ls, restore, prune or delete.'),
  handler: () => {},
};
