// yargs (and cliui and wrap-ansi under it) import string-width, whose module setup (an Intl.Segmenter and regular
// expressions over large Unicode sets) costs ~40 ms on every start of k2, although text is only measured to print
// help. In the bundle each of those imports gets a stand-in that loads the real module on the first measurement.
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';

const namespace = 'string-width-on-first-use';

export const stringWidthOnFirstUse: Plugin = {
  name: namespace,
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === namespace) return undefined; // resolving the real module for a stand-in
      const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: namespace });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace };
    });
    // esbuild runs a module that is only require()d when it is first required: here, on the first call.
    build.onLoad({ filter: /.*/, namespace }, (args) => ({
      resolveDir: dirname(args.path),
      loader: 'js',
      contents: `let stringWidth;
export default function stringWidthOnFirstUse(text, options) {
  stringWidth ??= require(${JSON.stringify(args.path)}).default;
  return stringWidth(text, options);
}`,
    }));
  },
};
