// The Certificates API: requests validated, approved through the approval subresource by those
// allowed to approve for the signer, signed by the cluster CA within each signer's constraints;
// kubelet client requests from bootstrap tokens approved automatically; system:masters refused.
import { X509Certificate, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTokenSecret } from '../../apiserver/auth/bootstrap-tokens.ts';
import { certificateRequest as keyedRequest } from './credentials.ts';
import { admin, securityFixture, user, type SecurityFixture } from './fixture.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const csrs = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

async function certificateRequest(subject: string, sans: { type: 'dns' | 'ip'; value: string }[] = []): Promise<string> {
  return (await keyedRequest(subject, sans)).request;
}

function csr(name: string, request: string, signerName: string, usages: string[], extra: object = {}) {
  return { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec: { request, signerName, usages, ...extra } };
}

function approval(object: any, type = 'Approved') {
  return { ...object, status: { conditions: [{ type, status: 'True', reason: 'KubectlApprove', message: `This CSR was ${type.toLowerCase()} by kubectl certificate approve.` }] } };
}

describe('CertificateSigningRequests', () => {
  let f: SecurityFixture;
  beforeAll(async () => {
    f = await securityFixture();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('signs approved kube-apiserver-client requests with the cluster CA, for the requested duration', async () => {
    const created = await f.apply(csr('jane', await certificateRequest('CN=jane, O=devs'), 'kubernetes.io/kube-apiserver-client', ['client auth'], { expirationSeconds: 7200 }));
    expect(created.spec.username).toBe('admin');
    expect(created.spec.groups).toEqual(['system:masters', 'system:authenticated']);
    const approved = await f.request(admin, 'PUT', `${csrs}/jane/approval`, approval(created));
    expect(approved.status).toBe(200);
    expect(approved.body.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'KubectlApprove', lastUpdateTime: expect.any(String) });
    const signed = await f.eventually(async () => (await f.request(admin, 'GET', `${csrs}/jane`)).body.status.certificate as string | undefined);
    const cert = new X509Certificate(Buffer.from(signed, 'base64').toString());
    expect(cert.verify(new X509Certificate(f.ca.certPem).publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=jane\nO=devs');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    const lifetime = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000;
    expect(lifetime).toBeGreaterThanOrEqual(7200 + 5 * 60 - 2);
    expect(lifetime).toBeLessThanOrEqual(7200 + 5 * 60 + 2);
    // Approval cannot be taken back.
    const unversioned = { ...created, metadata: { name: 'jane' } };
    const revoke = await f.request(admin, 'PUT', `${csrs}/jane/approval`, { ...unversioned, status: { conditions: [] } });
    expect(revoke.body.message).toContain('status.conditions: Forbidden: updates may not remove a condition of type "Approved"');
  });

  it('leaves denied requests unsigned and refuses approval to users who may not approve for the signer', async () => {
    const created = await f.apply(csr('denied', await certificateRequest('CN=bob'), 'kubernetes.io/kube-apiserver-client', ['client auth', 'digital signature']));
    const approver = user('approver');
    await f.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'csr-approval' }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] }] });
    await f.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'approver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-approval' }, subjects: [{ kind: 'User', name: 'approver' }] });
    const refused = await f.request(approver, 'PUT', `${csrs}/denied/approval`, approval(created));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('certificatesigningrequests.certificates.k8s.io "denied" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"');
    expect((await f.request(admin, 'PUT', `${csrs}/denied/approval`, approval(created, 'Denied'))).status).toBe(200);
    const both = await f.request(admin, 'PUT', `${csrs}/denied/approval`, { ...created, metadata: { name: 'denied' }, status: { conditions: [...approval(created, 'Denied').status.conditions, ...approval(created).status.conditions] } });
    expect(both.body.message).toContain('Approved and Denied conditions are mutually exclusive');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await f.request(admin, 'GET', `${csrs}/denied`)).body.status.certificate).toBeUndefined();
  });

  it('validates requests and refuses system:masters client certificates', async () => {
    const bad = await f.request(admin, 'POST', csrs, csr('bad', Buffer.from('hello').toString('base64'), 'example', ['client auth', 'client auth', 'flying']));
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain('spec.request: Invalid value: "<certificate request>": PEM block type must be CERTIFICATE REQUEST');
    expect(bad.body.message).toContain(`spec.signerName: Invalid value: "example": must be a fully qualified domain and path of the form 'example.com/signer-name'`);
    expect(bad.body.message).toContain('spec.usages[1]: Duplicate value: "client auth"');
    expect(bad.body.message).toContain('spec.usages[2]: Unsupported value: "flying"');
    const masters = await f.request(admin, 'POST', csrs, csr('root', await certificateRequest('CN=mallory, O=system:masters'), 'kubernetes.io/kube-apiserver-client', ['client auth']));
    expect(masters.status).toBe(403);
    expect(masters.body.message).toBe('certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  });

  it('marks requests outside a signer\'s constraints Failed instead of signing them', async () => {
    const created = await f.apply(csr('serving', await certificateRequest('CN=system:node:n1, O=system:nodes'), 'kubernetes.io/kubelet-serving', ['server auth', 'digital signature']));
    await f.request(admin, 'PUT', `${csrs}/serving/approval`, approval(created));
    const failed = await f.eventually(async () => (await f.request(admin, 'GET', `${csrs}/serving`)).body.status.conditions?.find((c: { type: string }) => c.type === 'Failed'));
    expect(failed).toMatchObject({ status: 'True', reason: 'SignerValidationFailure', message: 'at least one DNS or IP subjectAltName is required' });
    const good = await f.apply(csr('serving2', await certificateRequest('CN=system:node:n1, O=system:nodes', [{ type: 'dns', value: 'n1' }, { type: 'ip', value: '10.0.0.1' }]), 'kubernetes.io/kubelet-serving', ['server auth', 'digital signature', 'key encipherment']));
    await f.request(admin, 'PUT', `${csrs}/serving2/approval`, approval(good));
    const pem = await f.eventually(async () => (await f.request(admin, 'GET', `${csrs}/serving2`)).body.status.certificate as string | undefined);
    const cert = new X509Certificate(Buffer.from(pem, 'base64').toString());
    expect(cert.subjectAltName).toBe('DNS:n1, IP Address:10.0.0.1');
  });

  it('approves node client certificates for joining agents (bootstrap tokens) automatically, not for others', async () => {
    await f.apply(bootstrapTokenSecret('join01', '0123456789abcdef'));
    const request = await certificateRequest('CN=system:node:edge-1, O=system:nodes');
    const created = await f.request('join01.0123456789abcdef', 'POST', csrs, csr('node-csr-edge-1', request, 'kubernetes.io/kube-apiserver-client-kubelet', ['client auth', 'digital signature', 'key encipherment']));
    expect(created.status).toBe(201);
    expect(created.body.spec.username).toBe('system:bootstrap:join01');
    const issued = await f.eventually(async () => (await f.request(admin, 'GET', `${csrs}/node-csr-edge-1`)).body);
    await f.eventually(async () => (await f.request(admin, 'GET', `${csrs}/node-csr-edge-1`)).body.status.certificate);
    expect(issued.metadata.name).toBe('node-csr-edge-1');
    const conditions = (await f.request(admin, 'GET', `${csrs}/node-csr-edge-1`)).body.status.conditions;
    expect(conditions[0]).toMatchObject({ type: 'Approved', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' });
    // Someone else's request for a node identity waits for a person.
    await f.apply({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'mallory-csr' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-bootstrapper' }, subjects: [{ kind: 'User', name: 'mallory' }] });
    await f.eventually(async () => (await f.request(user('mallory'), 'POST', csrs, csr('node-csr-evil', request, 'kubernetes.io/kube-apiserver-client-kubelet', ['client auth']))).status === 201);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await f.request(admin, 'GET', `${csrs}/node-csr-evil`)).body.status.conditions).toBeUndefined();
  });

  it('signs requests for RSA keys too', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keys = {
      privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']),
      publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']),
    };
    const request = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=rsa-user', keys: keys as never, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } });
    const created = await f.apply(csr('rsa', Buffer.from(request.toString('pem')).toString('base64'), 'kubernetes.io/kube-apiserver-client', ['client auth']));
    await f.request(admin, 'PUT', `${csrs}/rsa/approval`, approval(created));
    const pem = await f.eventually(async () => (await f.request(admin, 'GET', `${csrs}/rsa`)).body.status.certificate as string | undefined);
    expect(new X509Certificate(Buffer.from(pem, 'base64').toString()).publicKey.asymmetricKeyType).toBe('rsa');
  });
});
