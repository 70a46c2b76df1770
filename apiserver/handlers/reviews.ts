// The review kinds: POST-only questions to the authenticator and authorizer (kubectl auth whoami,
// kubectl auth can-i [--list], TokenReview, SubjectAccessReview).
import type { UserInfo } from '../authn.ts';
import type { AuthorizationAttributes } from '../authz.ts';
import type { ApiCore } from '../core.ts';
import { fromServedVersion, toServedVersion } from '../registry/conversion.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors } from '../status.ts';
import { decodeObjectBody } from './content.ts';
import { sendJson } from './output.ts';
import type { ResourceHandlers, ResourceRequest } from './resources.ts';

type Json = Record<string, any>;

/** The request's review in the stored form (v1beta1 SubjectAccessReview's spec.group becomes spec.groups). */
function body(context: ResourceRequest): Json {
  const object = decodeObjectBody(context.request.headers['content-type'], context.request.body as Buffer | undefined) as Json;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw errors.badRequest('request body must be an object');
  if (typeof object.metadata !== 'object' || object.metadata === null || Array.isArray(object.metadata)) object.metadata = {};
  return fromServedVersion(context.served, object as KubeObject);
}

/** The answered review, in the version the client asked in. */
function answer(context: ResourceRequest, object: Json, status: Json): unknown {
  const stored = { ...object, metadata: { ...(object.metadata ?? {}), creationTimestamp: null }, status } as KubeObject;
  return sendJson(context.reply, 201, toServedVersion(context.served, stored));
}

function attributesOf(user: UserInfo, spec: Json, namespace?: string): AuthorizationAttributes {
  const resource = spec.resourceAttributes as Json | undefined;
  if (resource) {
    return {
      user,
      resourceRequest: true,
      verb: resource.verb ?? '',
      namespace: namespace ?? resource.namespace,
      apiGroup: resource.group ?? '',
      apiVersion: resource.version,
      resource: resource.resource,
      subresource: resource.subresource,
      name: resource.name,
    };
  }
  const nonResource = (spec.nonResourceAttributes ?? {}) as Json;
  return { user, resourceRequest: false, verb: nonResource.verb ?? '', path: nonResource.path ?? '' };
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** The fields of a review's spec must have the types of the Go struct (a decoding error otherwise). */
function checkSpec(kind: string, spec: Json): void {
  const wrong = (field: string, want: string) => errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal into Go struct field ${kind}Spec.spec.${field} of type ${want}`);
  for (const field of ['user', 'uid']) if (spec[field] !== undefined && spec[field] !== null && typeof spec[field] !== 'string') throw wrong(field, 'string');
  if (spec.groups !== undefined && spec.groups !== null && !isStringList(spec.groups)) throw wrong('groups', '[]string');
  if (spec.extra !== undefined && spec.extra !== null && (typeof spec.extra !== 'object' || Array.isArray(spec.extra) || !Object.values(spec.extra).every(isStringList))) throw wrong('extra', 'map[string][]string');
  for (const [name, attributes] of [['resourceAttributes', spec.resourceAttributes], ['nonResourceAttributes', spec.nonResourceAttributes]] as const) {
    if (attributes === undefined || attributes === null) continue;
    if (typeof attributes !== 'object' || Array.isArray(attributes)) throw wrong(name, name === 'resourceAttributes' ? 'v1.ResourceAttributes' : 'v1.NonResourceAttributes');
    for (const [field, value] of Object.entries(attributes as Json)) {
      if (value !== null && typeof value !== 'string' && field !== 'fieldSelector' && field !== 'labelSelector') throw wrong(`${name}.${field}`, 'string');
    }
  }
  if (spec.namespace !== undefined && spec.namespace !== null && typeof spec.namespace !== 'string') throw wrong('namespace', 'string');
}

function userFromSpec(spec: Json): UserInfo {
  return { username: spec.user ?? '', uid: spec.uid ?? undefined, groups: spec.groups ?? [], extra: spec.extra ?? undefined };
}

export function registerReviewHandlers(core: ApiCore, handlers: ResourceHandlers): void {
  handlers.addHandler('authentication.k8s.io', 'selfsubjectreviews', '', 'POST', (context) => {
    const { user } = context;
    const userInfo: Json = { username: user.username, groups: user.groups };
    if (user.uid) userInfo.uid = user.uid;
    if (user.extra) userInfo.extra = user.extra;
    return answer(context, body(context), { userInfo });
  });

  const accessReview = (self: boolean, namespaced: boolean) => async (context: ResourceRequest) => {
    const object = body(context);
    const spec: Json = typeof object.spec === 'object' && object.spec !== null && !Array.isArray(object.spec) ? object.spec : {};
    checkSpec(context.served.description.kind, spec);
    if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
      throw errors.invalid(context.served.kind, 'authorization.k8s.io', '', [
        { reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' },
      ]);
    }
    const user = self ? context.user : userFromSpec(spec);
    const decision = await core.authorizer.authorize(attributesOf(user, spec, namespaced ? context.info.namespace : undefined));
    const status: Json = { allowed: decision.allowed };
    if (decision.reason) status.reason = decision.reason;
    return answer(context, object, status);
  };
  handlers.addHandler('authorization.k8s.io', 'selfsubjectaccessreviews', '', 'POST', accessReview(true, false));
  handlers.addHandler('authorization.k8s.io', 'subjectaccessreviews', '', 'POST', accessReview(false, false));
  handlers.addHandler('authorization.k8s.io', 'localsubjectaccessreviews', '', 'POST', accessReview(false, true));

  handlers.addHandler('authorization.k8s.io', 'selfsubjectrulesreviews', '', 'POST', async (context) => {
    const object = body(context);
    const spec: Json = typeof object.spec === 'object' && object.spec !== null && !Array.isArray(object.spec) ? object.spec : {};
    checkSpec('SelfSubjectRulesReview', spec);
    const namespace = spec.namespace ?? '';
    return answer(context, object, await core.authorizer.rulesFor(context.user, namespace));
  });
}
