// Compact JWS tokens signed with ES256 (ECDSA P-256, SHA-256): what k2 signs service-account tokens
// with, and the only algorithm it accepts back (no alg negotiation, no "none").
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export const jwtAlgorithm = 'ES256';

export interface JsonWebKey {
  use: 'sig';
  kty: 'EC';
  kid: string;
  crv: 'P-256';
  alg: typeof jwtAlgorithm;
  x: string;
  y: string;
}

export class SigningKey {
  readonly keyId: string;
  readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    // Kubernetes' key id: the SHA-256 of the DER public key, base64url.
    this.keyId = createHash('sha256').update(this.publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
  }

  static generate(): SigningKey {
    return new SigningKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  }

  static fromPem(pem: string): SigningKey {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('the service-account signing key must be an ECDSA P-256 key');
    return new SigningKey(key);
  }

  toPem(): string {
    return this.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  }

  jwk(): JsonWebKey {
    const { x, y } = this.publicKey.export({ format: 'jwk' }) as { x: string; y: string };
    return { use: 'sig', kty: 'EC', kid: this.keyId, crv: 'P-256', alg: jwtAlgorithm, x, y };
  }

  sign(claims: object): string {
    const header = Buffer.from(JSON.stringify({ alg: jwtAlgorithm, kid: this.keyId })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }
}

const base64url = /^[A-Za-z0-9_-]*$/;

/** Whether a bearer token looks like a JWT at all (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((part) => part.length > 0 && base64url.test(part));
}

function parsePart(part: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The claims of a token signed by one of `keys`, or undefined when it is not (bad form, algorithm or signature). */
export function verifyJwt(token: string, keys: SigningKey[]): Record<string, unknown> | undefined {
  if (!looksLikeJwt(token)) return undefined;
  const [headerPart, payloadPart, signaturePart] = token.split('.') as [string, string, string];
  const header = parsePart(headerPart);
  if (!header || header.alg !== jwtAlgorithm) return undefined;
  const candidates = typeof header.kid === 'string' ? keys.filter((key) => key.keyId === header.kid) : keys;
  const signature = Buffer.from(signaturePart, 'base64url');
  if (signature.length !== 64) return undefined;
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  if (!candidates.some((key) => verify('sha256', signed, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature))) return undefined;
  return parsePart(payloadPart);
}
