// `npm run build`: one esbuild bundle of the k2 command line, wrapped into a Node single
// executable application at dist/k2 that carries better-sqlite3's native addon as an asset. The bundle itself
// follows the runtime, with a V8 code cache trained on a real start (bundle-script.ts); the main script only runs it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { sqliteAddonAsset, sqliteAddonHashAsset } from '../../datastore/sqlite/native-addon.ts';
import { appendBundle, bundleScriptSource } from './bundle-script.ts';
import { loadOnFirstUse } from './load-on-first-use.ts';
import type { TrainingRun } from './train-code-cache.ts';

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
    plugins: [loadOnFirstUse()],
    logLevel: 'warning',
  });
}

/** Bundles one of the executable's own scripts (its main script, the code cache trainer). */
async function bundleSeaScript(entry: string, outfile: string): Promise<void> {
  await build({ entryPoints: [join(root, 'packaging/sea', entry)], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['node:sea'], logLevel: 'warning' });
}

/**
 * Starts k2 from the embedded bundle text twice on one data dir (a first start, then a later one) and returns the
 * code cache of both (see train-code-cache.ts).
 */
function trainCodeCache(trainer: string, run: Omit<TrainingRun, 'dataDir' | 'cacheIn' | 'cacheOut'>): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'k2-code-cache-'));
  // k2 reads K2_* variables as flags: the builder's own must not change the server trained on.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('K2_'))), HOME: dataDir };
  try {
    let cache: string | undefined;
    for (const start of ['first', 'later']) {
      const cacheOut = join(dist, `k2.code-cache.${start}`);
      const training: TrainingRun = { ...run, dataDir, cacheIn: cache, cacheOut };
      try {
        execFileSync(process.execPath, [trainer, JSON.stringify(training)], { stdio: 'pipe', env, timeout: 120_000 });
      } catch (error) {
        throw new Error(`training the code cache (${start} start) failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message}`);
      }
      if (cache) rmSync(cache);
      cache = cacheOut;
    }
    return cache!;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function buildExecutable(): Promise<string> {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  const bundle = join(dist, 'k2.cjs');
  await bundleK2(bundle);
  const script = join(dist, 'k2.js');
  writeFileSync(script, bundleScriptSource(readFileSync(bundle, 'utf8')));
  const boot = join(dist, 'boot.cjs');
  await bundleSeaScript('boot.ts', boot);
  const trainer = join(dist, 'train-code-cache.cjs');
  await bundleSeaScript('train-code-cache.ts', trainer);

  const addon = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  const addonHash = join(dist, sqliteAddonHashAsset);
  writeFileSync(addonHash, createHash('sha256').update(readFileSync(addon)).digest('hex'));
  const assets = { [sqliteAddonAsset]: addon, [sqliteAddonHashAsset]: addonHash };
  const codeCache = trainCodeCache(trainer, { script, assets });

  const seaConfig = join(dist, 'sea-config.json');
  const blob = join(dist, 'k2.blob');
  writeFileSync(
    seaConfig,
    JSON.stringify({ main: boot, output: blob, disableExperimentalSEAWarning: true, assets }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'pipe' });

  const executable = join(dist, 'k2');
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  execFileSync(
    process.execPath,
    [require.resolve('postject/dist/cli.js'), executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
    { stdio: 'pipe' }, // postject warns about ELF note sections it does not need; harmless
  );
  appendBundle(executable, readFileSync(script), readFileSync(codeCache));
  for (const temporary of [seaConfig, blob, script, boot, trainer, addonHash, codeCache]) rmSync(temporary);
  return executable;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const executable = await buildExecutable();
  console.log(`built ${executable} (${(statSync(executable).size / 1e6).toFixed(1)} MB)`);
}
