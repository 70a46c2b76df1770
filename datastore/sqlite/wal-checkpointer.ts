// WAL checkpoints on a thread of their own. A checkpoint copies the log's pages into the database file and
// syncs it: about 10 ms for 8 MB of log, which on the event loop would stall every request for as long. A
// worker thread with its own connection copies while the server goes on committing (a PASSIVE checkpoint
// takes no lock writers need); the server then only copies what was committed after the worker's last
// round, and its next commit starts the log over. The worker opens its connection as worker-connection.ts says.
import { Worker } from 'node:worker_threads';
import { closeWorkerConnection, workerConnectionSource } from './worker-connection.ts';

export interface CheckpointRound {
  /** Every frame of the log was in the database file when the worker's last round ended. */
  caughtUp: boolean;
  frames: number;
  ms: number;
}

const workerSource = `${workerConnectionSource}
// FULL: the log is synced before its pages are copied, the database file after.
db.exec('PRAGMA synchronous = FULL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)', {}, true);
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const started = performance.now();
  try {
    // Commits go on meanwhile: a few rounds catch up with what they add.
    let row;
    for (let round = 0; round < 4; round++) {
      row = checkpoint.get();
      if (row.busy || row.log === row.checkpointed) break;
    }
    parentPort.postMessage({ caughtUp: !row.busy && row.log === row.checkpointed, frames: row.checkpointed, ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
`;

/** A worker thread that checkpoints one database file's WAL on request. */
export class WalCheckpointer {
  private readonly worker: Worker;
  private waiting?: { resolve(round: CheckpointRound): void; reject(error: Error): void };
  private failure?: Error;

  constructor(path: string, addonFile: string) {
    this.worker = new Worker(workerSource, { eval: true, workerData: { path, addonFile }, stdout: false, stderr: false });
    // The server's shutdown does not wait for an idle checkpointer.
    this.worker.unref();
    this.worker.on('message', (message: CheckpointRound | { error: string }) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if ('error' in message) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the WAL checkpoint thread exited (code ${code})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  get busy(): boolean {
    return this.waiting !== undefined;
  }

  /** One checkpoint (one request at a time). */
  checkpoint(): Promise<CheckpointRound> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error('a checkpoint is already running'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage('check');
    });
  }

  /** Closes the worker's connection (after its running checkpoint) and ends the thread. */
  async close(): Promise<void> {
    if (this.failure) return;
    await closeWorkerConnection(this.worker);
  }
}
