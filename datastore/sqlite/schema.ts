// The SQLite file: its settings and tables, shared by the datastore, snapshot reads and restores.
import Database from 'better-sqlite3';

/** Bumped when the tables change; a file from a newer k2 is refused rather than misread. */
export const schemaVersion = 1;

const tables = `
  -- One row per committed write; the primary key is the global revision.
  CREATE TABLE kv (
    revision        INTEGER PRIMARY KEY,
    key             TEXT NOT NULL,
    value           TEXT,              -- NULL: the key was deleted at this revision
    create_revision INTEGER NOT NULL,
    prev_revision   INTEGER NOT NULL,  -- the version this one replaced; 0 for a creation
    superseded      INTEGER,           -- the revision that replaced or deleted this version; NULL while current
    expires_at      INTEGER NOT NULL DEFAULT 0
  );
  -- Current rows only: gets, lists and counts at the current revision read O(result) entries.
  CREATE UNIQUE INDEX kv_current ON kv (key) WHERE superseded IS NULL;
  -- Reads at a past revision.
  CREATE INDEX kv_history ON kv (key, revision);
  -- Compaction finds the versions no retained revision can see.
  CREATE INDEX kv_superseded ON kv (superseded) WHERE superseded IS NOT NULL;
  -- TTL expiry.
  CREATE INDEX kv_expiry ON kv (expires_at) WHERE superseded IS NULL AND expires_at > 0;
  CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * Opens (creating when new) a datastore file: WAL so readers never block the writer,
 * synchronous=FULL so a commit is on disk before it is acknowledged, incremental auto-vacuum so
 * compaction can give space back, and a WAL size limit so the log shrinks after checkpoints.
 */
export function openSqliteFile(path: string, nativeBinding?: object): Database.Database {
  const db = new Database(path, { nativeBinding: nativeBinding as string | undefined });
  try {
    db.pragma('busy_timeout = 5000');
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get() !== undefined;
    if (!exists) {
      db.pragma('auto_vacuum = INCREMENTAL'); // only takes effect before the first table
      db.pragma('journal_mode = WAL');
      db.transaction(() => {
        db.exec(tables);
        db.prepare("INSERT INTO meta (name, value) VALUES ('schema_version', ?), ('compacted_revision', 0)").run(schemaVersion);
      })();
    } else {
      const version = (db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() as { value: number } | undefined)?.value;
      if (version === undefined || version > schemaVersion) {
        throw new Error(`${path} was written by ${version === undefined ? 'something other than k2' : 'a newer k2'} (schema ${version ?? 'unknown'}; this k2 reads ${schemaVersion})`);
      }
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
    }
    db.pragma('synchronous = FULL');
    db.pragma('journal_size_limit = 16777216');
    // 8 MiB: reads are served from the watch cache, so SQLite's own cache holds mostly the B-tree pages
    // writes touch; the kernel's page cache backs the rest (and is not the server's resident memory).
    db.pragma('cache_size = -8192');
    db.pragma('temp_store = MEMORY');
    return db;
  } catch (error) {
    db.close();
    throw new Error(`cannot open the datastore file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The current and compacted revisions stored in an open file. */
export function readStoredRevisions(db: Database.Database): { revision: number; compacted: number } {
  const latest = (db.prepare('SELECT MAX(revision) AS revision FROM kv').get() as { revision: number | null }).revision ?? 0;
  const compacted = (db.prepare("SELECT value FROM meta WHERE name = 'compacted_revision'").get() as { value: number }).value;
  // A compaction at the newest revision may have removed its row (a deletion): the revision never goes back.
  return { revision: Math.max(latest, compacted), compacted };
}
