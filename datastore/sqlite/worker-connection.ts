// The opening and closing of a thread that has a connection of its own to a datastore file (the commit thread, the WAL
// checkpointer). Threads run from source text (eval), so they work alike from source, from a bundle and inside the
// single executable, where no module file exists for a worker to load: they load better-sqlite3's native addon
// themselves (workerData.addonFile) and use its Database and Statement directly. What follows has `parentPort`,
// `receiveMessageOnPort`, `workerData` and the open connection `db`.
import type { Worker } from 'node:worker_threads';

export const workerConnectionSource = `
const { parentPort, receiveMessageOnPort, workerData } = require('node:worker_threads');
const addon = { exports: {} };
process.dlopen(addon, workerData.addonFile);
const sqlite = addon.exports;
if (!sqlite.isInitialized) {
  sqlite.setErrorConstructor(Error);
  sqlite.isInitialized = true;
}
// (filename, filenameGiven, anonymous, readonly, fileMustExist, busy timeout ms, verbose, buffer)
const db = new sqlite.Database(workerData.path, workerData.path, false, false, true, 5000, null, null);
`;

/**
 * Asks such a thread to close its connection (it answers 'close' after the work it was given before) and waits until
 * it has exited. Until then the thread keeps the process alive: an idle one is unref'd, and closing is awaited.
 */
export async function closeWorkerConnection(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref();
  worker.postMessage('close');
  await exited;
}
