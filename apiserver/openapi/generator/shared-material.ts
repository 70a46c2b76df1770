// Where generators and tests find the project's shared reference material (never copied into
// the repository: generators read it and commit structure-only facts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function sharedDir(): string {
  return process.env.K2_SHARED_DIR ?? '/work/shared';
}

export function readSharedJson<T = unknown>(...path: string[]): T {
  return JSON.parse(readFileSync(join(sharedDir(), ...path), 'utf8')) as T;
}
