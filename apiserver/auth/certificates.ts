// The Certificates API's rules (pkg/apis/certificates and its admission plugins): what a
// CertificateSigningRequest must hold, who may approve (the `approval` subresource, `approve` on
// the signer) and sign (`sign` on the signer), and that nobody gets a system:masters client
// certificate this way. The signer and approver controllers live in controllers/certificates.ts.
import type { AdmissionAttributes, AdmissionPlugin } from '../admission/types.ts';
import type { UserInfo } from '../authn.ts';
import type { ApiCore } from '../core.ts';
import { decodeObjectBody } from '../handlers/content.ts';
import { sendJson } from '../handlers/output.ts';
import { applyPatchBody, patchTypes } from '../handlers/patch.ts';
import type { ResourceHandlers, ResourceRequest } from '../handlers/resources.ts';
import { fromServedVersion, toServedVersion } from '../registry/conversion.ts';
import { fieldError } from '../registry/field-errors.ts';
import { deepEqual, timestamp } from '../registry/object-meta.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors } from '../status.ts';
import { certificatesGroup, conditionsOf, hasCondition, parseCertificateRequest, signers, type ParsedRequest } from './certificate-requests.ts';

type Json = Record<string, any>;

function forbiddenCsr(name: string | undefined, message: string) {
  return errors.forbidden(`certificatesigningrequests.${certificatesGroup} "${name ?? ''}" is forbidden: ${message}`, { name, group: certificatesGroup, kind: 'certificatesigningrequests' });
}

/** Whether `user` may `verb` (approve, sign) requests of `signerName` (or every signer of its domain). */
async function signerAllowed(core: ApiCore, user: UserInfo, verb: string, signerName: string): Promise<boolean> {
  const domain = signerName.split('/')[0];
  for (const name of [signerName, `${domain}/*`]) {
    const decision = await core.authorizer.authorize({ user, verb, apiGroup: certificatesGroup, resource: 'signers', name, resourceRequest: true });
    if (decision.allowed) return true;
  }
  return false;
}

/** CertificateApproval, CertificateSigning and CertificateSubjectRestriction admission. */
export function certificatesAdmission(core: ApiCore): AdmissionPlugin {
  const check = async ({ operation, object, oldObject, user, subresource }: AdmissionAttributes & { object: KubeObject }): Promise<void> => {
    const signerName = String((object.spec as Json | undefined)?.signerName ?? '');
    if (operation === 'CREATE') {
      let parsed: ParsedRequest;
      try {
        parsed = parseCertificateRequest((object.spec as Json | undefined)?.request);
      } catch {
        return; // validation reported it
      }
      if (!(await parsed.request.verify())) throw errors.invalid('CertificateSigningRequest', certificatesGroup, object.metadata.name ?? '', [fieldError.invalid('spec.request', '<certificate request>', 'x509: ECDSA verification failure')]);
      if (signerName === signers.apiserverClient && parsed.organizations.includes('system:masters')) {
        throw forbiddenCsr(object.metadata.name, `use of ${signers.apiserverClient} signer with system:masters group is not allowed`);
      }
      return;
    }
    if (operation !== 'UPDATE' || !oldObject) return;
    if (subresource === 'approval') {
      const changed = ['Approved', 'Denied'].some((type) => hasCondition(object, type) !== hasCondition(oldObject, type));
      if (changed && !(await signerAllowed(core, user, 'approve', signerName))) throw forbiddenCsr(object.metadata.name, `user not permitted to approve requests with signerName "${signerName}"`);
    }
    if (subresource === 'status') {
      const certificate = (object.status as Json | undefined)?.certificate;
      if (certificate && certificate !== (oldObject.status as Json | undefined)?.certificate && !(await signerAllowed(core, user, 'sign', signerName))) {
        throw forbiddenCsr(object.metadata.name, `user not permitted to sign requests with signerName "${signerName}"`);
      }
    }
  };
  return {
    name: 'CertificateSigningRequests',
    validate(attributes) {
      const { description, object } = attributes;
      if (description.group !== certificatesGroup || description.plural !== 'certificatesigningrequests' || !object) return;
      return check({ ...attributes, object });
    },
  };
}

/** Fills the timestamps kubectl leaves out of approval conditions. */
function withConditionTimes(conditions: Json[]): Json[] {
  const now = timestamp();
  return conditions.map((c) => ({ ...c, lastUpdateTime: c.lastUpdateTime ?? now, lastTransitionTime: c.lastTransitionTime ?? now }));
}

/** GET, PUT and PATCH of `certificatesigningrequests/<name>/approval` (`kubectl certificate approve|deny`). */
export function registerApprovalHandlers(core: ApiCore, handlers: ResourceHandlers): void {
  const write = async (context: ResourceRequest, next: (current: KubeObject) => KubeObject) => {
    const { info, store, user, served, reply, query } = context;
    const updated = await store.guaranteedUpdate(
      undefined,
      info.name!,
      (current) => {
        const wanted = next(current);
        const conditions = withConditionTimes(conditionsOf(wanted));
        const result: KubeObject = { ...current, status: { ...((current.status as Json | undefined) ?? {}), conditions } };
        const rv = wanted.metadata?.resourceVersion;
        result.metadata = { ...current.metadata, resourceVersion: rv && rv !== current.metadata.resourceVersion ? rv : undefined };
        if (!result.metadata.resourceVersion) delete result.metadata.resourceVersion;
        return result;
      },
      { user, subresource: 'approval', dryRun: ([] as unknown[]).concat(query.dryRun ?? []).length > 0 },
    );
    return sendJson(reply, 200, toServedVersion(served, updated));
  };
  handlers.addHandler(certificatesGroup, 'certificatesigningrequests', 'approval', 'GET', async ({ store, info, served, reply }) =>
    sendJson(reply, 200, toServedVersion(served, await store.get(undefined, info.name!))),
  );
  handlers.addHandler(certificatesGroup, 'certificatesigningrequests', 'approval', 'PUT', (context) => {
    const body = decodeObjectBody(context.request.headers['content-type'], context.request.body as Buffer | undefined) as KubeObject;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest("Object 'CertificateSigningRequest' is not a JSON object");
    const wanted = fromServedVersion(context.served, { ...body, metadata: body.metadata ?? {} });
    if (wanted.metadata.name && wanted.metadata.name !== context.info.name) {
      throw errors.badRequest(`the name of the object (${wanted.metadata.name}) does not match the name on the URL (${context.info.name})`);
    }
    return write(context, () => wanted);
  });
  handlers.addHandler(certificatesGroup, 'certificatesigningrequests', 'approval', 'PATCH', (context) => {
    const contentType = (context.request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!patchTypes.has(contentType)) throw errors.unsupportedMediaType(contentType);
    const body = context.request.body as Buffer | undefined;
    if (!body?.length) throw errors.badRequest('the body of the request was empty');
    return write(context, (current) => {
      const patched = applyPatchBody(contentType, toServedVersion(context.served, current), body, core.kindSchema(context.served)) as KubeObject;
      if (deepEqual(patched?.metadata?.resourceVersion, current.metadata.resourceVersion)) delete patched.metadata.resourceVersion;
      return fromServedVersion(context.served, patched);
    });
  });
}
