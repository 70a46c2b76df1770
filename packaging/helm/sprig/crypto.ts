// Sprig's hashing, password, key, certificate, AES and UUID functions. Certificates are built as Go's
// x509.CreateCertificate builds them (v3, SHA-256 signatures, the same extensions) and signed
// synchronously, since templates execute synchronously.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  scryptSync,
  sign,
} from 'node:crypto';
import { isIP } from 'node:net';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import bcryptjs from 'bcryptjs';
import { type GoFunc, goFunc, GoStruct, goTypeName } from '../../gotemplate/values.ts';

/** sprig's certificate struct: PEM certificate and key. */
export class GoCertificate extends GoStruct {
  constructor(
    readonly Cert: string,
    readonly Key: string,
  ) {
    super();
  }
  override get goTypeName(): string {
    return 'sprig.certificate';
  }
  goJson(): unknown {
    return { Cert: this.Cert, Key: this.Key };
  }
}

function hex(algorithm: string, input: string): string {
  return createHash(algorithm).update(input, 'utf8').digest('hex');
}

function adler32(input: string): string {
  let a = 1;
  let b = 0;
  for (const byte of Buffer.from(input, 'utf8')) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return String(((b << 16) | a) >>> 0);
}

function bcrypt(input: string): string {
  // Go's x/crypto/bcrypt writes the $2a$ prefix; the hash itself is the same.
  return bcryptjs.hashSync(input, 10).replace(/^\$2b\$/, '$2a$');
}

function htpasswd(username: string, password: string, algorithm?: string): string {
  if (username.includes(':')) return `invalid username: ${username}`;
  if (algorithm === 'sha') return `${username}:{SHA}${createHash('sha1').update(password).digest('base64')}`;
  return `${username}:${bcrypt(password)}`;
}

const masterPasswordSeed = 'com.lyndir.masterpassword';
const passwordTemplates: Record<string, string[]> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv', 'CvcvCvcvnoCvcv', 'CvcvCvcvCvcvno', 'CvccnoCvcvCvcv', 'CvccCvcvnoCvcv', 'CvccCvcvCvcvno', 'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv', 'CvcvCvccCvcvno', 'CvcvnoCvcvCvcc', 'CvcvCvcvnoCvcc', 'CvcvCvcvCvccno', 'CvccnoCvccCvcv', 'CvccCvccnoCvcv',
    'CvccCvccCvcvno', 'CvcvnoCvccCvcc', 'CvcvCvccnoCvcc', 'CvcvCvccCvccno', 'CvccnoCvcvCvcc', 'CvccCvcvnoCvcc', 'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};
const templateCharacters: Record<string, string> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** The Master Password algorithm (as sprig's derivePassword). */
function derivePassword(counter: bigint, passwordType: string, password: string, user: string, site: string): string {
  const templates = passwordTemplates[passwordType];
  if (!templates) return `cannot find password template ${passwordType}`;
  const seed = Buffer.from(masterPasswordSeed);
  const userBytes = Buffer.from(user);
  const salt = Buffer.concat([seed, uint32(userBytes.length), userBytes]);
  const key = scryptSync(Buffer.from(password), salt, 64, { N: 32768, r: 8, p: 2, maxmem: 256 * 1024 * 1024 });
  const siteBytes = Buffer.from(site);
  const message = Buffer.concat([seed, uint32(siteBytes.length), siteBytes, uint32(Number(counter))]);
  const digest = createHmac('sha256', key).update(message).digest();
  const template = templates[digest[0]! % templates.length]!;
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const chars = templateCharacters[template[i]!]!;
    out += chars[digest[i + 1]! % chars.length];
  }
  return out;
}

type KeyType = 'rsa' | 'ecdsa' | 'ed25519' | 'dsa';

function generateKey(type: KeyType, rsaBits: number): KeyObject {
  switch (type) {
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: rsaBits }).privateKey;
    case 'ecdsa':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 }).privateKey;
  }
}

/** The PEM block Go writes for a private key: PKCS#1 for RSA, SEC 1 for EC, PKCS#8 otherwise. */
function keyPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }) as string;
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }) as string;
    default:
      return key.export({ type: 'pkcs8', format: 'pem' }) as string;
  }
}

function genPrivateKey(type: string): string {
  const kind = type === '' ? 'rsa' : type;
  if (kind !== 'rsa' && kind !== 'ecdsa' && kind !== 'ed25519' && kind !== 'dsa') return `Unknown type ${type}`;
  return keyPem(generateKey(kind, 4096));
}

function parsePrivateKeyPem(pem: string): KeyObject {
  const block = /-----BEGIN ([A-Z ]+)-----/.exec(pem);
  if (!block) throw new Error('no PEM data in input');
  if (block[1] !== 'PRIVATE KEY' && !block[1]!.endsWith(' PRIVATE KEY')) throw new Error(`no private key data in PEM block of type ${block[1]}`);
  try {
    return createPrivateKey(pem);
  } catch (e) {
    throw new Error(`invalid private key type ${block[1]}: ${(e as Error).message}`);
  }
}

