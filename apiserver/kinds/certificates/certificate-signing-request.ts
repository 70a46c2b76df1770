import { validateCertificateSigningRequest } from '../../auth/certificate-requests.ts';
import { defineKind } from '../define.ts';
import { certificateSigningRequestVersions } from './certificate-signing-request-versions.ts';

export const certificateSigningRequests = defineKind({
  group: 'certificates.k8s.io',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  shortNames: ['csr'],
  namespaced: false,
  versions: ['v1', ...certificateSigningRequestVersions],
  status: true,
  subresources: { approval: { kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] } },
  prepareForCreate(csr, context) {
    // The requester is who sent the request, whatever the body says.
    const spec = (csr.spec ??= {}) as Record<string, unknown>;
    spec.username = context.user.username;
    spec.groups = context.user.groups;
    if (context.user.uid) spec.uid = context.user.uid;
    else delete spec.uid;
    if (context.user.extra) spec.extra = context.user.extra;
    else delete spec.extra;
    csr.status = {};
  },
  prepareForUpdate(csr, old) {
    // The request itself never changes; approval and status have their own subresources.
    csr.spec = old.spec;
  },
  validate: (csr, old, context) => validateCertificateSigningRequest(csr, old, context.subresource),
});
