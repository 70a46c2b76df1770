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
  // Security (see README "Security").
  anonymousAuth: boolean;
  authorizationMode: 'RBAC' | 'AlwaysAllow';
  tokenAuthFile?: string;
  serviceAccountIssuer: string[];
  apiAudiences: string[];
  serviceAccountMaxTokenExpirationSeconds?: number;
  serviceAccountExtendTokenExpiration: boolean;
  serviceAccountJwksUri?: string;
  secretsEncryption: boolean;
  auditLogPath?: string;
  auditPolicyFile?: string;
  auditLogMaxSizeMb: number;
  auditLogMaxBackup: number;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  maxWatchesPerUser: number;
  requestReadTimeoutSeconds: number;
}

export function port(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port "${value}": want a number from 0 to 65535`);
  return n;
}

/** A Go duration (`90s`, `1h30m`, `48h`) or plain seconds, as seconds. */
export function durationSeconds(value: unknown): number {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new Error(`invalid duration "${text}": want e.g. 90s, 30m or 48h`);
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0));
}

function count(name: string) {
  return (value: unknown): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${name} "${value}": want a whole number, 0 or more`);
    return n;
  };
}

const listFlag = (values: unknown) => ([] as string[]).concat(values as string[]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);

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
      'log-level': { type: 'string', choices: logLevels, default: 'info' as LogLevel, describe: 'Log level', group: 'Logging:' },
      'log-format': { type: 'string', choices: ['json', 'text'] as const, default: 'json' as LogFormat, describe: 'Log line format', group: 'Logging:' },
      'anonymous-auth': { type: 'boolean', default: false, describe: 'Serve requests without credentials as system:anonymous (then RBAC decides) instead of 401', group: 'Security:' },
      'authorization-mode': { type: 'string', choices: ['RBAC', 'AlwaysAllow'] as const, default: 'RBAC', describe: 'RBAC (with the Node authorizer for agents), or allow every authenticated request', group: 'Security:' },
      'token-auth-file': { type: 'string', describe: 'CSV file of static bearer tokens: token,user,uid,"group1,group2"', group: 'Security:' },
      'service-account-issuer': { type: 'string', array: true, default: ['https://kubernetes.default.svc.cluster.local'], describe: 'Issuer of service-account tokens (first signs; others are still accepted)', group: 'Security:' },
      'api-audiences': { type: 'string', array: true, default: [] as string[], describe: 'Audiences the API accepts in tokens [default: the first issuer]', group: 'Security:' },
      'service-account-max-token-expiration': { type: 'string', coerce: durationSeconds, describe: 'Longest lifetime a TokenRequest gets (e.g. 48h) [default: as requested]', group: 'Security:' },
      'service-account-extend-token-expiration': { type: 'boolean', default: true, describe: "Extend the node agent's pod tokens to a year, as Kubernetes does", group: 'Security:' },
      'service-account-jwks-uri': { type: 'string', describe: 'JWKS URL published in the OpenID configuration [default: <issuer>/openid/v1/jwks]', group: 'Security:' },
      'secrets-encryption': { type: 'boolean', default: false, describe: 'Encrypt Secrets at rest with AES-GCM (key in <data-dir>/cred/encryption-config.json)', group: 'Security:' },
      'audit-log-path': { type: 'string', describe: 'Write audit.k8s.io/v1 events here as JSON lines ("-" for standard output)', group: 'Security:' },
      'audit-policy-file': { type: 'string', describe: 'Audit Policy (audit.k8s.io/v1) [default: every request at Metadata level]', group: 'Security:' },
      'audit-log-maxsize': { type: 'string', default: 100, coerce: count('audit-log-maxsize'), describe: 'Rotate the audit log past this many megabytes (0: never)', group: 'Security:' },
      'audit-log-maxbackup': { type: 'string', default: 10, coerce: count('audit-log-maxbackup'), describe: 'Rotated audit logs to keep (0: all)', group: 'Security:' },
      'max-requests-inflight': { type: 'string', default: 400, coerce: count('max-requests-inflight'), describe: 'Read requests served at once before 429 (0: no limit)', group: 'Limits:' },
      'max-mutating-requests-inflight': { type: 'string', default: 200, coerce: count('max-mutating-requests-inflight'), describe: 'Writes served at once before 429 (0: no limit)', group: 'Limits:' },
      'max-watches-per-user': { type: 'string', default: 200, coerce: count('max-watches-per-user'), describe: 'Watches one user may hold open (0: no limit)', group: 'Limits:' },
      'request-read-timeout': { type: 'string', default: '60s', coerce: durationSeconds, describe: 'Time a client has to send a request (headers and body)', group: 'Limits:' },
    })
    .strict();
}

export function toServerOptions(argv: Record<string, unknown>): ServerOptions {
  return {
    dataDir: argv['data-dir'] as string,
    bindAddress: argv['bind-address'] as string,
    httpsListenPort: argv['https-listen-port'] as number,
    tlsSan: listFlag(argv['tls-san']),
    writeKubeconfig: argv['write-kubeconfig'] as string | undefined,
    writeKubeconfigMode: argv['write-kubeconfig-mode'] as number,
    nodeName: argv['node-name'] as string,
    logLevel: argv['log-level'] as LogLevel,
    logFormat: argv['log-format'] as LogFormat,
    anonymousAuth: argv['anonymous-auth'] as boolean,
    authorizationMode: argv['authorization-mode'] as ServerOptions['authorizationMode'],
    tokenAuthFile: argv['token-auth-file'] as string | undefined,
    serviceAccountIssuer: listFlag(argv['service-account-issuer']),
    apiAudiences: listFlag(argv['api-audiences']).length ? listFlag(argv['api-audiences']) : listFlag(argv['service-account-issuer']).slice(0, 1),
    serviceAccountMaxTokenExpirationSeconds: argv['service-account-max-token-expiration'] as number | undefined,
    serviceAccountExtendTokenExpiration: argv['service-account-extend-token-expiration'] as boolean,
    serviceAccountJwksUri: argv['service-account-jwks-uri'] as string | undefined,
    secretsEncryption: argv['secrets-encryption'] as boolean,
    auditLogPath: argv['audit-log-path'] as string | undefined,
    auditPolicyFile: argv['audit-policy-file'] as string | undefined,
    auditLogMaxSizeMb: argv['audit-log-maxsize'] as number,
    auditLogMaxBackup: argv['audit-log-maxbackup'] as number,
    maxRequestsInflight: argv['max-requests-inflight'] as number,
    maxMutatingRequestsInflight: argv['max-mutating-requests-inflight'] as number,
    maxWatchesPerUser: argv['max-watches-per-user'] as number,
    requestReadTimeoutSeconds: argv['request-read-timeout'] as number,
  };
}
