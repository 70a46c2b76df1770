// Modules whose setup costs k2's start noticeable time although a start never uses them: yargs' text measurement
// (string-width builds an Intl.Segmenter and regular expressions over large Unicode sets, only needed to print
// help), CEL (protobuf descriptors of the CEL spec, needed once a webhook or admission policy has an expression),
// X.509 (an ASN.1 schema stack, needed for the first CertificateSigningRequest), pino-pretty (--log-format text),
// protobufjs (protobuf OpenAPI, CRI, etcd), semver (fastify's plugin version checks), htmlparser2 (the first HTML
// page through pods/proxy or services/proxy; its entity tables are large) and the http2 and readline
// built-ins. In the bundle each import of one of them gets a stand-in that loads the real module the first time one
// of its exports is read; code that uses them stays synchronous. NODE_DEBUG=k2 logs each such load.
//
// The stand-in is a CommonJS module whose exports are getters: esbuild reads an import from a CommonJS module as a
// property of its exports at the moment of use (also `import * as ns`, whose members it copies as getters). The
// default import of a CommonJS module is its exports object, as in Node; when the real default export is a
// function, the stand-in's exports object is a function that calls it.
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

const namespace = 'load-on-first-use';

/** Modules the executable loads on first use. Module setup that reads one of them at its top level defeats this. */
export const modulesLoadedOnFirstUse = [
  'string-width',
  '@bufbuild/cel',
  '@peculiar/x509',
  'pino-pretty',
  'protobufjs',
  'semver',
  'htmlparser2',
  'node:http2',
  'node:readline',
];

/** The names a module exports, as Node loads it here at build time (a CommonJS module's exports object too). */
async function exportedNames(path: string): Promise<{ names: string[]; defaultIsFunction: boolean }> {
  const loaded = (await import(isBuiltin(path) ? path : pathToFileURL(path).href)) as Record<string, unknown>;
  const names = new Set(Object.keys(loaded));
  const fallback = loaded.default;
  if (fallback && typeof fallback === 'object') for (const name of Object.keys(fallback)) names.add(name);
  names.delete('default');
  return { names: [...names], defaultIsFunction: typeof fallback === 'function' };
}

function standInSource(specifier: string, realPath: string, names: string[], defaultIsFunction: boolean): string {
  return `let real;
function load() {
  if (!real) {
    real = require(${JSON.stringify(realPath)});
    require("node:util").debuglog("k2")(${JSON.stringify(`loaded ${specifier} on first use`)});
  }
  return real;
}
const standIn = ${defaultIsFunction ? 'function (...args) { const m = load(), f = m.__esModule ? m.default : m; return new.target ? Reflect.construct(f, args) : f.apply(this, args); }' : '{}'};
for (const name of ${JSON.stringify(names)}) Object.defineProperty(standIn, name, { enumerable: true, get: () => load()[name] });
module.exports = standIn;
`;
}

/** `http2` and `node:http2` name one module. */
function canonical(specifier: string): string {
  return isBuiltin(specifier) && !specifier.startsWith('node:') ? `node:${specifier}` : specifier;
}

export function loadOnFirstUse(specifiers: string[] = modulesLoadedOnFirstUse): Plugin {
  const escaped = specifiers.map((s) => s.replace(/^node:/, '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const filter = new RegExp(`^(node:)?(${escaped.join('|')})$`);
  return {
    name: namespace,
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        // The stand-in's own require, and resolving the real module for a stand-in, get the real module.
        if (args.namespace === namespace || args.pluginData === namespace) return undefined;
        if (!specifiers.includes(canonical(args.path))) return undefined; // e.g. a package named like a built-in
        if (isBuiltin(args.path)) return { path: canonical(args.path), namespace, pluginData: canonical(args.path) };
        const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: namespace });
        if (real.errors.length) return { errors: real.errors };
        return { path: real.path, namespace, pluginData: args.path };
      });
      build.onLoad({ filter: /.*/, namespace }, async (args) => {
        const specifier = args.pluginData as string;
        const { names, defaultIsFunction } = await exportedNames(args.path);
        return { resolveDir: isBuiltin(args.path) ? process.cwd() : dirname(args.path), loader: 'js', contents: standInSource(specifier, args.path, names, defaultIsFunction) };
      });
    },
  };
}
