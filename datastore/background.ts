// What backends share for their background work: where they log, and how much history
// automatic compaction keeps.

/** The part of a pino logger the datastore uses. */
export interface DatastoreLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLog: DatastoreLog = { info() {}, warn() {}, error() {} };

export interface CompactionPolicy {
  /** Compact this often (0: never on a timer). */
  intervalMs: number;
  /** Keep at least this many of the latest revisions; compaction also runs once history exceeds twice this. */
  retain: number;
}

export const defaultCompactionPolicy: CompactionPolicy = { intervalMs: 5 * 60_000, retain: 10_000 };

/** The revision automatic compaction should compact to now, or undefined when nothing is due. */
export function compactionTarget(current: number, compacted: number, policy: CompactionPolicy): number | undefined {
  const target = current - policy.retain;
  return target > compacted ? target : undefined;
}
