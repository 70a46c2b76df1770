// Trains the executable's code cache (run by build.ts in a child `node`, the same Node binary the executable is
// made from, so V8 accepts the cache): compiles the embedded bundle text exactly as dist/k2 does, starts
// `k2 server` from it on a loopback port with the given data dir, waits until /readyz is ok, and writes the code
// cache, which then holds every function the start compiled. A cache passed in is used and carried over, so a
// second run on the same data dir adds what a later start (certificates already there) runs to the first start's.
import { readFileSync, writeFileSync } from 'node:fs';
import { limitHeapGrowth } from '../../cmd/heap-growth.ts';
import { compileBundleScript, runBundleScript } from './bundle-script.ts';
import { freeLoopbackPort, waitForReadyz } from './local-server-probe.ts';

export interface TrainingRun {
  /** The embedded bundle text (bundleScriptSource). */
  script: string;
  /** The executable's other assets by name, as files: the bundle reads them through node:sea. */
  assets: Record<string, string>;
  dataDir: string;
  cacheIn?: string;
  cacheOut: string;
}

/** node:sea as the executable has it, with the assets read from files. */
function seaFromFiles(assets: Record<string, string>) {
  const file = (name: string) => {
    if (!assets[name]) throw new Error(`no asset "${name}" in the training run`);
    return assets[name];
  };
  return {
    isSea: () => true,
    getAsset: (name: string, encoding?: BufferEncoding) => {
      const bytes = readFileSync(file(name));
      return encoding ? bytes.toString(encoding) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    },
  };
}

async function train(run: TrainingRun): Promise<void> {
  const port = await freeLoopbackPort();
  const script = compileBundleScript(readFileSync(run.script, 'utf8'), process.execPath, run.cacheIn ? readFileSync(run.cacheIn) : undefined);
  if (script.cachedDataRejected) throw new Error('the code cache of the first training run was rejected');
  process.argv = [process.execPath, process.execPath, 'server', '--data-dir', run.dataDir, '--bind-address', '127.0.0.1', '--https-listen-port', String(port), '--disable-agent'];
  const sea = seaFromFiles(run.assets);
  runBundleScript(script, (id) => (id === 'node:sea' ? sea : require(id)), process.execPath);

  await waitForReadyz(port, { timeoutMs: 60_000, pollMs: 20 });
  // V8 accepts the cache only under the flags it is made with: the heap growth the executable compiles under.
  limitHeapGrowth();
  writeFileSync(run.cacheOut, script.createCachedData());
  process.kill(process.pid, 'SIGTERM'); // the server stops cleanly and exits
}

train(JSON.parse(process.argv[2]!) as TrainingRun).catch((error: Error) => {
  process.stderr.write(`training the code cache failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
