// Runs the `k2` command line (the test bundle) as a user would, and returns what it printed.
import { execFile } from 'node:child_process';
import { testBundlePath, type CommandResult } from '../e2e/harness.ts';

export function k2(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [testBundlePath, ...args],
      // A config file the machine may have must not change what the test runs.
      { timeout: options.timeoutMs ?? 60_000, env: { ...process.env, K2_CONFIG: '/dev/null', ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
