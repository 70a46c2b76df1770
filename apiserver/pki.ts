// The cluster's certificate authority and the certificates k2 issues with it: the API server's
// serving certificate, client certificates (admin, components, agents, approved CSRs).
// ECDSA P-256 keys: generated in milliseconds, accepted by Go's TLS stack and by Node.
import { webcrypto, X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP, isIPv4 } from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

let x509Module: Promise<typeof X509> | undefined;

/** The X.509 library, loaded when a certificate is made (not at every start: it is large). */
function loadX509(): Promise<typeof X509> {
  x509Module ??= import('@peculiar/x509').then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  });
  return x509Module;
}

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const dayMs = 24 * 3600 * 1000;
const subjectAltNameOid = '2.5.29.17';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  organizations?: string[];
  /** DNS names and IP addresses for the subjectAltName extension. */
  sans?: string[];
  usage: 'server' | 'client';
  days: number;
}

function distinguishedName(commonName: string, organizations: string[] = []): string {
  const escape = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [...organizations.map((o) => `O=${escape(o)}`), `CN=${escape(commonName)}`].join(', ');
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign']);
}

export class CertificateAuthority {
  /** The signing key, imported into WebCrypto when first needed: most starts sign nothing. */
  private key: Promise<CryptoKey> | undefined;

  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
    key?: CryptoKey,
  ) {
    if (key) this.key = Promise.resolve(key);
  }

  private signingKey(): Promise<CryptoKey> {
    this.key ??= importKeyPem(this.keyPem);
    return this.key;
  }

  static async create(commonName: string): Promise<CertificateAuthority> {
    const x509 = await loadX509();
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: distinguishedName(commonName),
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 3650 * dayMs),
      signingAlgorithm: algorithm,
      keys: keys as never,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
      ],
    });
    return new CertificateAuthority(cert.toString('pem'), await exportKeyPem(keys.privateKey), keys.privateKey);
  }

  static load(certPem: string, keyPem: string): CertificateAuthority {
    createPrivateKey(keyPem); // an unreadable key fails the start, not the first signature
    return new CertificateAuthority(certPem, keyPem);
  }

  /** Issues a certificate with a fresh key. */
  async issue(request: CertificateRequest): Promise<KeyPair> {
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
    const certPem = await this.signPublicKey(keys.publicKey, request);
    return { certPem, keyPem: await exportKeyPem(keys.privateKey) };
  }

  /** Signs a certificate for a public key someone else holds (CSRs, joining agents). */
  async signPublicKey(publicKey: CryptoKey, request: CertificateRequest): Promise<string> {
    const x509 = await loadX509();
    const caCert = new x509.X509Certificate(this.certPem);
    const now = Date.now();
    const extensions: X509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([request.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ];
    if (request.sans?.length) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(request.sans.map((san) => ({ type: isIP(san) ? 'ip' : 'dns', value: san }) as X509.JsonGeneralName)),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: distinguishedName(request.commonName, request.organizations),
      issuer: caCert.subject,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + request.days * dayMs),
      signingAlgorithm: algorithm,
      publicKey: publicKey as never,
      signingKey: (await this.signingKey()) as never,
      extensions,
    });
    return cert.toString('pem');
  }

  /**
   * Signs a PKCS#10 request with its own subject, public key and subject alternative names, the
   * given usages, for `seconds` (never past the CA's own expiry), backdated five minutes for
   * clock skew as Kubernetes' signer does.
   */
  async signRequest(request: X509.Pkcs10CertificateRequest, options: { keyUsages: X509.KeyUsageFlags; extendedKeyUsages: string[]; seconds: number }): Promise<string> {
    const x509 = await loadX509();
    const caCert = new x509.X509Certificate(this.certPem);
    const now = Date.now();
    const extensions: X509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true), await x509.AuthorityKeyIdentifierExtension.create(caCert)];
    // An empty key usage extension is invalid: without key usages there is none (as Go's x509).
    if (options.keyUsages) extensions.push(new x509.KeyUsagesExtension(options.keyUsages, true));
    if (options.extendedKeyUsages.length) extensions.push(new x509.ExtendedKeyUsageExtension(options.extendedKeyUsages));
    const san = request.getExtension(subjectAltNameOid);
    if (san) extensions.push(new x509.SubjectAlternativeNameExtension(new x509.SubjectAlternativeNameExtension(san.rawData).names.toJSON()));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: request.subjectName,
      issuer: caCert.subject,
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(Math.min(now + options.seconds * 1000, caCert.notAfter.getTime())),
      signingAlgorithm: algorithm,
      publicKey: request.publicKey,
      signingKey: (await this.signingKey()) as never,
      extensions,
    });
    return cert.toString('pem');
  }
}

