// `k2 secrets-encrypt status|enable|disable|rotate|reencrypt`: encryption of Secrets at rest, as
// k3s's command. A running server does the work (it holds the datastore) through its admin API,
// reached with the admin kubeconfig; without one, the key file in the data dir is changed and the
// server re-encrypts at its next start.
import { request } from 'node:https';
import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { encryptionConfigFile, readConfiguration, withEncryption, withNewKey, writeConfiguration, newConfiguration } from '../apiserver/encryption/encryption-config.ts';
import { encryptionPath } from '../apiserver/encryption/routes.ts';
import type { EncryptionStatus } from '../apiserver/encryption/secrets-encryption.ts';
import { readKubeconfig } from '../apiserver/kubeconfig.ts';
import { defaultDataDir, defaultKubeconfig } from './paths.ts';

const operations = ['status', 'enable', 'disable', 'rotate', 'reencrypt'] as const;
type Operation = (typeof operations)[number];

interface Args {
  operation: Operation;
  'data-dir': string;
  kubeconfig?: string;
  output: 'text' | 'json';
}

class Unreachable extends Error {}

async function callServer(kubeconfigPath: string, operation: Operation): Promise<EncryptionStatus> {
  let config;
  try {
    config = await readKubeconfig(kubeconfigPath);
  } catch (error) {
    throw new Unreachable((error as Error).message);
  }
  const url = new URL(operation === 'status' ? encryptionPath : `${encryptionPath}/${operation}`, config.server);
  return new Promise((resolveCall, reject) => {
    const req = request(
      url,
      {
        method: operation === 'status' ? 'GET' : 'POST',
        ca: config.caPem,
        cert: config.certPem,
        key: config.keyPem,
        headers: { accept: 'application/json', ...(config.token ? { authorization: `Bearer ${config.token}` } : {}) },
        timeout: 300_000,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          let parsed: Record<string, unknown> | undefined;
          try {
            parsed = JSON.parse(body) as Record<string, unknown>;
          } catch {
            parsed = undefined;
          }
          if (res.statusCode === 200 && parsed) resolveCall(parsed as unknown as EncryptionStatus);
          else reject(new Error(`the server refused: ${String(parsed?.message ?? (body || res.statusCode))}`));
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => reject(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND'].includes(error.code ?? '') ? new Unreachable(error.message) : error));
    req.end();
  });
}

/** The same operations on the key file alone (no server): re-encryption waits for the next start. */
async function offline(configPath: string, operation: Operation): Promise<string> {
  const config = await readConfiguration(configPath);
  if (operation === 'status') {
    if (!config) return `Encryption Status: Disabled (no ${configPath})\n`;
    const first = config.resources[0]?.providers[0];
    const active = first && 'aesgcm' in first ? first.aesgcm.keys[0]!.name : undefined;
    return `Encryption Status: ${active ? 'Enabled' : 'Disabled'}\nActive Key: ${active ?? '(none: identity)'}\nKey File: ${configPath}\nServer: not running (counts of stored values unavailable)\n`;
  }
  if (operation === 'reencrypt') return 'The server is not running: it re-encrypts every stored value at its next start.\n';
  const next = operation === 'rotate' ? withNewKey(config ?? newConfiguration()) : withEncryption(config ?? newConfiguration(), operation === 'enable');
  await writeConfiguration(configPath, next);
  return `Updated ${configPath}; the server re-encrypts every stored value at its next start.\n`;
}

export function formatStatus(status: EncryptionStatus): string {
  const lines = [
    `Encryption Status: ${status.enabled ? 'Enabled' : 'Disabled'}`,
    `Provider: ${status.provider}`,
    `Active Key: ${status.activeKey ?? '(none)'}`,
    `Keys: ${status.keys.length ? status.keys.join(', ') : '(none)'}`,
    `Resources: ${status.resources.join(', ') || '(none)'}`,
    `Stored Values: ${status.values.total} (${Object.entries(status.values.byKey).map(([key, n]) => `${n} with ${key}`).concat(`${status.values.plaintext} not encrypted`).join(', ')})`,
    `Key File: ${status.configFile}`,
  ];
  return `${lines.join('\n')}\n`;
}

export const secretsEncryptCommand: CommandModule<object, Args> = {
  command: 'secrets-encrypt <operation>',
  describe: 'Encryption of Secrets at rest: status, enable, disable, rotate (new key, re-encrypt, drop old keys), reencrypt',
  builder: (y) =>
    y
      .positional('operation', { choices: operations, demandOption: true, describe: 'What to do' })
      .options({
        'data-dir': { type: 'string', default: defaultDataDir(), describe: "The server's data folder (holds cred/encryption-config.json)" },
        kubeconfig: { type: 'string', describe: 'Admin kubeconfig of the running server [default: <data-dir>/kubeconfig.yaml]' },
        output: { alias: 'o', choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Output format' },
      })
      .strict() as never,
  handler: async (argv) => {
    const dataDir = resolve(argv['data-dir']);
    try {
      const status = await callServer(argv.kubeconfig ?? defaultKubeconfig(dataDir), argv.operation);
      process.stdout.write(argv.output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      process.stdout.write(await offline(resolve(dataDir, 'cred', encryptionConfigFile), argv.operation));
    }
  },
};
