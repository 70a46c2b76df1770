// The flags of `k2 server`, with k3s's names. Every flag may also come from the YAML config file
// (same keys) or a K2_* environment variable (K2_DATA_DIR for --data-dir); flags win over the
// environment, which wins over the file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import YAML from 'yaml';
import type { LeaderElectionTiming } from '../controllers/leader-election.ts';
import type { CompactionPolicy } from '../datastore/background.ts';
import { checkEndpoint, type DatastoreConfig } from '../datastore/open.ts';
import type { S3Options } from '../datastore/snapshot/s3-storage.ts';
import { validateCron } from '../datastore/snapshot/scheduler.ts';
import { logLevels, type LogFormat, type LogLevel } from './logging.ts';
import { defaultConfigFile, defaultDataDir } from './paths.ts';
import { cidr, ipv4, nodeFlags, toNodeFlags, type NodeFlags } from './node-options.ts';

export interface ServerOptions {
  dataDir: string;
  bindAddress: string;
  advertiseAddress?: string;
  httpsListenPort: number;
  tlsSan: string[];
  writeKubeconfig?: string;
  writeKubeconfigMode: number;
  nodeName: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  datastore: DatastoreConfig & { compaction: CompactionPolicy };
  snapshots: SnapshotOptions;
  /** Test only: this many simulated nodes (never the default). */
  simulatedNodes: number;
  nodeMonitorGracePeriodMs: number;
  /** Run no node in this process. */
  disableAgent: boolean;
  /** Lease timing for the controllers and the scheduler; undefined (--leader-elect=false): they always run. */
  leaderElection?: LeaderElectionTiming;
  node: NodeFlags;
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  clusterDomain: string;
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

/** Where snapshots go (shared by the server's schedule and `k2 snapshot`). */
export interface SnapshotStorageOptions {
  dir: string;
  compress: boolean;
  /** Set when --snapshot-s3 is on. */
  s3?: S3Options;
}

export interface SnapshotOptions extends SnapshotStorageOptions {
  disabled: boolean;
  cron: string;
  retention: number;
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

/** A duration such as 30s, 5m, 1h30m or 250ms (a bare number is seconds), in milliseconds. */
export function duration(value: unknown): number {
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (!parts.length || parts.map((part) => part[0]).join('') !== text) throw new Error(`invalid duration "${text}": want e.g. 30s, 5m, 1h30m (0 disables)`);
  return parts.reduce((total, part) => total + Number(part[1]) * units[part[2]!]!, 0);
}

export function positiveInteger(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`invalid number "${value}": want a whole number of at least 1`);
  return n;
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

/** Flags naming the datastore; the server and the snapshot and datastore commands share them. */
export const datastoreFlags = {
  'datastore-endpoint': {
    type: 'string',
    default: '',
    coerce: (value: unknown) => checkEndpoint(value),
    describe: 'The datastore: sqlite:///path/state.db, or etcd at http(s)://host:2379 (comma-separated for several) [default: SQLite at <data-dir>/db/state.db]',
    group: 'Datastore:',
  },
  'datastore-cafile': { type: 'string', describe: 'CA certificate that signed etcd\'s serving certificate', group: 'Datastore:' },
  'datastore-certfile': { type: 'string', describe: 'Client certificate for etcd', group: 'Datastore:' },
  'datastore-keyfile': { type: 'string', describe: 'Client key for etcd', group: 'Datastore:' },
} as const;

const compactionFlags = {
  'datastore-compact-interval': { type: 'string', default: '5m', coerce: duration, describe: 'How often old datastore history is compacted (0: only when it outgrows the retained window)', group: 'Datastore:' },
  'datastore-compact-retain': { type: 'string', default: 10_000, coerce: positiveInteger, describe: 'Revisions of history kept for watches and paginated lists; compaction also runs once history is twice this', group: 'Datastore:' },
} as const;

/** Where snapshots are stored; shared with `k2 snapshot`. */
export const snapshotStorageFlags = {
  'snapshot-dir': { type: 'string', describe: 'Folder for snapshots [default: <data-dir>/snapshots]', group: 'Snapshots:' },
  'snapshot-compress': { type: 'boolean', default: true, describe: 'gzip snapshots (--snapshot-compress=false to store them plain)', group: 'Snapshots:' },
  'snapshot-s3': { type: 'boolean', default: false, describe: 'Also upload snapshots to S3', group: 'Snapshots:' },
  'snapshot-s3-endpoint': { type: 'string', default: 's3.amazonaws.com', describe: 'S3 endpoint (host[:port])', group: 'Snapshots:' },
  'snapshot-s3-bucket': { type: 'string', default: '', describe: 'S3 bucket', group: 'Snapshots:' },
  'snapshot-s3-region': { type: 'string', default: 'us-east-1', describe: 'S3 region', group: 'Snapshots:' },
  'snapshot-s3-folder': { type: 'string', default: '', describe: 'Folder (key prefix) in the bucket', group: 'Snapshots:' },
  'snapshot-s3-access-key': { type: 'string', default: '', describe: 'S3 access key [default: the AWS SDK\'s credential chain]', group: 'Snapshots:' },
  'snapshot-s3-secret-key': { type: 'string', default: '', describe: 'S3 secret key', group: 'Snapshots:' },
  'snapshot-s3-insecure': { type: 'boolean', default: false, describe: 'Talk to S3 over plain HTTP', group: 'Snapshots:' },
} as const;

const snapshotScheduleFlags = {
  'snapshot-schedule-cron': { type: 'string', default: '0 */12 * * *', coerce: (value: unknown) => (validateCron(String(value)), String(value)), describe: 'When scheduled snapshots are taken (cron)', group: 'Snapshots:' },
  'snapshot-retention': { type: 'string', default: 5, coerce: positiveInteger, describe: 'Scheduled snapshots kept (in the folder and on S3)', group: 'Snapshots:' },
  'disable-snapshots': { type: 'boolean', default: false, describe: 'Take no scheduled snapshots', group: 'Snapshots:' },
} as const;

export function toDatastoreConfig(argv: Record<string, unknown>): DatastoreConfig {
  return {
    endpoint: (argv['datastore-endpoint'] as string | undefined) ?? '',
    dataDir: argv['data-dir'] as string,
    caFile: argv['datastore-cafile'] as string | undefined,
    certFile: argv['datastore-certfile'] as string | undefined,
    keyFile: argv['datastore-keyfile'] as string | undefined,
  };
}

export function toSnapshotStorage(argv: Record<string, unknown>): SnapshotStorageOptions {
  const dataDir = argv['data-dir'] as string;
  return {
    dir: (argv['snapshot-dir'] as string | undefined) || join(dataDir, 'snapshots'),
    compress: argv['snapshot-compress'] as boolean,
    s3: argv['snapshot-s3']
      ? {
          endpoint: argv['snapshot-s3-endpoint'] as string,
          bucket: argv['snapshot-s3-bucket'] as string,
          region: argv['snapshot-s3-region'] as string,
          folder: argv['snapshot-s3-folder'] as string,
          accessKey: (argv['snapshot-s3-access-key'] as string) || undefined,
          secretKey: (argv['snapshot-s3-secret-key'] as string) || undefined,
          insecure: argv['snapshot-s3-insecure'] as boolean,
        }
      : undefined,
  };
}

/** The config file's values for the keys a command knows (a server's file also holds the server's other flags). */
export function configFileFor(known: string[]) {
  const keys = new Set(known);
  return (path: string) => Object.fromEntries(Object.entries(loadConfigFile(path)).filter(([key]) => keys.has(key)));
}

export function serverOptionsBuilder<T>(y: Argv<T>) {
  return y
    .env('K2')
    .config('config', `YAML file with flag values (same keys as the flags)`, loadConfigFile)
    .default('config', defaultConfigFile())
    .options({
      'data-dir': { type: 'string', default: defaultDataDir(), describe: 'Folder for the datastore, certificates and kubeconfig', group: 'Server:' },
      'bind-address': { type: 'string', default: '0.0.0.0', describe: 'Address the API server listens on', group: 'Server:' },
      'advertise-address': { type: 'string', coerce: (v: unknown) => (v === undefined || v === '' ? undefined : ipv4(v)), describe: "Address the cluster's pods reach this API server on (the kubernetes Service's endpoints) [default: --bind-address when it is one address, else the machine's first IPv4 address]", group: 'Server:' },
      'https-listen-port': { type: 'string', default: 6443, coerce: port, describe: 'HTTPS port of the API server (0 picks a free one)', group: 'Server:' },
      'tls-san': { type: 'string', array: true, default: [] as string[], describe: 'Extra host name or IP for the serving certificate (repeatable)', group: 'Server:' },
      'write-kubeconfig': { alias: 'o', type: 'string', describe: 'Write the admin kubeconfig here [default: <data-dir>/kubeconfig.yaml]', group: 'Server:' },
      'write-kubeconfig-mode': { type: 'string', default: '0600', coerce: fileMode, describe: 'File mode of the written kubeconfig', group: 'Server:' },
      'node-name': { type: 'string', default: '', describe: 'Name of this node [default: the host name]', group: 'Server:' },
      home: { type: 'string', describe: 'k2 home with the artifact store and registry logins that --artifact uses (also K2_HOME) [default: ~/.k2, /var/lib/k2 as root]', group: 'Server:' },
      artifact: { type: 'string', describe: 'Boot from a K8sfile artifact: apply its settings, then deploy its contents (name:tag, sha256:…, a saved .tar, or a registry reference)', group: 'Server:' },
      'simulated-nodes': { type: 'number', default: 0, hidden: true, describe: 'Test only: register N simulated nodes whose pods "run" without a runtime (scale tests)', group: 'Testing:' },
      'node-monitor-grace-period': { type: 'string', default: '40s', coerce: duration, hidden: true, describe: 'How long a node may be silent before it is marked NotReady', group: 'Testing:' },
      'leader-elect': { type: 'boolean', default: true, describe: 'Run the controllers and the scheduler only while this server holds their Leases (servers sharing etcd take turns)', group: 'Server:' },
      'leader-elect-lease-duration': { type: 'string', default: '15s', coerce: duration, describe: 'How long a server waits on a Lease it has seen unrenewed before taking it', group: 'Server:' },
      'leader-elect-renew-deadline': { type: 'string', default: '10s', coerce: duration, describe: 'How long the holder keeps leading while it cannot renew', group: 'Server:' },
      'leader-elect-retry-period': { type: 'string', default: '2s', coerce: duration, describe: 'How often the holder renews and other servers try', group: 'Server:' },
      'disable-agent': { type: 'boolean', default: false, describe: 'Run no node (no pods) in this server', group: 'Node:' },
      'cluster-cidr': { type: 'string', default: '10.42.0.0/16', coerce: cidr, describe: 'Pod addresses; each node gets a /24 of it', group: 'Networking:' },
      'service-cidr': { type: 'string', default: '10.43.0.0/16', coerce: cidr, describe: 'Service ClusterIP addresses', group: 'Networking:' },
      'cluster-dns': { type: 'string', default: '10.43.0.10', coerce: ipv4, describe: 'Address of the cluster DNS (served by k2 on every node)', group: 'Networking:' },
      'cluster-domain': { type: 'string', default: 'cluster.local', describe: 'Cluster domain of service and pod DNS names', group: 'Networking:' },
      ...nodeFlags,
      'log-level': { type: 'string', choices: logLevels, default: 'info' as LogLevel, describe: 'Log level', group: 'Logging:' },
      'log-format': { type: 'string', choices: ['json', 'text'] as const, default: 'json' as LogFormat, describe: 'Log line format', group: 'Logging:' },
      ...datastoreFlags,
      ...compactionFlags,
      ...snapshotStorageFlags,
      ...snapshotScheduleFlags,
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

/** Checked as client-go checks them: the holder gives up before anyone may take over, and tries more than once first. */
function leaderElectionTiming(argv: Record<string, unknown>): LeaderElectionTiming {
  const timing = {
    leaseDurationMs: argv['leader-elect-lease-duration'] as number,
    renewDeadlineMs: argv['leader-elect-renew-deadline'] as number,
    retryPeriodMs: argv['leader-elect-retry-period'] as number,
  };
  if (timing.retryPeriodMs <= 0 || timing.renewDeadlineMs <= timing.retryPeriodMs * 1.2 || timing.leaseDurationMs <= timing.renewDeadlineMs) {
    throw new Error('invalid leader election timing: want --leader-elect-lease-duration > --leader-elect-renew-deadline > 1.2 × --leader-elect-retry-period > 0');
  }
  return timing;
}

export function toServerOptions(argv: Record<string, unknown>): ServerOptions {
  return {
    dataDir: argv['data-dir'] as string,
    bindAddress: argv['bind-address'] as string,
    advertiseAddress: argv['advertise-address'] as string | undefined,
    httpsListenPort: argv['https-listen-port'] as number,
    tlsSan: listFlag(argv['tls-san']),
    writeKubeconfig: argv['write-kubeconfig'] as string | undefined,
    writeKubeconfigMode: argv['write-kubeconfig-mode'] as number,
    nodeName: argv['node-name'] as string,
    logLevel: argv['log-level'] as LogLevel,
    logFormat: argv['log-format'] as LogFormat,
    datastore: {
      ...toDatastoreConfig(argv),
      compaction: { intervalMs: argv['datastore-compact-interval'] as number, retain: argv['datastore-compact-retain'] as number },
    },
    snapshots: {
      ...toSnapshotStorage(argv),
      disabled: argv['disable-snapshots'] as boolean,
      cron: argv['snapshot-schedule-cron'] as string,
      retention: argv['snapshot-retention'] as number,
    },
    simulatedNodes: (argv['simulated-nodes'] as number | undefined) ?? 0,
    nodeMonitorGracePeriodMs: (argv['node-monitor-grace-period'] as number | undefined) ?? 40_000,
    disableAgent: argv['disable-agent'] as boolean,
    leaderElection: argv['leader-elect'] === false ? undefined : leaderElectionTiming(argv),
    node: toNodeFlags(argv),
    clusterCidr: argv['cluster-cidr'] as string,
    serviceCidr: argv['service-cidr'] as string,
    clusterDns: argv['cluster-dns'] as string,
    clusterDomain: argv['cluster-domain'] as string,
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
