// better-sqlite3's native addon. From source it loads from node_modules as usual; inside the
// single executable it is an embedded asset, written once to a cache file named by its hash
// (so upgrades never load a stale copy) and loaded with process.dlopen. The hash is computed when the
// executable is built: a start that finds the file neither reads nor hashes the 2 MB asset.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as sea from 'node:sea';

export const sqliteAddonAsset = 'better_sqlite3.node';
/** The asset holding the addon's sha256, in hex. */
export const sqliteAddonHashAsset = 'better_sqlite3.node.sha256';
let loaded: object | undefined;

/** The addon's file: node_modules' from source, else unpacked from the executable into `cacheDir` (once per build). */
export function sqliteAddonFile(cacheDir: string): string {
  if (!sea.isSea()) return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  const hash = sea.getAsset(sqliteAddonHashAsset, 'utf8').slice(0, 16);
  const file = join(cacheDir, `better_sqlite3-${hash}.node`);
  if (!existsSync(file)) {
    const bytes = Buffer.from(sea.getAsset(sqliteAddonAsset));
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, bytes, { mode: 0o700 });
    renameSync(partial, file); // atomic: a concurrent k2 never loads a half-written file
  }
  return file;
}

/** The `nativeBinding` to pass to better-sqlite3, or undefined to let it find its own. */
export function sqliteNativeBinding(cacheDir: string): object | undefined {
  if (!sea.isSea()) return undefined;
  if (loaded) return loaded;
  const module = { exports: {} as object };
  process.dlopen(module, sqliteAddonFile(cacheDir));
  loaded = module.exports;
  return loaded;
}
