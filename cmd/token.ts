// `k2 token create`: a bootstrap token another machine joins with (`k2 agent --server … --token …`), stored as a
// kube-system Secret through the API with this machine's admin kubeconfig, and printed with the CA's hash.
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import YAML from 'yaml';
import { joinTokenSecret, caHash, formatJoinToken, newJoinToken } from '../apiserver/nodes/bootstrap-token.ts';
import { request } from 'node:https';
import { defaultDataDir, defaultKubeconfig } from './paths.ts';

/** "24h", "30m", "90s", "1h30m" or "0" in seconds. */
export function durationSeconds(value: unknown): number {
  const text = String(value).trim();
  if (text === '0') return 0;
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  let rest = text;
  while (rest) {
    const part = /^(\d+)([smhd])/.exec(rest);
    if (!part) throw new Error(`invalid duration "${text}": want e.g. 30m, 24h or 0`);
    total += Number(part[1]) * units[part[2]!]!;
    rest = rest.slice(part[0].length);
  }
  if (!total) throw new Error(`invalid duration "${text}": want e.g. 30m, 24h or 0`);
  return total;
}

function postJson(server: string, path: string, body: unknown, tls: { ca: string; cert?: string; key?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), { method: 'POST', ...tls, headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        if ((res.statusCode ?? 0) < 300) return resolve();
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          // not JSON
        }
        reject(new Error(`the server refused the token (HTTP ${res.statusCode}): ${message}`));
      });
    });
    req.on('error', (error) => reject(new Error(`cannot reach ${server}: ${error.message}`)));
    req.end(JSON.stringify(body));
  });
}

interface KubeconfigFile {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

const createCommand: CommandModule = {
  command: 'create',
  describe: 'Create a join token for `k2 agent` and print it',
  builder: (y) =>
    y.options({
      ttl: { type: 'string', default: '24h', coerce: durationSeconds, describe: 'How long the token is valid (e.g. 30m, 24h; 0 = never expires)' },
      description: { type: 'string', describe: 'A note stored with the token' },
      kubeconfig: { type: 'string', describe: 'Admin kubeconfig of the server [default: $KUBECONFIG, else <data-dir>/kubeconfig.yaml]' },
      'data-dir': { type: 'string', default: process.env.K2_DATA_DIR || defaultDataDir(), describe: "The server's data dir (for its kubeconfig)" },
    }),
  handler: async (argv) => {
    const path = (argv.kubeconfig as string | undefined) || process.env.KUBECONFIG || defaultKubeconfig(argv['data-dir'] as string);
    let config: KubeconfigFile;
    try {
      config = YAML.parse(readFileSync(path, 'utf8')) as KubeconfigFile;
    } catch (error) {
      throw new Error(`cannot read the kubeconfig ${path}: ${(error as Error).message}`);
    }
    const decode = (b64?: string) => (b64 ? Buffer.from(b64, 'base64').toString() : undefined);
    const cluster = config.clusters?.[0]?.cluster;
    const user = config.users?.[0]?.user ?? {};
    if (!cluster?.server || !cluster['certificate-authority-data']) throw new Error(`${path} has no cluster with a server and certificate-authority-data`);
    const caPem = decode(cluster['certificate-authority-data'])!;
    const token = { ...newJoinToken(), caHash: caHash(caPem) };
    const secret = joinTokenSecret(token, { ttlSeconds: argv.ttl as number, description: argv.description as string | undefined });
    await postJson(cluster.server, '/api/v1/namespaces/kube-system/secrets', secret, { ca: caPem, cert: decode(user['client-certificate-data']), key: decode(user['client-key-data']) });
    process.stdout.write(`${formatJoinToken(token)}\n`);
  },
};

export const tokenCommand: CommandModule = {
  command: 'token <command>',
  describe: 'Manage join tokens for agents',
  builder: (y) => y.command(createCommand).demandCommand(1, 'Name a subcommand: create'),
  handler: () => {},
};
