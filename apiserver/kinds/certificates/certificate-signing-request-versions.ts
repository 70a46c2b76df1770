// CertificateSigningRequests before certificates.k8s.io/v1: v1beta1 (1.12–1.21) and v1alpha1 (1.4–1.5)
// had v1's fields but not its strictness: usages defaulted to a TLS key's, condition statuses to
// True, and a missing signerName was derived from the request itself, as Kubernetes 1.18–1.21 did.
import * as x509 from '@peculiar/x509';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

const legacyUnknown = 'kubernetes.io/legacy-unknown';

function sameSet(a: string[], b: string[]): boolean {
  const set = new Set(a);
  return set.size === b.length && b.every((item) => set.has(item));
}

/** The signer a v1beta1 request without one meant: the kubelet's client or serving signer, else legacy-unknown. */
export function signerNameForRequest(requestBase64: string | undefined, usages: string[]): string {
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(Buffer.from(requestBase64 ?? '', 'base64').toString('utf8'));
  } catch {
    return legacyUnknown;
  }
  const organizations = request.subjectName.getField('O');
  const commonName = request.subjectName.getField('CN')[0] ?? '';
  if (organizations.length !== 1 || organizations[0] !== 'system:nodes' || !commonName.startsWith('system:node:')) return legacyUnknown;
  const alternativeNames = request.extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension) as x509.SubjectAlternativeNameExtension | undefined;
  const names = alternativeNames?.names.items ?? [];
  const count = (...types: string[]) => names.filter((name) => types.includes(name.type)).length;
  if (count('email', 'url')) return legacyUnknown;
  if (!count('dns', 'ip') && sameSet(usages, ['digital signature', 'key encipherment', 'client auth'])) return 'kubernetes.io/kube-apiserver-client-kubelet';
  if (count('dns', 'ip') && sameSet(usages, ['digital signature', 'key encipherment', 'server auth'])) return 'kubernetes.io/kubelet-serving';
  return legacyUnknown;
}

function v1beta1Defaults(csr: KubeObject): void {
  const spec: Json = ((csr.spec as Json | undefined) ??= {});
  spec.usages ??= ['digital signature', 'key encipherment'];
  spec.signerName ||= signerNameForRequest(spec.request, spec.usages);
  for (const condition of ((csr.status as Json | undefined)?.conditions ?? []) as Json[]) condition.status ||= 'True';
}

export const certificateSigningRequestVersions: VersionDescription[] = [
  { version: 'v1beta1', defaults: v1beta1Defaults },
  { version: 'v1alpha1', defaults: v1beta1Defaults },
];
