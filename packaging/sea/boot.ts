// The main script of the single executable (dist/k2): compiles the embedded k2 bundle with its trained code
// cache and runs it. V8 checks the cache itself; one it rejects (another Node build) only costs compile time.
import { getAsset } from 'node:sea';
import { debuglog } from 'node:util';
import { bundleAsset, codeCacheAsset, compileBundleScript, runBundleScript } from './bundle-script.ts';

const script = compileBundleScript(getAsset(bundleAsset, 'utf8'), process.execPath, Buffer.from(getAsset(codeCacheAsset)));
// NODE_DEBUG=k2 tells whether the cache was used.
debuglog('k2')(`code cache ${script.cachedDataRejected ? 'rejected' : 'used'}`);
runBundleScript(script, require, process.execPath);
