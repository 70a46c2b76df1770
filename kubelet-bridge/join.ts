// The agent's side of joining a cluster (see apiserver/nodes/node-join.ts): fetch and check the CA, send the
// token with a fresh public key, keep the certificates the server signs under <data-dir>/agent/tls/. A restarted
// agent reuses them and needs no token.
import { webcrypto } from 'node:crypto';
import { request } from 'node:https';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { caHash, parseJoinToken } from '../apiserver/nodes/bootstrap-token.ts';
import { joinPaths, type ClusterNetwork, type JoinResponse } from '../apiserver/nodes/node-join.ts';

export interface NodeCredentials {
  server: string;
  nodeName: string;
  caPem: string;
  keyPem: string;
  clientCertPem: string;
  servingCertPem: string;
  network: ClusterNetwork;
}

const credentialsFile = (dataDir: string) => join(dataDir, 'agent', 'tls', 'node-credentials.json');

function pem(label: string, der: ArrayBuffer): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

function send(url: URL, options: { method: string; ca?: string; insecure?: boolean; headers?: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, ca: options.ca, rejectUnauthorized: !options.insecure, headers: options.headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Reads saved credentials for this server and node, if any. */
export async function savedCredentials(dataDir: string, server: string, nodeName: string): Promise<NodeCredentials | undefined> {
  try {
    const saved = JSON.parse(await readFile(credentialsFile(dataDir), 'utf8')) as NodeCredentials;
    return saved.server === server && saved.nodeName === nodeName ? saved : undefined;
  } catch {
    return undefined;
  }
}

/** Joins the cluster at `server` with a bootstrap token and saves the node's credentials. */
export async function joinCluster(options: { dataDir: string; server: string; token: string; nodeName: string; nodeIP: string; log: Logger }): Promise<NodeCredentials> {
  const token = parseJoinToken(options.token);
  const base = new URL(options.server);
  // The CA comes over an unverified connection; the token's hash is what makes it trustworthy.
  const ca = await send(new URL(joinPaths.caCerts, base), { method: 'GET', insecure: true });
  if (ca.status !== 200 || !ca.text.includes('BEGIN CERTIFICATE')) throw new Error(`${options.server} did not serve a CA at ${joinPaths.caCerts} (HTTP ${ca.status}): is it a k2 server?`);
  if (token.caHash && caHash(ca.text) !== token.caHash) throw new Error(`the CA of ${options.server} does not match the token's hash: refusing to join`);
  if (!token.caHash) options.log.warn('the token names no CA hash: trusting the CA the server presents');
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const publicKeyPem = pem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const answer = await send(new URL(joinPaths.join, base), {
    method: 'POST',
    ca: ca.text,
    headers: { authorization: `Bearer ${token.id}.${token.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ nodeName: options.nodeName, nodeIP: options.nodeIP, publicKeyPem }),
  });
  if (answer.status === 401) throw new Error('the server refused the token (unknown, expired or not for authentication)');
  if (answer.status !== 200) throw new Error(`joining failed (HTTP ${answer.status}): ${answer.text}`);
  const joined = JSON.parse(answer.text) as JoinResponse;
  const credentials: NodeCredentials = { server: options.server, nodeName: options.nodeName, caPem: joined.caPem, keyPem, clientCertPem: joined.clientCertPem, servingCertPem: joined.servingCertPem, network: joined.network };
  await mkdir(join(options.dataDir, 'agent', 'tls'), { recursive: true, mode: 0o700 });
  await writeFile(credentialsFile(options.dataDir), JSON.stringify(credentials, null, 2), { mode: 0o600 });
  options.log.info({ server: options.server, node: options.nodeName }, 'joined the cluster');
  return credentials;
}
