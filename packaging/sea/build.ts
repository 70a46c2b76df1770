// `npm run build`: one esbuild bundle of the k2 command line, wrapped into a Node single
// executable application at dist/k2 that carries better-sqlite3's native addon as an asset.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { sqliteAddonAsset } from '../../datastore/sqlite/native-addon.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dist = join(root, 'dist');
const require = createRequire(join(root, 'package.json'));

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Bundles the k2 command line into one CommonJS file. The executable embeds everything; a bundle
 * for tests (`nativeModulesFromNodeModules`) leaves better-sqlite3 to load from node_modules.
 */
export async function bundleK2(outfile: string, options: { nativeModulesFromNodeModules?: boolean } = {}): Promise<void> {
  await build({
    entryPoints: [join(root, 'cmd/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs', // single executable applications run a CommonJS script
    target: 'node20',
    // Whitespace and syntax only: identifiers keep their names, so stack traces and class names stay
    // readable without esbuild's keepNames, whose __name() call on every closure costs ~5% of a request.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    sourcemap: false,
    external: ['node:sea', ...(options.nativeModulesFromNodeModules ? ['better-sqlite3'] : [])],
    // ESM dependencies read import.meta.url; give them the executable's own path.
    banner: { js: 'const __k2ImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': '__k2ImportMetaUrl',
      __K2_GIT_COMMIT__: JSON.stringify(gitCommit()),
      __K2_BUILD_DATE__: JSON.stringify(new Date().toISOString().replace(/\.\d+Z$/, 'Z')),
    },
    logLevel: 'warning',
  });
}

export async function buildExecutable(): Promise<string> {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const bundle = join(dist, 'k2.cjs');
  await bundleK2(bundle);

  const addon = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  const seaConfig = join(dist, 'sea-config.json');
  const blob = join(dist, 'k2.blob');
  writeFileSync(
    seaConfig,
    JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets: { [sqliteAddonAsset]: addon } }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

  const executable = join(dist, 'k2');
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  execFileSync(
    process.execPath,
    [require.resolve('postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
    { stdio: 'pipe' }, // postject warns about ELF note sections it does not need; harmless
  );
  for (const temporary of [seaConfig, blob]) rmSync(temporary);
  return executable;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const executable = await buildExecutable();
  console.log(`built ${executable} (${(statSync(executable).size / 1e6).toFixed(1)} MB)`);
}
