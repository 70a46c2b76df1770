// Which k2 server has a SQLite datastore open. SQLite lets any number of processes open the file,
// which is what online snapshots from `k2 snapshot save` rely on; but a second server, or a
// restore under a running server, would lose writes. The server leaves its pid beside the file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const ownerFile = (databasePath: string) => `${databasePath}.owner`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live process that claimed the file (not this one), if any. */
export function datastoreOwner(databasePath: string): number | undefined {
  let pid: number;
  try {
    pid = Number(JSON.parse(readFileSync(ownerFile(databasePath), 'utf8')).pid);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

export function inUseMessage(databasePath: string, pid: number): string {
  return `the datastore ${databasePath} is in use by k2 server pid ${pid}; stop that server first (if no k2 server runs, delete ${ownerFile(databasePath)})`;
}

/** Claims the file for this process; returns the release function. */
export function claimDatastore(databasePath: string): () => void {
  const owner = datastoreOwner(databasePath);
  if (owner !== undefined) throw new Error(inUseMessage(databasePath, owner));
  writeFileSync(ownerFile(databasePath), `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`, { mode: 0o600 });
  return () => rmSync(ownerFile(databasePath), { force: true });
}
