// The user's k2 home, where the artifact store, chart repositories and registry logins live:
// $K2_HOME when set (tests use a temporary one), else k2's data folder (~/.k2, or /var/lib/k2 for root).
import { join } from 'node:path';
import { defaultDataDir } from '../../cmd/paths.ts';

export function k2Home(explicit?: string): string {
  return explicit ?? process.env.K2_HOME ?? defaultDataDir();
}

/** The local OCI image layout holding built and pulled artifacts. */
export function artifactStoreDir(home: string): string {
  return join(home, 'artifacts');
}

/** Build cache entries: instruction + inputs → layer and its effect. */
export function buildCacheDir(home: string): string {
  return join(home, 'build-cache');
}

export function repositoriesFile(home: string): string {
  return join(home, 'repositories.yaml');
}

/** Registry logins made with `k2 login` (docker's config.json format). */
export function registryAuthFile(home: string): string {
  return join(home, 'registry-auth.json');
}