const oids = {
  commonName: '2.5.4.3',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ed25519: '1.3.101.112',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function signatureAlgorithm(key: KeyObject): AlgorithmIdentifier {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return new AlgorithmIdentifier({ algorithm: oids.sha256WithRSA, parameters: null });
    case 'ec':
      return new AlgorithmIdentifier({ algorithm: oids.ecdsaWithSHA256 });
    case 'ed25519':
      return new AlgorithmIdentifier({ algorithm: oids.ed25519 });
    default:
      throw new Error(`x509: unsupported signing key type ${key.asymmetricKeyType}`);
  }
}

function extension(id: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function asnTime(date: Date): Time {
  return date.getUTCFullYear() < 2050 ? new Time({ utcTime: date }) : new Time({ generalTime: date });
}

interface CertTemplate {
  cn: string;
  ips: string[];
  dnsNames: string[];
  daysValid: number;
  isCA: boolean;
}

interface Signer {
  name: Name;
  key: KeyObject;
  subjectKeyId?: ArrayBuffer;
}

function subjectKeyIdOf(spki: SubjectPublicKeyInfo): ArrayBuffer {
  const digest = createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
  return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength);
}

function createCertificate(template: CertTemplate, subjectKey: KeyObject, signer: Signer | null): string {
  const spkiDer = createPublicKey(subjectKey).export({ type: 'spki', format: 'der' });
  const spki = AsnConvert.parse(spkiDer, SubjectPublicKeyInfo);
  const subject = new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oids.commonName, value: new AttributeValue({ printableString: undefined, utf8String: template.cn }) })])]);
  // A positive DER INTEGER in its shortest form: a leading zero byte (1 in 256 random serials) would be a padding
  // OpenSSL refuses ("illegal padding"), and a set high bit would need one.
  const serialBytes = randomBytes(16);
  serialBytes[0] = (serialBytes[0]! & 0x7f) || 1;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const notAfter = new Date(now.getTime() + template.daysValid * 24 * 3600 * 1000);
  const signingKey = signer?.key ?? subjectKey;
  const issuer = signer?.name ?? subject;

  let usage = KeyUsageFlags.keyEncipherment | KeyUsageFlags.digitalSignature;
  if (template.isCA) usage |= KeyUsageFlags.keyCertSign;
  const extensions: Extension[] = [
    extension(oids.keyUsage, true, new KeyUsage(usage)),
    extension(oids.extKeyUsage, false, new ExtendedKeyUsage([oids.serverAuth, oids.clientAuth])),
    extension(oids.basicConstraints, true, new BasicConstraints({ cA: template.isCA })),
  ];
  const subjectKeyId = template.isCA ? subjectKeyIdOf(spki) : undefined;
  if (subjectKeyId) extensions.push(extension(oids.subjectKeyId, false, new SubjectKeyIdentifier(subjectKeyId)));
  if (signer?.subjectKeyId) extensions.push(extension(oids.authorityKeyId, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(signer.subjectKeyId) })));
  const altNames = [...template.dnsNames.map((d) => new GeneralName({ dNSName: d })), ...template.ips.map((ip) => new GeneralName({ iPAddress: ip }))];
  if (altNames.length) extensions.push(extension(oids.subjectAltName, false, new SubjectAlternativeName(altNames)));

  const algorithm = signatureAlgorithm(signingKey);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialBytes.buffer.slice(serialBytes.byteOffset, serialBytes.byteOffset + serialBytes.byteLength),
    signature: algorithm,
    issuer,
    validity: new Validity({ notBefore: now, notAfter }),
    subject,
    subjectPublicKeyInfo: spki,
    extensions: new Extensions(extensions),
  });
  tbs.validity.notBefore = asnTime(now);
  tbs.validity.notAfter = asnTime(notAfter);
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = signingKey.asymmetricKeyType === 'ed25519' ? sign(null, tbsDer, signingKey) : sign('sha256', tbsDer, signingKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength),
  });
  const der = Buffer.from(AsnConvert.serialize(cert));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function stringList(values: unknown, what: 'ip' | 'dns'): string[] {
  if (values === null || values === undefined) return [];
  if (!Array.isArray(values)) throw new Error(`wrong type for value; expected []interface {}; got ${goTypeName(values)}`);
  return values.map((value) => {
    if (typeof value !== 'string') {
      throw new Error(what === 'ip' ? `error parsing ip: ${String(value)} is not a string` : `error processing alternate dns name: ${String(value)} is not a string`);
    }
    if (what === 'ip' && !isIP(value)) throw new Error(`error parsing ip: ${value}`);
    return value;
  });
}

function signerOf(ca: unknown): Signer {
  if (!(ca instanceof GoCertificate)) throw new Error(`wrong type for value; expected sprig.certificate; got ${goTypeName(ca)}`);
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(ca.Cert);
  if (!pem) throw new Error('unable to decode certificate');
  const parsed = AsnConvert.parse(Buffer.from(pem[1]!.replace(/\s/g, ''), 'base64'), Certificate);
  const skiExt = parsed.tbsCertificate.extensions?.find((e) => e.extnID === oids.subjectKeyId);
  const subjectKeyId = skiExt ? AsnConvert.parse(skiExt.extnValue, SubjectKeyIdentifier).buffer : undefined;
  let key: KeyObject;
  try {
    key = parsePrivateKeyPem(ca.Key);
  } catch (e) {
    throw new Error(`error parsing private key: ${(e as Error).message}`);
  }
  return { name: parsed.tbsCertificate.subject, key, subjectKeyId };
}

