// Where a datastore's writes are committed. The event loop decides every write of a batch (compare-and-swap,
// revision, watch event) from what is committed and from the batches still on their way; what is left is SQLite's
// part: changing the B-trees, writing the log and syncing it. A server does that on a thread of its own (a seventh
// of a busy server's event loop). The event loop gives it each batch as soon as it is decided; the batches that
// arrive while a commit syncs are committed together, with one sync. Commands commit on the event loop.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { closeWorkerConnection, workerConnectionSource } from './worker-connection.ts';

/** The values of one `kv` row to insert, in the column order of `insertRowSql`. */
export type InsertRow = [revision: number, key: string, value: string | null, createRevision: number, prevRevision: number, superseded: number | null, expiresAt: number];

export interface BatchRows {
  /** Pairs of (superseding revision, superseded revision), for rows of earlier batches. */
  supersedes: number[];
  inserts: InsertRow[];
}

export const insertRowSql = 'INSERT INTO kv (revision, key, value, create_revision, prev_revision, superseded, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
export const supersedeSql = 'UPDATE kv SET superseded = ? WHERE revision = ?';

export interface Committer {
  /** Commits a batch's rows in one transaction; resolves once they are on disk, in the order they were given. */
  commitRows(rows: BatchRows): Promise<void>;
  /**
   * Runs one statement of compaction or checkpointing in its own transaction, after the commits given before it;
   * resolves to the rows it changed (0 for a PRAGMA, which runs to its end). Its failure fails nothing else.
   */
  run(sql: string, params: (string | number)[]): Promise<number>;
  /**
   * After a failed commit: the commits given since were refused (they were decided on the failed one); the ones
   * given from now on are decided on what is committed.
   */
  restart(): void;
  close(): Promise<void>;
}

/** Commits on the event loop, on the datastore's own connection. */
export class EventLoopCommitter implements Committer {
  private readonly commitHere: (rows: BatchRows) => void;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    const supersede = db.prepare(supersedeSql);
    const insert = db.prepare(insertRowSql);
    this.commitHere = db.transaction((rows: BatchRows) => {
      for (let i = 0; i < rows.supersedes.length; i += 2) supersede.run(rows.supersedes[i], rows.supersedes[i + 1]);
      for (const row of rows.inserts) insert.run(...row);
    });
  }

  commitRows(rows: BatchRows): Promise<void> {
    try {
      this.commitHere(rows);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  run(sql: string, params: (string | number)[]): Promise<number> {
    try {
      if (sql.startsWith('PRAGMA')) return Promise.resolve((this.db.exec(sql), 0));
      let statement = this.statements.get(sql);
      if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
      return Promise.resolve(statement.reader ? (statement.all(...params), 0) : statement.run(...params).changes);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  restart(): void {}

  async close(): Promise<void> {}
}

const workerSource = `${workerConnectionSource}
// FULL: a commit is on disk before it is answered. The event loop has the log checkpointed (wal_autocheckpoint
// off), and a log that starts over is cut back to nothing (its size tells the event loop how much log there is).
db.exec('PRAGMA synchronous = FULL');
db.exec('PRAGMA wal_autocheckpoint = 0');
db.exec('PRAGMA journal_size_limit = 0');
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql, {}, false)));
  return statement;
};
const supersede = prepared(workerData.supersedeSql);
const insert = prepared(workerData.insertRowSql);
// After a failure, the batches queued behind it are refused until the event loop restarts the queue.
let failed = false;
const errorText = (error) => String((error && error.message) || error);
const run = (message) => {
  try {
    let changes = 0;
    // A pragma is run to its end (a step of incremental_vacuum frees one page); what is asked for is its effect.
    if (message.sql.startsWith('PRAGMA')) db.exec(message.sql);
    else {
      const statement = prepared(message.sql);
      changes = statement.reader ? (statement.all(...message.params), 0) : statement.run(...message.params).changes;
    }
    parentPort.postMessage({ changes });
  } catch (error) {
    parentPort.postMessage({ error: errorText(error) });
  }
};
// Batches queued while the last commit was syncing are committed together: one sync for all of them. Each is a
// savepoint of its own, so a batch that fails leaves the ones before it committed.
const commit = (batches) => {
  let done = 0;
  let failure;
  if (failed) failure = 'refused: an earlier commit failed';
  else {
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const { supersedes, inserts } of batches) {
        db.exec('SAVEPOINT batch');
        try {
          for (let i = 0; i < supersedes.length; i += 2) supersede.run(supersedes[i], supersedes[i + 1]);
          for (let i = 0; i < inserts.length; i++) insert.run(...inserts[i]);
          db.exec('RELEASE batch');
          done++;
        } catch (error) {
          db.exec('ROLLBACK TO batch');
          db.exec('RELEASE batch');
          failure = errorText(error);
          break;
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      done = 0;
      failure = errorText(error);
    }
  }
  for (let i = 0; i < batches.length; i++) {
    if (i < done) parentPort.postMessage({ changes: batches[i].inserts.length });
    else parentPort.postMessage({ error: i === done ? failure : 'refused: an earlier commit failed' });
  }
  if (failure !== undefined) failed = true;
};
parentPort.on('message', (first) => {
  const queue = [first];
  for (let next; (next = receiveMessageOnPort(parentPort)); ) queue.push(next.message);
  for (let i = 0; i < queue.length; ) {
    const message = queue[i];
    if (message === 'close') {
      db.close();
      parentPort.close();
      return;
    }
    if (message === 'restart') failed = false;
    else if (message.sql !== undefined) run(message);
    else {
      let end = i + 1;
      while (end < queue.length && queue[end].inserts !== undefined) end++;
      commit(queue.slice(i, end));
      i = end;
      continue;
    }
    i++;
  }
});
`;

type Answer = { changes: number } | { error: string };

/** A thread with its own connection that commits one database file's batches, in order. */
export class CommitThread implements Committer {
  private readonly worker: Worker;
  /** Commits given and not answered yet, oldest first. */
  private readonly waiting: { resolve(changes: number): void; reject(error: Error): void }[] = [];
  private failure?: Error;

  constructor(path: string, addonFile: string) {
    // What the thread allocates (a batch as it arrives) is garbage once committed: a small young generation holds it,
    // instead of the tens of MB a full-size one keeps resident.
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: { path, addonFile, insertRowSql, supersedeSql },
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    // Only commits on their way keep the process alive.
    this.worker.unref();
    this.worker.on('message', (answer: Answer) => {
      const waiting = this.waiting.shift();
      if (this.waiting.length === 0) this.worker.unref();
      if ('error' in answer) waiting?.reject(new Error(`the datastore commit failed: ${answer.error}`));
      else waiting?.resolve(answer.changes);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the datastore commit thread exited (code ${code})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.splice(0)) waiting.reject(error);
  }

  private send(message: BatchRows | { sql: string; params: (string | number)[] }): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length === 1) this.worker.ref();
      this.worker.postMessage(message);
    });
  }

  async commitRows(rows: BatchRows): Promise<void> {
    // The rows alone are copied to the thread (the batch object holds more).
    await this.send({ supersedes: rows.supersedes, inserts: rows.inserts });
  }

  run(sql: string, params: (string | number)[]): Promise<number> {
    return this.send({ sql, params });
  }

  restart(): void {
    if (!this.failure) this.worker.postMessage('restart');
  }

  /** Closes the thread's connection (after the commits on their way) and ends the thread. */
  async close(): Promise<void> {
    if (this.failure) return;
    await closeWorkerConnection(this.worker);
  }
}
