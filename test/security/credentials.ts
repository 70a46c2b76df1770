// Credentials for tests: PKCS#10 requests with their keys, and kubeconfigs for other users of a
// running test server (client certificate or bearer token).
import { webcrypto } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import YAML from 'yaml';
import { renderKubeconfig } from '../../apiserver/kubeconfig.ts';
import type { TestServer } from '../e2e/harness.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface KeyedRequest {
  /** spec.request of a CertificateSigningRequest: base64 of the PEM. */
  request: string;
  keyPem: string;
}

/** A request for `subject` (`CN=jane, O=devs`) with a fresh P-256 key. */
export async function certificateRequest(subject: string, sans: { type: 'dns' | 'ip'; value: string }[] = []): Promise<KeyedRequest> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys: keys as never,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { request: Buffer.from(request.toString('pem')).toString('base64'), keyPem };
}

/** The cluster CA of a test server, from its admin kubeconfig. */
export function serverCa(server: TestServer): string {
  const config = YAML.parse(readFileSync(server.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  return Buffer.from(config.clusters[0]!.cluster['certificate-authority-data']!, 'base64').toString();
}

/** Writes a kubeconfig for another user of `server` and returns its path. */
export function kubeconfigFor(server: TestServer, name: string, credentials: { certPem: string; keyPem: string } | { token: string }): string {
  const path = join(server.dataDir, `kubeconfig-${name}.yaml`);
  writeFileSync(path, renderKubeconfig({ server: server.url, caPem: serverCa(server), name, ...credentials }), { mode: 0o600 });
  return path;
}
