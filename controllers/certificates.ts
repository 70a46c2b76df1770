// The certificate controllers of kube-controller-manager: the signer issues certificates from the
// cluster CA for approved CertificateSigningRequests of the kubernetes.io signers (after checking
// each signer's constraints), the approver approves node client certificates for requesters RBAC
// allows (joining agents and renewing nodes), and the cleaner removes finished or stale requests.
import * as x509 from '@peculiar/x509';
import type { UserInfo } from '../apiserver/authn.ts';
import type { ApiClient } from '../apiserver/client.ts';
import type { ApiCore } from '../apiserver/core.ts';
import { certificatesGroup, hasCondition, isApproved, parseCertificateRequest, signers, type ParsedRequest } from '../apiserver/auth/certificate-requests.ts';
import type { CertificateAuthority } from '../apiserver/pki.ts';
import { timestamp } from '../apiserver/registry/object-meta.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import type { InformerFactory } from './informer.ts';

type Json = Record<string, any>;

/** A Kubernetes key usage's X.509 flag; the table is made on first use, when the executable loads the X.509 library. */
let keyUsageFlags: Record<string, x509.KeyUsageFlags> | undefined;
function keyUsageFlag(usage: string): x509.KeyUsageFlags | 0 {
  const { KeyUsageFlags } = x509;
  keyUsageFlags ??= {
    signing: KeyUsageFlags.digitalSignature,
    'digital signature': KeyUsageFlags.digitalSignature,
    'content commitment': KeyUsageFlags.nonRepudiation,
    'key encipherment': KeyUsageFlags.keyEncipherment,
    'key agreement': KeyUsageFlags.keyAgreement,
    'data encipherment': KeyUsageFlags.dataEncipherment,
    'cert sign': KeyUsageFlags.keyCertSign,
    'crl sign': KeyUsageFlags.cRLSign,
    'encipher only': KeyUsageFlags.encipherOnly,
    'decipher only': KeyUsageFlags.decipherOnly,
  };
  return keyUsageFlags[usage] ?? 0;
}

const extendedKeyUsageOids: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** The cluster signing duration (kube-controller-manager's --cluster-signing-duration default). */
export const defaultSigningSeconds = 365 * 24 * 3600;

function usagesOf(csr: KubeObject): string[] {
  const usages = (csr.spec as Json | undefined)?.usages;
  return Array.isArray(usages) ? usages.filter((u): u is string => typeof u === 'string') : [];
}

/** Checks usages against a signer's allowed set; `required` must be present. */
function checkUsages(usages: string[], allowed: string[], required: string, what: string): void {
  for (const usage of usages) if (!allowed.includes(usage)) throw new Error(`invalid usage for ${what} certificate: ${usage}`);
  if (!usages.includes(required)) throw new Error(`missing required usage for ${what} certificate: ${required}`);
}

function checkNodeSubject(request: ParsedRequest): void {
  if (request.organizations.length !== 1 || request.organizations[0] !== 'system:nodes') throw new Error('subject organization is not system:nodes');
  if (!request.commonName.startsWith('system:node:')) throw new Error('subject common name does not begin with "system:node:"');
}

/** Each kubernetes.io signer's constraints (pkg/controller/certificates/signer); throws why not. */
export function checkSignerConstraints(signerName: string, request: ParsedRequest, usages: string[]): void {
  switch (signerName) {
    case signers.apiserverClient:
      checkUsages(usages, ['digital signature', 'key encipherment', 'client auth'], 'client auth', 'client');
      return;
    case signers.kubeletClient:
      checkNodeSubject(request);
      if (request.dnsNames.length || request.emails.length || request.ipAddresses.length || request.uris.length) throw new Error('DNS, email, IP and URI subjectAltNames are not allowed');
      checkUsages(usages, ['digital signature', 'key encipherment', 'client auth'], 'client auth', 'client');
      return;
    case signers.kubeletServing:
      checkNodeSubject(request);
      if (request.emails.length || request.uris.length) throw new Error('email and URI subjectAltNames are not allowed');
      if (!request.dnsNames.length && !request.ipAddresses.length) throw new Error('at least one DNS or IP subjectAltName is required');
      checkUsages(usages, ['digital signature', 'key encipherment', 'server auth'], 'server auth', 'serving');
      return;
    default:
      throw new Error(`signer ${signerName} is not handled by k2`);
  }
}

const signedHere = new Set([signers.apiserverClient, signers.kubeletClient, signers.kubeletServing]);

export class CertificateSigner extends Controller {
  readonly name = 'csrsigning';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
    private readonly ca: CertificateAuthority,
    private readonly maxSeconds = defaultSigningSeconds,
  ) {
    super();
  }

  setup(): void {
    const enqueue = (csr: KubeObject) => this.queue.add(csr.metadata.name!);
    this.informers.informer(certificatesGroup, 'certificatesigningrequests').addHandlers({ add: enqueue, update: (_old, csr) => enqueue(csr) });
  }

  async reconcile(name: string): Promise<void> {
    const csr = this.informers.informer(certificatesGroup, 'certificatesigningrequests').get(undefined, name);
    if (!csr || !isApproved(csr) || (csr.status as Json | undefined)?.certificate) return;
    const spec = (csr.spec ?? {}) as Json;
    if (!signedHere.has(spec.signerName)) return;
    let certificate: string | undefined;
    let failure: string | undefined;
    try {
      const request = parseCertificateRequest(spec.request);
      checkSignerConstraints(spec.signerName, request, usagesOf(csr));
      const usages = usagesOf(csr);
      const seconds = Math.min(typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : this.maxSeconds, this.maxSeconds);
      certificate = await this.ca.signRequest(request.request, {
        keyUsages: usages.reduce<number>((flags, u) => flags | keyUsageFlag(u), 0) as x509.KeyUsageFlags,
        extendedKeyUsages: usages.map((u) => extendedKeyUsageOids[u]).filter((oid): oid is string => Boolean(oid)),
        seconds,
      });
    } catch (error) {
      failure = (error as Error).message;
    }
    try {
      await this.client.resource(certificatesGroup, 'certificatesigningrequests').modify(
        undefined,
        name,
        (current) => {
          const status = { ...((current.status as Json | undefined) ?? {}) };
          if (certificate) status.certificate = Buffer.from(certificate).toString('base64');
          else {
            const now = timestamp();
            status.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: failure, lastUpdateTime: now, lastTransitionTime: now }];
          }
          return { ...current, status };
        },
        { subresource: 'status' },
      );
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 422))) throw error;
    }
  }
}

