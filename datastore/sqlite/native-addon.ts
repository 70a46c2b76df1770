// better-sqlite3's native addon. From source it loads from node_modules as usual; inside the
// single executable it is an embedded asset, written once to a cache file named by its hash
// (so upgrades never load a stale copy) and loaded with process.dlopen.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sea from 'node:sea';

export const sqliteAddonAsset = 'better_sqlite3.node';
let loaded: object | undefined;

/** The `nativeBinding` to pass to better-sqlite3, or undefined to let it find its own. */
export function sqliteNativeBinding(cacheDir: string): object | undefined {
  if (!sea.isSea()) return undefined;
  if (loaded) return loaded;
  const bytes = Buffer.from(sea.getAsset(sqliteAddonAsset));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = join(cacheDir, `better_sqlite3-${hash}.node`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, bytes, { mode: 0o700 });
    renameSync(partial, file); // atomic: a concurrent k2 never loads a half-written file
  }
  const module = { exports: {} as object };
  process.dlopen(module, file);
  loaded = module.exports;
  return loaded;
}