/** Who the API server is when it calls a node's own HTTPS port (logs, exec… of remote nodes). */
export const apiserverKubeletClient = { commonName: 'kube-apiserver-kubelet-client', organization: 'system:masters' };

export interface ServerPki {
  ca: CertificateAuthority;
  serving: KeyPair;
  admin: KeyPair;
  kubeletClient: KeyPair;
}

const tlsFiles = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'serving.crt',
  servingKey: 'serving.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  kubeletClientCert: 'apiserver-kubelet-client.crt',
  kubeletClientKey: 'apiserver-kubelet-client.key',
};

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether a serving certificate already names every wanted host and IP (a changed --tls-san reissues it). */
function coversAll(certPem: string, sans: string[]): boolean {
  const cert = new X509Certificate(certPem);
  return sans.every((san) => names(cert, san));
}

/**
 * Whether `cert` names `san`, an IP address as an address and anything else as a host name. Not with isIP: it
 * tries each host name against its IPv6 pattern, milliseconds a name on every start; a host name has no ':'.
 */
function names(cert: X509Certificate, san: string): boolean {
  if (isIPv4(san)) return cert.checkIP(san) !== undefined;
  if (san.includes(':')) {
    try {
      return cert.checkIP(san) !== undefined;
    } catch {
      // not an address after all: a host name
    }
  }
  return cert.checkHost(san, { wildcards: false, subject: 'never' }) !== undefined;
}

/**
 * Loads the cluster PKI from `dir`, creating what is missing. The serving certificate is
 * reissued (with the same CA) when the wanted SANs are not all in it.
 */
export async function loadOrCreatePki(dir: string, sans: string[]): Promise<ServerPki & { created: string[] }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = (name: string) => join(dir, name);
  const created: string[] = [];
  const write = async (name: string, content: string, secret: boolean) => {
    await writeFile(path(name), content, { mode: secret ? 0o600 : 0o644 });
    created.push(name);
  };

  // Read together: a later start finds them all.
  const existing = new Map(await Promise.all(Object.values(tlsFiles).map(async (name) => [name, await readIfExists(path(name))] as const)));
  const caCertPem = existing.get(tlsFiles.caCert);
  const caKeyPem = existing.get(tlsFiles.caKey);
  let ca: CertificateAuthority;
  let caIsNew = false;
  if (caCertPem && caKeyPem) {
    ca = CertificateAuthority.load(caCertPem, caKeyPem);
  } else {
    ca = await CertificateAuthority.create(`k2-ca@${Math.floor(Date.now() / 1000)}`);
    await write(tlsFiles.caCert, ca.certPem, false);
    await write(tlsFiles.caKey, ca.keyPem, true);
    caIsNew = true;
  }

  const loadPair = (certName: string, keyName: string): KeyPair | undefined => {
    if (caIsNew) return undefined;
    const certPem = existing.get(certName);
    const keyPem = existing.get(keyName);
    return certPem && keyPem ? { certPem, keyPem } : undefined;
  };

  let serving = loadPair(tlsFiles.servingCert, tlsFiles.servingKey);
  if (serving) {
    if (!coversAll(serving.certPem, sans)) serving = undefined;
  }
  if (!serving) {
    serving = await ca.issue({ commonName: 'k2-apiserver', sans, usage: 'server', days: 365 * 10 });
    await write(tlsFiles.servingCert, serving.certPem, false);
    await write(tlsFiles.servingKey, serving.keyPem, true);
  }

  let admin = loadPair(tlsFiles.adminCert, tlsFiles.adminKey);
  if (!admin) {
    admin = await ca.issue({ commonName: 'admin', organizations: ['system:masters'], usage: 'client', days: 365 * 10 });
    await write(tlsFiles.adminCert, admin.certPem, false);
    await write(tlsFiles.adminKey, admin.keyPem, true);
  }
  let kubeletClient = loadPair(tlsFiles.kubeletClientCert, tlsFiles.kubeletClientKey);
  if (!kubeletClient) {
    kubeletClient = await ca.issue({ commonName: apiserverKubeletClient.commonName, organizations: [apiserverKubeletClient.organization], usage: 'client', days: 365 * 10 });
    await write(tlsFiles.kubeletClientCert, kubeletClient.certPem, false);
    await write(tlsFiles.kubeletClientKey, kubeletClient.keyPem, true);
  }
  return { ca, serving, admin, kubeletClient, created };
}