/**
 * Approves kubelet client certificates (kube-apiserver-client-kubelet) for a node's own identity
 * when its requester may create `certificatesigningrequests/nodeclient` (a new node, e.g. a
 * bootstrap token) or `…/selfnodeclient` (a node renewing its own), as kube-controller-manager's
 * csrapproving controller.
 */
export class CertificateApprover extends Controller {
  readonly name = 'csrapproving';

  constructor(
    private readonly core: ApiCore,
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    this.informers.informer(certificatesGroup, 'certificatesigningrequests').addHandlers({ add: (csr) => this.queue.add(csr.metadata.name!) });
  }

  async reconcile(name: string): Promise<void> {
    const csr = this.informers.informer(certificatesGroup, 'certificatesigningrequests').get(undefined, name);
    if (!csr || hasCondition(csr, 'Approved') || hasCondition(csr, 'Denied')) return;
    const spec = (csr.spec ?? {}) as Json;
    if (spec.signerName !== signers.kubeletClient) return;
    let request: ParsedRequest;
    try {
      request = parseCertificateRequest(spec.request);
      checkSignerConstraints(signers.kubeletClient, request, usagesOf(csr));
    } catch {
      return; // not a node client request: left to people
    }
    const requester: UserInfo = { username: spec.username ?? '', uid: spec.uid, groups: Array.isArray(spec.groups) ? spec.groups : [], extra: spec.extra };
    const subresource = requester.username === request.commonName ? 'selfnodeclient' : 'nodeclient';
    const decision = await this.core.authorizer.authorize({ user: requester, verb: 'create', apiGroup: certificatesGroup, resource: 'certificatesigningrequests', subresource, resourceRequest: true });
    if (!decision.allowed) return;
    const now = timestamp();
    const approved = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', lastUpdateTime: now, lastTransitionTime: now };
    try {
      await this.client.resource(certificatesGroup, 'certificatesigningrequests').modify(
        undefined,
        name,
        (current) => ({ ...current, status: { ...((current.status as Json | undefined) ?? {}), conditions: [...(((current.status as Json | undefined)?.conditions as Json[]) ?? []), approved] } }),
        { subresource: 'approval' },
      );
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 422))) throw error;
    }
  }
}

const hourMs = 3600_000;

/** Deletes requests an hour after they were approved and issued, denied or failed, and pending ones after a day. */
export class CertificateCleaner extends Controller {
  readonly name = 'csrcleaner';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  setup(): void {
    const enqueue = (csr: KubeObject) => this.queue.add(csr.metadata.name!);
    this.informers.informer(certificatesGroup, 'certificatesigningrequests').addHandlers({ add: enqueue, update: (_old, csr) => enqueue(csr) });
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    const csr = this.informers.informer(certificatesGroup, 'certificatesigningrequests').get(undefined, name);
    if (!csr) return;
    const created = Date.parse(csr.metadata.creationTimestamp ?? '') || Date.now();
    const finished = ((csr.status as Json | undefined)?.certificate && isApproved(csr)) || hasCondition(csr, 'Denied') || hasCondition(csr, 'Failed');
    const deadline = created + (finished ? hourMs : 24 * hourMs);
    const wait = deadline - Date.now();
    if (wait > 0) return { requeueAfterMs: Math.min(wait, hourMs) };
    try {
      await this.client.resource(certificatesGroup, 'certificatesigningrequests').delete(undefined, name, { preconditions: { uid: csr.metadata.uid } });
    } catch (error) {
      if (!(error instanceof StatusError && (error.code === 404 || error.code === 409))) throw error;
    }
  }
}
