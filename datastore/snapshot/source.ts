// What a snapshot is read from and written to: every current key of a datastore at one revision,
// streamed in batches, so a snapshot, a restore and a migration never hold the whole store in memory.
import type { KeyValue } from '../types.ts';

export interface SnapshotReader {
  /** The revision every key was read at. */
  readonly revision: number;
  /** The keys in key order; iterate once. */
  readonly batches: AsyncIterable<KeyValue[]>;
  /** Ends the read (also when the batches were not read to the end). */
  close(): Promise<void>;
}

export interface SnapshotSource {
  /** An online, consistent read of every key: writers go on meanwhile. */
  readSnapshot(): Promise<SnapshotReader>;
}
