// Registry credentials: `k2 login` writes <home>/registry-auth.json; docker's config.json
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json) is read too. Both have docker's shape:
// { "auths": { "host[:port]": { "auth": base64("user:password") } } }. k2's own file wins.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { registryAuthFile } from './home.ts';
import { writeFileAtomic } from './store.ts';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  [key: string]: unknown;
}

export function dockerConfigFile(): string {
  return join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

function readAuthFile(path: string): AuthFile {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as AuthFile;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** docker's keys may be "host", "https://host" or "https://host/v1/": compare the host part only. */
function registryHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, '');
}

function lookup(file: AuthFile, registry: string): Credentials | undefined {
  for (const [key, entry] of Object.entries(file.auths ?? {})) {
    if (registryHost(key) !== registry) continue;
    if (entry.username !== undefined) return { username: entry.username, password: entry.password ?? '' };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
  }
  return undefined;
}

export function findCredentials(home: string, registry: string): Credentials | undefined {
  return lookup(readAuthFile(registryAuthFile(home)), registry) ?? lookup(readAuthFile(dockerConfigFile()), registry);
}

export function saveCredentials(home: string, registry: string, credentials: Credentials): void {
  const path = registryAuthFile(home);
  const file = readAuthFile(path);
  file.auths = { ...file.auths, [registry]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } };
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  chmodSync(path, 0o600);
}

export function removeCredentials(home: string, registry: string): boolean {
  const path = registryAuthFile(home);
  const file = readAuthFile(path);
  if (!file.auths?.[registry]) return false;
  delete file.auths[registry];
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
  return true;
}
