// Locates the project's shared material (`shared/` beside the repository, or $K2_SHARED_DIR).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findSharedDir(): string {
  if (process.env.K2_SHARED_DIR) return process.env.K2_SHARED_DIR;
  let dir = resolve(import.meta.dirname, '../..');
  for (let i = 0; i < 4; i++) {
    const candidate = join(dirname(dir), 'shared');
    if (existsSync(join(candidate, 'gotemplate'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('shared/ not found beside the repository; set K2_SHARED_DIR');
}

export const sharedDir = findSharedDir();

export function readSharedJson<T>(path: string): T {
  return JSON.parse(readFileSync(join(sharedDir, path), 'utf8')) as T;
}
