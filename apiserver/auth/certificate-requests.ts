// CertificateSigningRequests as data (pkg/apis/certificates): the PKCS#10 request they carry, their
// conditions, and field validation with Kubernetes' messages.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { fieldError } from '../registry/field-errors.ts';
import type { KubeObject } from '../registry/types.ts';
import type { StatusCause } from '../status.ts';

let cryptoProviderSet = false;

/** @peculiar/x509 with Node's WebCrypto, set on first use: the executable loads the library only then. */
function x509WithNodeCrypto(): typeof x509 {
  if (!cryptoProviderSet) x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  cryptoProviderSet = true;
  return x509;
}

export const certificatesGroup = 'certificates.k8s.io';
export const signers = {
  apiserverClient: 'kubernetes.io/kube-apiserver-client',
  kubeletClient: 'kubernetes.io/kube-apiserver-client-kubelet',
  kubeletServing: 'kubernetes.io/kubelet-serving',
  legacyUnknown: 'kubernetes.io/legacy-unknown',
};

export const keyUsages = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];

type Json = Record<string, any>;

export interface ParsedRequest {
  request: x509.Pkcs10CertificateRequest;
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emails: string[];
  uris: string[];
}

/** The PKCS#10 request a CSR's spec.request (base64 of PEM) holds; throws with Kubernetes' wording. */
export function parseCertificateRequest(encoded: unknown): ParsedRequest {
  if (typeof encoded !== 'string' || !encoded) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const pem = Buffer.from(encoded, 'base64').toString('utf8');
  const block = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!block) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  if (block[1] !== 'CERTIFICATE REQUEST' && block[1] !== 'NEW CERTIFICATE REQUEST') throw new Error('PEM block type must be CERTIFICATE REQUEST');
  const { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } = x509WithNodeCrypto();
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new Pkcs10CertificateRequest(Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64'));
  } catch (error) {
    throw new Error(`x509: malformed certificate request: ${(error as Error).message}`);
  }
  const values = (oid: string) => request.subjectName.getField(oid);
  const sans = request.getExtension('2.5.29.17');
  const names = sans ? new SubjectAlternativeNameExtension(sans.rawData).names.items : [];
  const ofType = (type: string) => names.filter((n) => n.type === type).map((n) => n.value);
  return {
    request,
    commonName: values('2.5.4.3')[0] ?? '',
    organizations: values('2.5.4.10'),
    dnsNames: ofType('dns'),
    ipAddresses: ofType('ip'),
    emails: ofType('email'),
    uris: ofType('url'),
  };
}

export function conditionsOf(csr: KubeObject): Json[] {
  const conditions = (csr.status as Json | undefined)?.conditions;
  return Array.isArray(conditions) ? conditions.filter((c) => c && typeof c === 'object') : [];
}

export function hasCondition(csr: KubeObject, type: string): boolean {
  return conditionsOf(csr).some((c) => c.type === type && c.status === 'True');
}

export function isApproved(csr: KubeObject): boolean {
  return hasCondition(csr, 'Approved') && !hasCondition(csr, 'Denied') && !hasCondition(csr, 'Failed');
}

const signerNamePattern = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+$/;

function validateConditions(csr: KubeObject, old: KubeObject | undefined, subresource: string | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const conditions = conditionsOf(csr);
  const seen = new Set<string>();
  conditions.forEach((condition, i) => {
    const path = `status.conditions[${i}]`;
    if (!condition.type) causes.push(fieldError.required(`${path}.type`, ''));
    if (['Approved', 'Denied', 'Failed'].includes(condition.type)) {
      if (seen.has(condition.type)) causes.push(fieldError.duplicate(`${path}.type`, condition.type));
      if (condition.status !== 'True') causes.push(fieldError.notSupported(`${path}.status`, condition.status ?? '', ['True']));
    } else if (!['True', 'False', 'Unknown'].includes(condition.status)) {
      causes.push(fieldError.notSupported(`${path}.status`, condition.status ?? '', ['False', 'True', 'Unknown']));
    }
    seen.add(condition.type);
  });
  if (seen.has('Approved') && seen.has('Denied')) {
    const at = conditions.findIndex((c) => c.type === 'Denied');
    causes.push(fieldError.invalid(`status.conditions[${at}].type`, 'Denied', 'Approved and Denied conditions are mutually exclusive'));
  }
  if (old) {
    for (const type of ['Approved', 'Denied', 'Failed']) {
      if (hasCondition(old, type) && !hasCondition(csr, type)) causes.push(fieldError.forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
    }
    if (subresource !== 'approval') {
      for (const type of ['Approved', 'Denied']) {
        if (!hasCondition(old, type) && hasCondition(csr, type)) causes.push(fieldError.forbidden('status.conditions', `updates may not add a condition of type "${type}"`));
      }
    }
    const oldCertificate = (old.status as Json | undefined)?.certificate;
    const certificate = (csr.status as Json | undefined)?.certificate;
    if (oldCertificate && certificate !== oldCertificate) causes.push(fieldError.invalid('status.certificate', '<certificate>', 'field is immutable'));
    if (certificate && !oldCertificate) {
      if (!hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied') || hasCondition(csr, 'Failed')) {
        causes.push(fieldError.forbidden('status.certificate', 'certificate may only be set if the request is approved and not denied or failed'));
      }
      const pem = Buffer.from(String(certificate), 'base64').toString('utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) causes.push(fieldError.invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block'));
    }
  }
  return causes;
}

/** Field validation of a CertificateSigningRequest (create and updates). */
export function validateCertificateSigningRequest(csr: KubeObject, old: KubeObject | undefined, subresource?: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (csr.spec ?? {}) as Json;
  if (!old) {
    try {
      parseCertificateRequest(spec.request);
    } catch (error) {
      causes.push(fieldError.invalid('spec.request', '<certificate request>', (error as Error).message));
    }
    if (!spec.signerName) causes.push(fieldError.required('spec.signerName', ''));
    else if (typeof spec.signerName !== 'string' || !signerNamePattern.test(spec.signerName)) {
      causes.push(fieldError.invalid('spec.signerName', spec.signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
    }
    if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null && !(Number.isInteger(spec.expirationSeconds) && spec.expirationSeconds >= 600)) {
      causes.push(fieldError.invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
    }
    const usages: unknown[] = Array.isArray(spec.usages) ? spec.usages : [];
    if (!usages.length) causes.push(fieldError.required('spec.usages', ''));
    const seen = new Set<unknown>();
    usages.forEach((usage, i) => {
      if (!keyUsages.includes(usage as string)) causes.push(fieldError.notSupported(`spec.usages[${i}]`, usage, keyUsages));
      else if (seen.has(usage)) causes.push(fieldError.duplicate(`spec.usages[${i}]`, usage));
      seen.add(usage);
    });
  }
  causes.push(...validateConditions(csr, old, subresource));
  return causes;
}
