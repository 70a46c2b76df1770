// Finds the project's shared material (`shared/` beside the repository or one of its parents). Only
// generators and tests read it; the running product never does.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `<…>/shared/<relative>` from the nearest ancestor of the repository that has it; K2_SHARED_DIR wins. */
export function sharedPath(relative: string): string {
  const fromEnv = process.env.K2_SHARED_DIR;
  if (fromEnv) return join(fromEnv, relative);
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`shared material ${relative} not found beside ${repoRoot} or its parents (set K2_SHARED_DIR)`);
  }
}
