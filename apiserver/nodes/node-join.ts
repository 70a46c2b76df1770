// How a `k2 agent` joins (k3s' way, with Kubernetes' bootstrap tokens): it fetches the cluster CA from
// `GET /cacerts` (and checks it against the hash in its token), then `POST /v1-k2/node-join` with the token as a
// bearer token, its node name and address, and a public key it holds. The server signs two certificates for that
// key: a client certificate `system:node:<name>` (group system:nodes) for the API, and a serving certificate for
// the node's own HTTPS endpoint, which the API server calls for logs, exec, port-forward and metrics. The answer
// also carries the cluster's network settings, so that every node uses the same ones.
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ApiCore } from '../core.ts';
import type { CertificateAuthority } from '../pki.ts';
import { nameErrors } from '../registry/object-meta.ts';
import { errors } from '../status.ts';
import { validJoinToken } from './bootstrap-token.ts';

export const joinPaths = { caCerts: '/cacerts', join: '/v1-k2/node-join' } as const;

export interface ClusterNetwork {
  clusterCidr: string;
  serviceCidr: string;
  clusterDns: string;
  clusterDomain: string;
}

export interface JoinRequest {
  nodeName: string;
  nodeIP: string;
  /** SPKI PEM of an ECDSA P-256 key. */
  publicKeyPem: string;
}

export interface JoinResponse {
  caPem: string;
  clientCertPem: string;
  servingCertPem: string;
  network: ClusterNetwork;
}

async function importPublicKey(pem: string): Promise<webcrypto.CryptoKey> {
  const base64 = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem)?.[1];
  if (!base64) throw errors.badRequest('publicKeyPem must be a PEM "PUBLIC KEY"');
  try {
    return await webcrypto.subtle.importKey('spki', Buffer.from(base64.replace(/\s+/g, ''), 'base64'), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  } catch {
    throw errors.badRequest('publicKeyPem must be an ECDSA P-256 public key');
  }
}

export function registerNodeJoin(app: FastifyInstance, core: ApiCore, ca: CertificateAuthority, network: ClusterNetwork): void {
  app.get(joinPaths.caCerts, async (_request, reply) => reply.type('text/plain').send(ca.certPem));
  app.post(joinPaths.join, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token || !validJoinToken(core, token)) throw errors.unauthorized();
    let body: Partial<JoinRequest>;
    try {
      body = JSON.parse((request.body as Buffer | undefined)?.toString('utf8') ?? '') as Partial<JoinRequest>;
    } catch {
      throw errors.badRequest('the join request must be JSON');
    }
    const nodeName = body.nodeName ?? '';
    const problems = nameErrors(nodeName, 'subdomain');
    if (!nodeName || problems.length) throw errors.badRequest(`invalid node name "${nodeName}": ${problems.join('; ') || 'required'}`);
    if (!body.nodeIP || !isIP(body.nodeIP)) throw errors.badRequest(`invalid node address "${body.nodeIP ?? ''}"`);
    const publicKey = await importPublicKey(body.publicKeyPem ?? '');
    const clientCertPem = await ca.signPublicKey(publicKey, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'client', days: 365 });
    const servingCertPem = await ca.signPublicKey(publicKey, { commonName: `system:node:${nodeName}`, sans: [...new Set([body.nodeIP, nodeName, '127.0.0.1', 'localhost'])], usage: 'server', days: 365 });
    core.log.info({ node: nodeName, address: body.nodeIP }, 'a node joined with a bootstrap token');
    const answer: JoinResponse = { caPem: ca.certPem, clientCertPem, servingCertPem, network };
    return reply.type('application/json').send(JSON.stringify(answer));
  });
}
