// Reading tar archives in memory, synchronously (chart archives are small), with the `tar` package.
import { Parser, type ReadEntry } from 'tar';

export interface TarEntry {
  name: string;
  data: Buffer;
}

/** The regular files of an uncompressed tar archive, in archive order. */
export function extractTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let failure: Error | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      if (entry.type !== 'File' && entry.type !== 'OldFile') {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => entries.push({ name: entry.path, data: Buffer.concat(chunks) }));
    },
  });
  parser.on('error', (e: Error) => {
    failure = e;
  });
  parser.write(tar);
  parser.end();
  if (failure) throw new Error(`invalid tar archive: ${failure.message}`);
  return entries;
}
