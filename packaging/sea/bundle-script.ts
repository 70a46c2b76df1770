// How the single executable runs the k2 bundle: not as Node's SEA main script but through vm.Script, so that
// a V8 code cache taken *after* a real server start can be handed back in. Node's own SEA code cache is made
// before anything runs and holds only the top level; every module function startup calls is then compiled
// again on each start. A cache taken after a start holds the bytecode of all of them.
//
// The bundle text and its cache are appended to the executable rather than embedded as SEA assets: an asset is
// read through the executable's memory mapping, whose pages then stay resident (and count in the process's RSS)
// for as long as it runs, ~10 MB here. Read with plain file reads, only the one copy V8 needs stays.
import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import vm from 'node:vm';
import { limitHeapGrowth } from '../../cmd/heap-growth.ts';

/** Ends the executable: magic, then the byte lengths of the bundle text and of its code cache (u64 LE). */
const trailerMagic = Buffer.from('k2bundle');
const trailerSize = trailerMagic.length + 16;

/** Appends the bundle text (bundleScriptSource, ASCII) and its code cache to `executable`. */
export function appendBundle(executable: string, text: Buffer, codeCache: Buffer): void {
  const trailer = Buffer.alloc(trailerSize);
  trailerMagic.copy(trailer);
  trailer.writeBigUInt64LE(BigInt(text.length), trailerMagic.length);
  trailer.writeBigUInt64LE(BigInt(codeCache.length), trailerMagic.length + 8);
  appendFileSync(executable, Buffer.concat([text, codeCache, trailer]));
}

/**
 * The bundle text and code cache appended to `executable`. Both are read into one buffer: one large allocation,
 * which the C library maps on its own and unmaps once the buffer is collected, instead of a second one that would
 * stay in its heap.
 */
export function readAppendedBundle(executable: string): { script: string; codeCache: Buffer } {
  const fd = openSync(executable, 'r');
  try {
    const read = (length: number, position: number) => {
      const bytes = Buffer.allocUnsafe(length);
      if (readSync(fd, bytes, 0, length, position) !== length) throw new Error(`${executable}: the k2 bundle is cut short`);
      return bytes;
    };
    const end = fstatSync(fd).size;
    const trailer = read(trailerSize, end - trailerSize);
    if (!trailer.subarray(0, trailerMagic.length).equals(trailerMagic)) throw new Error(`${executable} carries no k2 bundle: was it built with npm run build?`);
    const textLength = Number(trailer.readBigUInt64LE(trailerMagic.length));
    const cacheLength = Number(trailer.readBigUInt64LE(trailerMagic.length + 8));
    const both = read(textLength + cacheLength, end - trailerSize - cacheLength - textLength);
    return { script: both.toString('latin1', 0, textLength), codeCache: both.subarray(textLength) };
  } finally {
    closeSync(fd);
  }
}

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

/**
 * Compiles the bundle text, with its code cache when given. V8 accepts a code cache only under the flags it was
 * made with, and the trainer compiles through here too: the one flag `k2 server` sets is set first, so the cache
 * the trainer writes (after a server start) and the executable's compile see the same flags. (Keeping the young
 * generation at 1 MB, --semi-space-growth-factor=1, cost the start ~40 ms of scavenges for no lower idle RSS once
 * the start allocated less.)
 */
export function compileBundleScript(source: string, filename: string, cachedData?: Buffer): vm.Script {
  limitHeapGrowth();
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
