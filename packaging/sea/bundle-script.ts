// How the single executable runs the k2 bundle: not as Node's SEA main script but through vm.Script, so that
// a V8 code cache taken *after* a real server start can be handed back in. Node's own SEA code cache is made
// before anything runs and holds only the top level; every module function startup calls is then compiled
// again on each start. A cache taken after a start holds the bytecode of all of them.
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';

/** Asset names inside the executable. */
export const bundleAsset = 'k2.js';
export const codeCacheAsset = 'k2.code-cache';

/**
 * The bundle as one CommonJS-style function expression: the exact text that is embedded, compiled and cached
 * (V8 accepts a code cache only for the same source). Non-ASCII characters are escaped (esbuild leaves them in
 * regular expression literals) because one such character makes V8 hold the whole source as two bytes a
 * character: 5 MB more resident memory for the life of the process.
 */
export function bundleScriptSource(bundle: string): string {
  const ascii = bundle.replace(/^#!.*/, '').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `(function (exports, require, module, __filename, __dirname) {${ascii}\n})`;
}

export function compileBundleScript(source: string, filename: string, cachedData?: Buffer): vm.Script {
  return new vm.Script(source, {
    filename,
    cachedData,
    // Dependencies import a few Node built-ins with import().
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/**
 * Runs the compiled bundle as the main module, with `loadBuiltin` for its require() of Node built-ins. The bundle
 * needs no other module; optional dependencies it probes for (ws's bufferutil) are missing, as they would be from
 * node_modules, without the warning a single executable's own require() prints for them.
 */
export function runBundleScript(script: vm.Script, loadBuiltin: (id: string) => unknown, filename: string): void {
  const requireBuiltin = (id: string) => {
    if (!isBuiltin(id)) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    return loadBuiltin(id);
  };
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, requireBuiltin, module, filename, dirname(filename));
}
