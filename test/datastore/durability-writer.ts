// Child process of the durability test: writes to a SQLite datastore as fast as it can with 16
// concurrent writers and prints one line per acknowledged write, until it is killed.
//   node --import tsx durability-writer.ts <database file> <run number>
import { sqliteAddonFile } from '../../datastore/sqlite/native-addon.ts';
import { SqliteDatastore } from '../../datastore/sqlite/sqlite-datastore.ts';

const [path, run] = process.argv.slice(2) as [string, string];
// History is kept (no automatic compaction) so the test can check each acknowledged update at its revision.
// The WAL is checkpointed every 256 KiB, on the checkpoint thread as in a server, so kills land during checkpoints.
const store = new SqliteDatastore({ path, background: true, compaction: { intervalMs: 0, retain: 1e12 }, addonFile: () => sqliteAddonFile(''), walCheckpointBytes: 256 * 1024 });
await store.start();
process.stdout.write('ready\n');

let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async (_, writer) => {
    const counter = `/registry/durability/counters/${run}-${writer}`;
    let current = await store.create(counter, '0');
    process.stdout.write(`create ${counter} ${current.modRevision} 0\n`);
    for (let round = 1; ; round++) {
      const i = next++;
      const key = `/registry/durability/items/${run}-${i}`;
      const value = `{"run":${run},"item":${i}}`;
      const created = await store.create(key, value);
      process.stdout.write(`create ${key} ${created.modRevision} ${value}\n`);
      current = await store.update(counter, String(round), current.modRevision);
      process.stdout.write(`update ${counter} ${current.modRevision} ${round}\n`);
    }
  }),
);
