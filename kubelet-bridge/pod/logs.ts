// Container logs for `pods/log`: reads the CRI log file a container writes (`<RFC3339Nano> <stream> <P|F> <text>`
// per line; P marks a partial line continued by the next entry), with the PodLogOptions kubectl sends:
// tailLines, sinceSeconds/sinceTime, timestamps, limitBytes and follow (until the container stops).
import { open, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
  /** Ends a follow. */
  signal?: AbortSignal;
  /** How often a follow looks for new lines. */
  pollMs?: number;
}

export interface LogEntry {
  /** The CRI timestamp as written (nanosecond precision). */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The text, with a newline when the entry ended a line. */
  text: string;
}

/** Parses complete CRI log lines; joins partial (P) entries into the following one. */
export function parseCriLog(text: string): LogEntry[] {
  const entries: LogEntry[] = [];
  let pending: LogEntry | undefined;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    const third = line.indexOf(' ', second + 1);
    if (first < 0 || second < 0) continue;
    const time = line.slice(0, first);
    const stream = line.slice(first + 1, second) as LogEntry['stream'];
    const tag = third < 0 ? line.slice(second + 1) : line.slice(second + 1, third);
    const content = third < 0 ? '' : line.slice(third + 1);
    const partial = tag.split(':')[0] === 'P';
    if (pending) {
      pending.text += content;
      if (!partial) {
        pending.text += '\n';
        entries.push(pending);
        pending = undefined;
      }
    } else if (partial) pending = { time, stream, text: content };
    else entries.push({ time, stream, text: `${content}\n` });
  }
  return entries;
}

function sinceMs(options: LogOptions): number | undefined {
  if (options.sinceTime) return Date.parse(options.sinceTime);
  if (options.sinceSeconds !== undefined) return Date.now() - options.sinceSeconds * 1000;
  return undefined;
}

/** Writes the container's log to `out` as the API's pods/log returns it; resolves when done (or the follow ends). */
export async function streamContainerLog(path: string, options: LogOptions, out: Writable, stillRunning: () => Promise<boolean>): Promise<void> {
  const since = sinceMs(options);
  let budget = options.limitBytes ?? Infinity;
  const emit = (entries: LogEntry[]): boolean => {
    for (const entry of entries) {
      if (since !== undefined && Date.parse(entry.time) < since) continue;
      let text = options.timestamps ? `${entry.time} ${entry.text}` : entry.text;
      if (Buffer.byteLength(text) > budget) text = Buffer.from(text).subarray(0, budget).toString();
      budget -= Buffer.byteLength(text);
      out.write(text);
      if (budget <= 0) return false;
    }
    return true;
  };
  const file = await open(path, 'r');
  try {
    let offset = 0;
    let carry = '';
    const readNew = async (): Promise<LogEntry[]> => {
      const { size } = await stat(path);
      if (size <= offset) return [];
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const text = carry + buffer.subarray(0, bytesRead).toString('utf8');
      const lastNewline = text.lastIndexOf('\n');
      carry = text.slice(lastNewline + 1);
      return parseCriLog(text.slice(0, lastNewline + 1));
    };
    let entries = await readNew();
    if (options.tailLines !== undefined) entries = options.tailLines <= 0 ? [] : entries.slice(-options.tailLines);
    if (!emit(entries) || !options.follow) return;
    const pollMs = options.pollMs ?? 200;
    while (!options.signal?.aborted) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const running = await stillRunning();
      if (!emit(await readNew())) return;
      if (!running) return;
    }
  } finally {
    await file.close();
  }
}
