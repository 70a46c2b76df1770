// Which datastore a `--datastore-endpoint` names, and opening it: SQLite (the default, a file in
// the data dir or `sqlite:///path`) or etcd (`http(s)://host:port`, several separated by commas).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultCompactionPolicy, type CompactionPolicy, type DatastoreLog } from './background.ts';
import type { EtcdTls } from './etcd/etcd-client.ts';
import type { EtcdDatastore } from './etcd/etcd-datastore.ts';
import { sqliteAddonFile, sqliteNativeBinding } from './sqlite/native-addon.ts';
import { SqliteDatastore } from './sqlite/sqlite-datastore.ts';

export interface DatastoreConfig {
  /** '' for SQLite in the data dir, sqlite:///path/state.db, or http(s)://host:port[,http(s)://host:port…]. */
  endpoint: string;
  dataDir: string;
  /** TLS files for an https:// etcd endpoint. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  compaction?: CompactionPolicy;
}

export type DatastoreLocation = { kind: 'sqlite'; path: string } | { kind: 'etcd'; endpoints: string[]; tls?: EtcdTls };

export function defaultSqlitePath(dataDir: string): string {
  return join(resolve(dataDir), 'db', 'state.db');
}

function readTlsFile(path: string | undefined, flag: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}

/** Checks a --datastore-endpoint's form (for flag parsing); returns it unchanged. */
export function checkEndpoint(value: unknown, flag = '--datastore-endpoint'): string {
  const endpoint = String(value ?? '').trim();
  if (!endpoint) return endpoint;
  if (endpoint.startsWith('sqlite://')) {
    if (endpoint === 'sqlite://') throw new Error(`invalid ${flag} "${endpoint}": name the file, e.g. sqlite:///var/lib/k2/db/state.db`);
    return endpoint;
  }
  for (const part of endpoint.split(',')) {
    let url: URL | undefined;
    try {
      url = new URL(part.trim());
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname || (url.pathname !== '/' && url.pathname !== '')) {
      throw new Error(`invalid ${flag} "${endpoint}": want sqlite:///path/state.db, http://host:2379 or https://host:2379`);
    }
  }
  return endpoint;
}

export function locateDatastore(config: DatastoreConfig): DatastoreLocation {
  const endpoint = checkEndpoint(config.endpoint);
  if (!endpoint) return { kind: 'sqlite', path: defaultSqlitePath(config.dataDir) };
  if (endpoint.startsWith('sqlite://')) return { kind: 'sqlite', path: resolve(endpoint.slice('sqlite://'.length)) };
  const endpoints = endpoint.split(',').map((part) => part.trim()).filter(Boolean);
  const tls = { ca: readTlsFile(config.caFile, '--datastore-cafile'), cert: readTlsFile(config.certFile, '--datastore-certfile'), key: readTlsFile(config.keyFile, '--datastore-keyfile') };
  if (!!tls.cert !== !!tls.key) throw new Error('give both --datastore-certfile and --datastore-keyfile, or neither');
  const secure = endpoints.some((part) => part.startsWith('https://'));
  if (!secure && (tls.ca || tls.cert)) throw new Error('--datastore-cafile, --datastore-certfile and --datastore-keyfile need an https:// endpoint');
  return { kind: 'etcd', endpoints, tls: secure ? tls : undefined };
}

export function describeLocation(location: DatastoreLocation): string {
  return location.kind === 'sqlite' ? `sqlite://${location.path}` : location.endpoints.join(',');
}

/** The better-sqlite3 addon for this data dir (inside the single executable it is unpacked to <data-dir>/cache). */
export function nativeBindingFor(dataDir: string): object | undefined {
  return sqliteNativeBinding(addonCacheDir(dataDir));
}

/** The file of that addon, for threads that load it themselves. */
export function addonFileFor(dataDir: string): string {
  return sqliteAddonFile(addonCacheDir(dataDir));
}

function addonCacheDir(dataDir: string): string {
  return join(resolve(dataDir), 'cache');
}

export interface OpenOptions {
  /** Compaction, TTL expiry and health probes: a server runs them, a command-line tool does not. */
  background: boolean;
  log?: DatastoreLog;
}

/** A datastore for the location, not yet started. */
export async function createDatastore(
  location: DatastoreLocation,
  config: Pick<DatastoreConfig, 'dataDir' | 'compaction'>,
  options: OpenOptions,
): Promise<SqliteDatastore | EtcdDatastore> {
  const compaction = config.compaction ?? defaultCompactionPolicy;
  if (location.kind === 'sqlite') {
    return new SqliteDatastore({ path: location.path, nativeBinding: nativeBindingFor(config.dataDir), addonFile: () => addonFileFor(config.dataDir), background: options.background, compaction, log: options.log });
  }
  // gRPC and the etcd messages load only for etcd: a SQLite server starts without them.
  const { EtcdDatastore } = await import('./etcd/etcd-datastore.ts');
  return new EtcdDatastore({ endpoints: location.endpoints, tls: location.tls, background: options.background, compaction, log: options.log });
}

/** Opens (starts) the datastore a configuration names. */
export async function openDatastore(config: DatastoreConfig, options: OpenOptions): Promise<SqliteDatastore | EtcdDatastore> {
  const store = await createDatastore(locateDatastore(config), config, options);
  await store.start();
  return store;
}
