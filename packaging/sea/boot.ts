// The main script of the single executable (dist/k2): compiles the embedded k2 bundle with its trained code
// cache and runs it. V8 checks the cache itself; one it rejects (another Node build) only costs compile time.
import { debuglog } from 'node:util';
import { compileBundleScript, readAppendedBundle, runBundleScript } from './bundle-script.ts';

// NODE_DEBUG=k2 tells whether the cache was used, and where the start's first milliseconds went.
const debug = debuglog('k2');
const ms = (from: number, to: number) => `${(to - from).toFixed(1)} ms`;
const started = performance.now();
const bundle = readAppendedBundle(process.execPath);
const read = performance.now();
const script = compileBundleScript(bundle.script, process.execPath, bundle.codeCache);
const compiled = performance.now();
debug(`code cache ${script.cachedDataRejected ? 'rejected' : 'used'}; Node ready after ${ms(0, started)}, bundle read in ${ms(started, read)}, compiled in ${ms(read, compiled)}`);
runBundleScript(script, require, process.execPath);
debug(`bundle modules set up in ${ms(compiled, performance.now())}`);