function certificate(template: CertTemplate, key: KeyObject, signer: Signer | null): GoCertificate {
  return new GoCertificate(createCertificate(template, key, signer), keyPem(key));
}

function keyFromPem(pem: string): KeyObject {
  try {
    return parsePrivateKeyPem(pem);
  } catch (e) {
    throw new Error(`parsing private key: ${(e as Error).message}`);
  }
}

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(password, 'utf8').copy(key, 0, 0, 32);
  return key;
}

function encryptAES(password: string, plaintext: string): string {
  if (plaintext === '') return '';
  const content = Buffer.from(plaintext, 'utf8');
  const padding = 16 - (content.length % 16);
  const padded = Buffer.concat([content, Buffer.alloc(padding, padding)]);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', aesKey(password), iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(padded), cipher.final()]).toString('base64');
}

function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  const crypt = Buffer.from(crypt64, 'base64');
  if (crypt.length < 16 || crypt.length % 16 !== 0) throw new Error('crypto/cipher: input not full blocks');
  const decipher = createDecipheriv('aes-256-cbc', aesKey(password), crypt.subarray(0, 16));
  decipher.setAutoPadding(false);
  const decrypted = Buffer.concat([decipher.update(crypt.subarray(16)), decipher.final()]);
  return decrypted.subarray(0, decrypted.length - decrypted[decrypted.length - 1]!).toString('utf8');
}

const certArgs = ['string', 'slice', 'slice', 'int'] as const;

export const cryptoFuncs: Record<string, GoFunc> = {
  sha1sum: goFunc(['string'], (s: string) => hex('sha1', s)),
  sha256sum: goFunc(['string'], (s: string) => hex('sha256', s)),
  sha512sum: goFunc(['string'], (s: string) => hex('sha512', s)),
  adler32sum: goFunc(['string'], adler32),
  bcrypt: goFunc(['string'], bcrypt),
  htpasswd: goFunc(['string', 'string', 'string'], htpasswd),
  randBytes: goFunc(['int'], (n: bigint) => randomBytes(Number(n)).toString('base64')),
  uuidv4: goFunc([], () => randomUUID()),
  derivePassword: goFunc(['uint32', 'string', 'string', 'string', 'string'], derivePassword),
  genPrivateKey: goFunc(['string'], genPrivateKey),
  buildCustomCert: goFunc(['string', 'string'], (b64cert: string, b64key: string) => {
    const cert = Buffer.from(b64cert, 'base64').toString('utf8');
    const key = Buffer.from(b64key, 'base64').toString('utf8');
    if (!cert.includes('-----BEGIN')) throw new Error('unable to decode certificate');
    keyFromPem(key);
    return new GoCertificate(cert, key);
  }),
  genCA: goFunc(['string', 'int'], (cn: string, days: bigint) => certificate({ cn, ips: [], dnsNames: [], daysValid: Number(days), isCA: true }, generateKey('rsa', 2048), null)),
  genCAWithKey: goFunc(['string', 'int', 'string'], (cn: string, days: bigint, pem: string) =>
    certificate({ cn, ips: [], dnsNames: [], daysValid: Number(days), isCA: true }, keyFromPem(pem), null),
  ),
  genSelfSignedCert: goFunc([...certArgs], (cn: string, ips: unknown, dns: unknown, days: bigint) =>
    certificate({ cn, ips: stringList(ips, 'ip'), dnsNames: stringList(dns, 'dns'), daysValid: Number(days), isCA: false }, generateKey('rsa', 2048), null),
  ),
  genSelfSignedCertWithKey: goFunc([...certArgs, 'string'], (cn: string, ips: unknown, dns: unknown, days: bigint, pem: string) =>
    certificate({ cn, ips: stringList(ips, 'ip'), dnsNames: stringList(dns, 'dns'), daysValid: Number(days), isCA: false }, keyFromPem(pem), null),
  ),
  genSignedCert: goFunc([...certArgs, 'any'], (cn: string, ips: unknown, dns: unknown, days: bigint, ca: unknown) => {
    const template = { cn, ips: stringList(ips, 'ip'), dnsNames: stringList(dns, 'dns'), daysValid: Number(days), isCA: false };
    return certificate(template, generateKey('rsa', 2048), signerOf(ca));
  }),
  genSignedCertWithKey: goFunc([...certArgs, 'any', 'string'], (cn: string, ips: unknown, dns: unknown, days: bigint, ca: unknown, pem: string) => {
    const template = { cn, ips: stringList(ips, 'ip'), dnsNames: stringList(dns, 'dns'), daysValid: Number(days), isCA: false };
    return certificate(template, keyFromPem(pem), signerOf(ca));
  }),
  encryptAES: goFunc(['string', 'string'], encryptAES),
  decryptAES: goFunc(['string', 'string'], decryptAES),
};
