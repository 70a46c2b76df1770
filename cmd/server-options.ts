// The flags of `k2 server`, with k3s's names. Every flag may also come from the YAML config file
// (same keys) or a K2_* environment variable (K2_DATA_DIR for --data-dir); flags win over the
// environment, which wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import YAML from 'yaml';
import { logLevels, type LogFormat, type LogLevel } from './logging.ts';
import { defaultConfigFile, defaultDataDir } from './paths.ts';
import { cidr, ipv4, nodeFlags, toNodeFlags, type NodeFlags } from './node-options.ts';

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
  /** Run no node in this process. */
  disableAgent: boolean;
  node: NodeFlags;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  clusterDomain: string;
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
      'disable-agent': { type: 'boolean', default: false, describe: 'Run no node (no pods) in this server', group: 'Node:' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16', coerce: cidr, describe: 'Pod addresses; each node gets a /24 of it', group: 'Networking:' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16', coerce: cidr, describe: 'Service ClusterIP addresses', group: 'Networking:' },
      'cluster-dns': { type: 'string', default: '10.43.0.10', coerce: ipv4, describe: 'Address of the cluster DNS (served by k2 on every node)', group: 'Networking:' },
      'cluster-domain': { type: 'string', default: 'cluster.local', describe: 'Cluster domain of service and pod DNS names', group: 'Networking:' },
      ...nodeFlags,
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
    disableAgent: argv['disable-agent'] as boolean,
    node: toNodeFlags(argv),
    clusterCidr: argv['cluster-cidr'] as string,
    serviceCidr: argv['service-cidr'] as string,
    clusterDns: argv['cluster-dns'] as string,
    clusterDomain: argv['cluster-domain'] as string,
  };
}
