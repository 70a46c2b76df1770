// Chart repository aliases for `INSTALL helm/<repo>/<chart>`: <home>/repositories.yaml, written by
// `k2 repo add/remove` (Helm's repositories.yaml shape: apiVersion, repositories[{name, url, username, password}]).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';
import { repositoriesFile } from './home.ts';

export interface ChartRepository {
  name: string;
  url: string;
  username?: string;
  password?: string;
}

export function readRepositories(home: string): ChartRepository[] {
  const file = repositoriesFile(home);
  if (!existsSync(file)) return [];
  const parsed = YAML.parse(readFileSync(file, 'utf8')) as { repositories?: ChartRepository[] } | null;
  if (parsed !== null && (typeof parsed !== 'object' || (parsed.repositories !== undefined && !Array.isArray(parsed.repositories)))) {
    throw new Error(`${file}: want a mapping with a "repositories" list`);
  }
  return (parsed?.repositories ?? []).filter((r) => r && typeof r.name === 'string' && typeof r.url === 'string');
}

function writeRepositories(home: string, repositories: ChartRepository[]): void {
  const file = repositoriesFile(home);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, YAML.stringify({ apiVersion: 'v1', repositories }), { mode: 0o600 });
  chmodSync(file, 0o600); // it may hold passwords
}

const repositoryName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Adds or replaces a repository alias. */
export function addRepository(home: string, repository: ChartRepository): void {
  if (!repositoryName.test(repository.name)) throw new Error(`invalid repository name "${repository.name}": letters, digits, '.', '_' and '-'`);
  let url: URL;
  try {
    url = new URL(repository.url);
  } catch {
    throw new Error(`invalid repository URL "${repository.url}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid repository URL "${repository.url}": want http(s)://`);
  const others = readRepositories(home).filter((r) => r.name !== repository.name);
  writeRepositories(home, [...others, repository].sort((a, b) => (a.name < b.name ? -1 : 1)));
}

export function removeRepository(home: string, name: string): void {
  const repositories = readRepositories(home);
  if (!repositories.some((r) => r.name === name)) throw new Error(`no repository named "${name}" (k2 repo list shows them)`);
  writeRepositories(home, repositories.filter((r) => r.name !== name));
}

export function findRepository(home: string, name: string): ChartRepository {
  const found = readRepositories(home).find((r) => r.name === name);
  if (!found) throw new Error(`unknown chart repository "${name}": add it with k2 repo add ${name} URL`);
  return found;
}

/** Checks that a URL serves a chart repository index (as `helm repo add` does before adding it). */
export async function checkRepository(repository: ChartRepository): Promise<void> {
  const url = new URL('index.yaml', repository.url.endsWith('/') ? repository.url : `${repository.url}/`).toString();
  const headers: Record<string, string> = repository.username !== undefined ? { authorization: `Basic ${Buffer.from(`${repository.username}:${repository.password ?? ''}`).toString('base64')}` } : {};
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach chart repository ${repository.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}; is ${repository.url} a chart repository?`);
  const index = YAML.parse(await response.text()) as { entries?: unknown } | null;
  if (!index || typeof index !== 'object' || typeof index.entries !== 'object') throw new Error(`${url} is not a chart repository index (no entries)`);
}
