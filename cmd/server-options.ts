// The flags of `k2 server`, with k3s's names. Every flag may also come from the YAML config file
// (same keys) or a K2_* environment variable (K2_DATA_DIR for --data-dir); flags win over the
// environment, which wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import YAML from 'yaml';
import { logLevels, type LogFormat, type LogLevel } from './logging.ts';
import { defaultConfigFile, defaultDataDir } from './paths.ts';

export interface ServerOptions {
  dataDir: string;
  bindAddress: string;
  httpsListenPort: number;
  tlsSan: string[];
  writeKubeconfig?: string;
  writeKubeconfigMode: number;
  nodeName: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Test only: this many simulated nodes (never the default). */
  simulatedNodes: number;
  nodeMonitorGracePeriodMs: number;
}

/** A Go-style duration ("40s", "1m30s", "500ms") in milliseconds. */
export function durationMs(value: unknown): number {
  const text = String(value).trim();
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  if (!text) throw new Error('invalid duration "": want e.g. 40s or 1m');
  while (rest) {
    const match = part.exec(rest);
    if (!match) throw new Error(`invalid duration "${text}": want e.g. 40s or 1m`);
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

export function port(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port "${value}": want a number from 0 to 65535`);
  return n;
}

export function fileMode(value: unknown): number {
  const text = String(value);
  if (!/^0?[0-7]{3}$/.test(text)) throw new Error(`invalid file mode "${text}": want octal such as 0600 or 644`);
  return parseInt(text, 8);
}

/** Reads the YAML config file; a missing default file is fine, a missing named one is not. */
export function loadConfigFile(path: string): Record<string, unknown> {
  const explicit = path !== defaultConfigFile();
  if (!existsSync(path)) {
    if (explicit) throw new Error(`config file ${path} does not exist`);
    return {};
  }
  const parsed = YAML.parse(readFileSync(path, 'utf8'));
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`config file ${path}: want a YAML mapping of flag names to values`);
  return parsed as Record<string, unknown>;
}

export function serverOptionsBuilder<T>(y: Argv<T>) {
  return y
    .env('K2')
    .config('config', `YAML file with flag values (same keys as the flags)`, loadConfigFile)
    .default('config', defaultConfigFile())
    .options({
      'data-dir': { type: 'string', default: defaultDataDir(), describe: 'Folder for the datastore, certificates and kubeconfig', group: 'Server:' },
      'bind-address': { type: 'string', default: '0.0.0.0', describe: 'Address the API server listens on', group: 'Server:' },
      'https-listen-port': { type: 'string', default: 6443, coerce: port, describe: 'HTTPS port of the API server (0 picks a free one)', group: 'Server:' },
      'tls-san': { type: 'string', array: true, default: [] as string[], describe: 'Extra host name or IP for the serving certificate (repeatable)', group: 'Server:' },
      'write-kubeconfig': { alias: 'o', type: 'string', describe: 'Write the admin kubeconfig here [default: <data-dir>/kubeconfig.yaml]', group: 'Server:' },
      'write-kubeconfig-mode': { type: 'string', default: '0600', coerce: fileMode, describe: 'File mode of the written kubeconfig', group: 'Server:' },
      'node-name': { type: 'string', default: '', describe: 'Name of this node [default: the host name]', group: 'Server:' },
      'simulated-nodes': { type: 'number', default: 0, hidden: true, describe: 'Test only: register N simulated nodes whose pods "run" without a runtime (scale tests)', group: 'Testing:' },
      'node-monitor-grace-period': { type: 'string', default: '40s', coerce: durationMs, hidden: true, describe: 'How long a node may be silent before it is marked NotReady', group: 'Testing:' },
      'log-level': { type: 'string', choices: logLevels, default: 'info' as LogLevel, describe: 'Log level', group: 'Logging:' },
      'log-format': { type: 'string', choices: ['json', 'text'] as const, default: 'json' as LogFormat, describe: 'Log line format', group: 'Logging:' },
    })
    .strict();
}

export function toServerOptions(argv: Record<string, unknown>): ServerOptions {
  return {
    dataDir: argv['data-dir'] as string,
    bindAddress: argv['bind-address'] as string,
    httpsListenPort: argv['https-listen-port'] as number,
    tlsSan: (argv['tls-san'] as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
    writeKubeconfig: argv['write-kubeconfig'] as string | undefined,
    writeKubeconfigMode: argv['write-kubeconfig-mode'] as number,
    nodeName: argv['node-name'] as string,
    logLevel: argv['log-level'] as LogLevel,
    logFormat: argv['log-format'] as LogFormat,
    simulatedNodes: (argv['simulated-nodes'] as number | undefined) ?? 0,
    nodeMonitorGracePeriodMs: (argv['node-monitor-grace-period'] as number | undefined) ?? 40_000,
  };
}
