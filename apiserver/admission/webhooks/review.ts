// AdmissionReview (admission.k8s.io v1 and v1beta1): the request k2 sends a webhook and the checks
// kube-apiserver makes of its answer.
import { randomUUID } from 'node:crypto';
import { toServedVersion } from '../../registry/conversion.ts';
import { groupVersion, type ServedVersion } from '../../registry/registry.ts';
import type { KubeObject } from '../../registry/types.ts';
import { getScale } from '../../handlers/scale.ts';
import type { AdmissionAttributes } from '../types.ts';
import { requestVersion } from './matching.ts';

/** The AdmissionReview versions k2 speaks, in preference order. */
const knownReviewVersions = ['v1', 'v1beta1'];

type Json = Record<string, any>;

/** The first version the webhook lists that k2 speaks, or undefined. */
export function negotiateReviewVersion(accepted: string[]): string | undefined {
  return accepted.find((version) => knownReviewVersions.includes(version));
}

/** The object as `served` shows it (a new top-level object; nested values are shared with `object`). */
export function versionedObject(served: ServedVersion, object: KubeObject): KubeObject {
  const versioned = toServedVersion(served, object);
  // The stored form is served as is: it carries its apiVersion and kind only when written through HTTP.
  return { ...versioned, apiVersion: groupVersion(served.group, served.version), kind: served.kind };
}

/**
 * A write through `<resource>/scale`: the store updates the parent object, while webhooks and
 * policies see the autoscaling Scale the client sent, as in Kubernetes.
 */
export function isScaleWrite(attributes: AdmissionAttributes): boolean {
  return !attributes.subresource && attributes.request?.subresource === 'scale' && Boolean(attributes.description.scale);
}

function optionsOf(attributes: AdmissionAttributes): Json {
  const kind = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: undefined }[attributes.operation];
  if (!kind) return {};
  const options: Json = { kind, apiVersion: 'meta.k8s.io/v1' };
  if (attributes.dryRun) options.dryRun = ['All'];
  if (attributes.request?.fieldManager && kind !== 'DeleteOptions') options.fieldManager = attributes.request.fieldManager;
  return options;
}

export interface AdmissionReviewRequest {
  uid: string;
  version: string;
  body: Json;
}

/** The review of this request for a webhook that sees the object in `served`. */
export function admissionReview(attributes: AdmissionAttributes, served: ServedVersion, reviewVersion: string): AdmissionReviewRequest {
  const own = requestVersion(attributes);
  const uid = randomUUID();
  const scale = isScaleWrite(attributes);
  const view = (object: KubeObject | undefined) => (!object ? null : scale ? getScale(served, object) : versionedObject(served, object));
  const object = view(attributes.object);
  const kind = object?.apiVersion && object.kind ? object.apiVersion : undefined;
  const [kindGroup, kindVersion] = scale && kind ? (kind.includes('/') ? kind.split('/') : ['', kind]) : [served.group, served.version];
  const request: Json = {
    uid,
    kind: { group: kindGroup, version: kindVersion, kind: scale ? 'Scale' : served.kind },
    resource: { group: served.group, version: served.version, resource: served.plural },
    requestKind: { group: own.group, version: own.version, kind: own.kind },
    requestResource: { group: own.group, version: own.version, resource: own.plural },
  };
  const subresource = attributes.subresource ?? (scale ? 'scale' : undefined);
  if (subresource) {
    request.subResource = subresource;
    request.requestSubResource = subresource;
  }
  const name = attributes.name ?? attributes.object?.metadata?.name ?? attributes.oldObject?.metadata?.name;
  if (name) request.name = name;
  if (attributes.namespace) request.namespace = attributes.namespace;
  request.operation = attributes.operation;
  const user = attributes.user;
  request.userInfo = { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) };
  if (scale) request.requestKind = request.kind;
  request.object = object;
  request.oldObject = view(attributes.oldObject);
  request.dryRun = attributes.dryRun;
  request.options = optionsOf(attributes);
  return { uid, version: reviewVersion, body: { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${reviewVersion}`, request } };
}

export interface AdmissionResponse {
  allowed: boolean;
  status?: Json;
  /** A decoded JSONPatch. */
  patch?: unknown[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/**
 * Checks a webhook's answer as kube-apiserver does; throws the reason (an Error whose message follows
 * `received invalid webhook response: `) when it is malformed.
 */
export function readAdmissionResponse(review: AdmissionReviewRequest, answer: unknown, mutating: boolean): AdmissionResponse {
  const body = answer as Json;
  const expected = `admission.k8s.io/${review.version}`;
  if (typeof body !== 'object' || body === null) throw new Error('expected an AdmissionReview object');
  if (review.version === 'v1' && (body.apiVersion !== expected || body.kind !== 'AdmissionReview')) {
    throw new Error(`expected webhook response of ${expected}, Kind=AdmissionReview, got ${body.apiVersion ?? ''}, Kind=${body.kind ?? ''}`);
  }
  const response = body.response as Json | undefined;
  if (!response || typeof response !== 'object') throw new Error('webhook response was absent');
  // v1beta1 webhooks often left the uid out; v1 requires it to match.
  if (review.version === 'v1' && response.uid !== review.uid) throw new Error(`expected response.uid="${review.uid}", got "${response.uid ?? ''}"`);
  const result: AdmissionResponse = {
    allowed: response.allowed === true,
    warnings: Array.isArray(response.warnings) ? response.warnings.filter((w: unknown): w is string => typeof w === 'string') : [],
    auditAnnotations: {},
  };
  if (response.status && typeof response.status === 'object') result.status = response.status;
  for (const [key, value] of Object.entries((response.auditAnnotations ?? {}) as Json)) {
    if (typeof value === 'string') result.auditAnnotations[key] = value;
  }
  if (response.patch !== undefined && response.patch !== null && response.patch !== '') {
    if (!mutating) throw new Error('validating webhook may not return response.patch');
    const patchType = response.patchType ?? (review.version === 'v1beta1' ? 'JSONPatch' : undefined);
    if (patchType === undefined) throw new Error('webhook returned response.patch but not response.patchType');
    if (patchType !== 'JSONPatch') throw new Error(`webhook returned invalid response.patchType of "${patchType}"`);
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8'));
    } catch (error) {
      throw new Error(`response.patch is not a base64-encoded JSON patch: ${(error as Error).message}`);
    }
    if (!Array.isArray(decoded)) throw new Error('response.patch is not a JSON patch (an array of operations)');
    result.patch = decoded;
  }
  return result;
}
