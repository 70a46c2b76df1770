// `npm run bench -- <name> [<name>…]`: the figures each issue asks for, printed as tables.
// Benchmarks measure; they do not assert. Run them on an otherwise idle machine.
import { bundleK2 } from '../../packaging/sea/build.ts';
import { testBundlePath } from '../e2e/harness.ts';
import { benchmarks } from './registry.ts';

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(benchmarks);
// Servers start from the same bundle the e2e tests use, built fresh from the sources.
await bundleK2(testBundlePath, { nativeModulesFromNodeModules: true });
for (const name of names) {
  const run = benchmarks[name];
  if (!run) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benchmarks).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n`);
  await run();
}
