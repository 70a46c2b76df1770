// Startup figures of the single executable: process start → /readyz ok, idle RSS, file size.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildExecutable } from '../../packaging/sea/build.ts';
import { freeLoopbackPort, waitForReadyz } from '../../packaging/sea/local-server-probe.ts';
import { tempDir } from '../e2e/harness.ts';
import { ms, printTable } from './table.ts';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function timeToReady(executable: string, dataDir: string, port: number): Promise<{ ms: number; stop: () => Promise<void>; pid: number }> {
  const started = performance.now();
  // k2 reads K2_* variables as flags: the benchmark's own (K2_BENCH_REBUILD) must not reach it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('K2_')));
  const child = spawn(executable, ['server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--https-listen-port', String(port), '--disable-agent'], { stdio: 'ignore', env: { ...env, HOME: dataDir } });
  await waitForReadyz(port, { timeoutMs: 30_000, failure: () => (child.exitCode !== null ? `k2 exited with ${child.exitCode} before it was ready` : undefined) });
  const elapsed = performance.now() - started;
  return {
    ms: elapsed,
    pid: child.pid!,
    stop: () => new Promise<void>((done) => {
      child.on('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

export async function startupBenchmark(): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  let executable = join(root, 'dist/k2');
  if (!existsSync(executable) || process.env.K2_BENCH_REBUILD !== '0') executable = await buildExecutable();
  // Run from an empty folder with no node_modules, as a user would.
  const folder = tempDir('k2-bench-startup-');
  const copy = join(folder, 'k2');
  copyFileSync(executable, copy);

  const dataDir = join(folder, 'data');
  // Later starts are restarts of the same server: same data dir, same port (a new port is a changed
  // configuration, which k2 writes into the kubernetes Endpoints at start).
  const port = await freeLoopbackPort();
  const first = await timeToReady(copy, dataDir, port);
  await first.stop();
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    const run = await timeToReady(copy, dataDir, port);
    warm.push(run.ms);
    await run.stop();
  }
  const idle = await timeToReady(copy, dataDir, port);
  await new Promise((r) => setTimeout(r, 10_000));
  const rss = rssMb(idle.pid);
  await idle.stop();
  rmSync(folder, { recursive: true, force: true });

  warm.sort((a, b) => a - b);
  printTable(
    ['figure', 'value', 'goal'],
    [
      ['start → /readyz ok, first start (creates CA and certificates)', ms(first.ms), ''],
      ['start → /readyz ok, later starts (median of 5)', ms(warm[2]!), '< 400 ms'],
      ['idle RSS after 10 s', `${rss.toFixed(1)} MB`, '< 90 MB'],
      ['size of dist/k2', `${(statSync(executable).size / 1e6).toFixed(1)} MB`, ''],
    ],
  );
}
