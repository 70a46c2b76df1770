// Where k2 keeps its state by default: /var/lib/k2 for root (a system service), ~/.k2 otherwise.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export function defaultDataDir(): string {
  return isRoot ? '/var/lib/k2' : join(homedir(), '.k2');
}

export function defaultConfigFile(): string {
  return isRoot ? '/etc/k2/config.yaml' : join(homedir(), '.k2', 'config.yaml');
}

export function defaultKubeconfig(dataDir: string): string {
  return join(dataDir, 'kubeconfig.yaml');
}

/** The kubeconfig of this machine's k2, for client commands: <$K2_DATA_DIR or the default data dir>/kubeconfig.yaml. */
export function localKubeconfig(): string {
  return defaultKubeconfig(process.env.K2_DATA_DIR || defaultDataDir());
}
