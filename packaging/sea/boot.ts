// The main script of the single executable (dist/k2): compiles the embedded k2 bundle with its trained code
// cache and runs it. V8 checks the cache itself; one it rejects (another Node build) only costs compile time.
import { debuglog } from 'node:util';
import { compileBundleScript, readAppendedBundle, runBundleScript } from './bundle-script.ts';

const bundle = readAppendedBundle(process.execPath);
const script = compileBundleScript(bundle.script, process.execPath, bundle.codeCache);
// NODE_DEBUG=k2 tells whether the cache was used.
debuglog('k2')(`code cache ${script.cachedDataRejected ? 'rejected' : 'used'}`);
runBundleScript(script, require, process.execPath);
