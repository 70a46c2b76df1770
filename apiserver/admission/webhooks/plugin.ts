// MutatingAdmissionWebhook and ValidatingAdmissionWebhook: every write (create, update, delete,
// subresources) that a configured webhook's rules and selectors match is sent to it as an
// AdmissionReview. Mutating webhooks run one after another and may patch the object (JSONPatch),
// and those with reinvocationPolicy IfNeeded run once more when a later one changed it; validating
// webhooks run in parallel. Failures to reach a webhook follow its failurePolicy.
import type { JsonObject, JsonValue } from '../../apply/go-format.ts';
import type { ApiCore } from '../../core.ts';
import { applyJsonPatch } from '../../patch/json-patch.ts';
import { fromServedVersion } from '../../registry/conversion.ts';
import { deepEqual } from '../../registry/object-meta.ts';
import type { KubeObject } from '../../registry/types.ts';
import { errors, qualifiedResource, StatusError, type StatusDetails } from '../../status.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.ts';
import { WebhookClient, WebhookCallError, webhookTarget } from './client.ts';
import type { CompiledObjects } from '../compiled-objects.ts';
import { webhookSource, type Webhook } from './configurations.ts';
import { evaluateConditions } from '../cel-expressions.ts';
import { exemptFromAdmission, matchWebhook, type WebhookInvocation } from './matching.ts';
import { admissionReview, isScaleWrite, negotiateReviewVersion, readAdmissionResponse, versionedObject, type AdmissionResponse } from './review.ts';

type Json = Record<string, any>;

/** kube-apiserver's NewInternalError: 500, the cause repeated in details. */
function internalError(error: Error): StatusError {
  const failure = errors.internal(error.message);
  return new StatusError(failure.code, failure.reason, failure.message, { causes: [{ message: error.message }] });
}

/** A webhook's refusal as the client sees it (webhookutil.ToStatusErr). */
function denial(webhook: Webhook, status: Json | undefined): StatusError {
  const deniedBy = `admission webhook "${webhook.name}" denied the request`;
  const code = typeof status?.code === 'number' && status.code >= 400 ? status.code : 400;
  const message = status?.message ? `${deniedBy}: ${status.message}` : status?.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  return new StatusError(code, typeof status?.reason === 'string' ? status.reason : '', message, status?.details as StatusDetails | undefined);
}

/** Match conditions that failed to evaluate under failurePolicy Fail: 403, as kube-apiserver answers. */
function conditionsError(webhook: Webhook, attributes: AdmissionAttributes, error: string): StatusError {
  const { plural, group } = attributes.description;
  const name = attributes.name ?? attributes.object?.metadata?.name;
  const resource = qualifiedResource(plural, group);
  const cause = `failed calling webhook "${webhook.name}": ${error}`;
  return errors.forbidden(name ? `${resource} "${name}" is forbidden: ${cause}` : `${resource} is forbidden: ${cause}`, { name, group, kind: plural });
}

/** Replaces the contents of `target` by `source`, keeping the identity of `target` and of its metadata (callers hold both). */
function replaceContents(target: KubeObject, source: KubeObject): void {
  const meta = target.metadata;
  for (const key of Object.keys(target)) if (key !== 'metadata') delete target[key];
  for (const key of Object.keys(meta)) delete meta[key];
  const { metadata, ...rest } = source;
  Object.assign(target, rest);
  Object.assign(meta, metadata ?? {});
  target.metadata = meta;
}

/** What a request's webhooks share: the configurations, the HTTP client and the log. */
class WebhookDispatcher {
  readonly client = new WebhookClient();

  constructor(
    readonly core: ApiCore,
    readonly source: CompiledObjects<Webhook>,
  ) {}

  /** Calls one webhook; returns its answer, or undefined when its matchConditions exclude the request or it failed open (failurePolicy Ignore). */
  async call(invocation: WebhookInvocation, attributes: AdmissionAttributes, annotationKey: string): Promise<AdmissionResponse | undefined> {
    const { webhook } = invocation;
    const mutating = webhook.type === 'mutating';
    const reviewVersion = negotiateReviewVersion(webhook.admissionReviewVersions);
    const review = admissionReview(attributes, invocation.served, reviewVersion ?? 'v1');
    if (webhook.matchConditions.length) {
      const { request } = review.body;
      const conditions = evaluateConditions(webhook.matchConditions, { object: request.object, oldObject: request.oldObject, request });
      if (conditions.error !== undefined) {
        if (webhook.failurePolicy === 'Fail') throw conditionsError(webhook, attributes, conditions.error);
        this.core.log.warn({ webhook: webhook.name, err: conditions.error }, 'failed evaluating match conditions, failing open');
        return undefined;
      }
      if (!conditions.matches) return undefined;
    }
    if (attributes.dryRun && webhook.sideEffects !== 'None' && webhook.sideEffects !== 'NoneOnDryRun') {
      throw errors.badRequest(`admission webhook "${webhook.name}" does not support dry run`);
    }
    try {
      if (!reviewVersion) {
        throw new WebhookCallError(webhook.name, `webhook does not accept known AdmissionReview versions (accepts ${webhook.admissionReviewVersions.join(', ')}, k2 sends v1, v1beta1)`);
      }
      const timeoutSeconds = Math.min(30, Math.max(1, webhook.timeoutSeconds));
      let target;
      try {
        target = webhookTarget(this.core, webhook.clientConfig, timeoutSeconds);
      } catch (error) {
        throw new WebhookCallError(webhook.name, `failed to call webhook: ${(error as Error).message}`);
      }
      const answer = await this.client.post(webhook.name, target, webhook.clientConfig.caBundle, JSON.stringify(review.body), timeoutSeconds);
      try {
        return readAdmissionResponse(review, answer, mutating);
      } catch (error) {
        throw new WebhookCallError(webhook.name, `received invalid webhook response: ${(error as Error).message}`);
      }
    } catch (error) {
      if (!(error instanceof WebhookCallError)) throw error;
      if (webhook.failurePolicy === 'Fail') {
        this.core.log.warn({ webhook: webhook.name, err: error.message }, 'failed calling webhook, failing closed');
        throw internalError(error);
      }
      this.core.log.warn({ webhook: webhook.name, err: error.message }, 'failed calling webhook, failing open');
      attributes.request?.annotate?.(`failed-open.${mutating ? 'mutation' : 'validating'}.webhook.admission.k8s.io/${annotationKey}`, webhook.name);
      return undefined;
    }
  }

  /** Passes the answer's warnings and audit annotations on; throws its refusal. */
  accept(webhook: Webhook, response: AdmissionResponse, attributes: AdmissionAttributes): void {
    for (const warning of response.warnings) attributes.request?.warn?.(warning);
    for (const [key, value] of Object.entries(response.auditAnnotations)) attributes.request?.annotate?.(`${webhook.name}/${key}`, value);
    if (!response.allowed) throw denial(webhook, response.status);
  }

  matching(attributes: AdmissionAttributes): { invocation: WebhookInvocation; index: number }[] {
    if (exemptFromAdmission(attributes)) return [];
    const webhooks = this.source.current();
    const matched: { invocation: WebhookInvocation; index: number }[] = [];
    webhooks.forEach((webhook, index) => {
      const invocation = matchWebhook(this.core, webhook, attributes);
      if (invocation) matched.push({ invocation, index });
    });
    return matched;
  }
}

/** Applies a webhook's JSONPatch to the object as its version shows it; returns whether it changed. */
function applyWebhookPatch(invocation: WebhookInvocation, attributes: AdmissionAttributes, patch: unknown[]): boolean {
  const { webhook, served } = invocation;
  if (!patch.length) return false;
  const object = attributes.object;
  if (!object) throw errors.internal(`admission webhook "${webhook.name}" attempted to modify the object, which is not supported for this operation`);
  if (isScaleWrite(attributes)) throw errors.internal(`admission webhook "${webhook.name}" attempted to modify a Scale, which k2 does not support`);
  let patched: KubeObject;
  try {
    // The semantics and errors of the JSON patch library kube-apiserver applies webhook patches with.
    patched = applyJsonPatch(versionedObject(served, object) as JsonObject, patch as JsonValue) as KubeObject;
  } catch (error) {
    throw internalError(error as Error);
  }
  if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) {
    throw errors.internal(`admission webhook "${webhook.name}" patched the object into something that is not an object`);
  }
  patched.metadata ??= {};
  const stored = fromServedVersion(served, patched);
  attributes.description.defaults?.(stored);
  if (deepEqual(stored, object)) return false;
  replaceContents(object, stored);
  return true;
}

export interface WebhookAdmission {
  mutating: AdmissionPlugin;
  validating: AdmissionPlugin;
}

type MatchedWebhooks = { invocation: WebhookInvocation; index: number }[];

/** The two webhook admission plugins of a core: add `mutating` and `validating` to its admission chain. */
export function webhookAdmission(core: ApiCore): WebhookAdmission {
  const mutatingDispatcher = new WebhookDispatcher(core, webhookSource(core, 'mutating'));
  const validatingDispatcher = new WebhookDispatcher(core, webhookSource(core, 'validating'));

  async function callMutating(matched: MatchedWebhooks, attributes: AdmissionAttributes): Promise<void> {
    // Reinvocation (IfNeeded): a webhook invoked before another one changed the object runs once more.
    const invokedBefore = new Set<string>();
    const reinvoke = new Set<string>();
    const run = async (round: number, candidates: MatchedWebhooks) => {
      for (const { invocation, index } of candidates) {
        const { webhook } = invocation;
        if (round > 0 && !reinvoke.has(webhook.uid)) continue;
        const key = `round_${round}_index_${index}`;
        const response = await mutatingDispatcher.call(invocation, attributes, key);
        if (!response) continue;
        mutatingDispatcher.accept(webhook, response, attributes);
        const changed = response.patch ? applyWebhookPatch(invocation, attributes, response.patch) : false;
        attributes.request?.annotate?.(
          `mutation.webhook.admission.k8s.io/${key}`,
          JSON.stringify({ configuration: webhook.configuration, webhook: webhook.name, mutated: changed }),
        );
        if (changed && round === 0) for (const uid of invokedBefore) reinvoke.add(uid);
        if (webhook.reinvocationPolicy === 'IfNeeded') invokedBefore.add(webhook.uid);
      }
    };
    await run(0, matched);
    // Matching is decided again on the mutated object; a webhook not called in round 0 is not called now.
    if (reinvoke.size) await run(1, mutatingDispatcher.matching(attributes));
  }

  async function callValidating(matched: MatchedWebhooks, attributes: AdmissionAttributes): Promise<void> {
    const outcomes = await Promise.allSettled(
      matched.map(async ({ invocation, index }) => {
        const response = await validatingDispatcher.call(invocation, attributes, `round_0_index_${index}`);
        if (response) validatingDispatcher.accept(invocation.webhook, response, attributes);
      }),
    );
    // The first refusal in webhook order (kube-apiserver reports one of them too).
    const refused = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (refused) throw refused.reason;
  }

  // Most writes match no webhook: they are answered synchronously, without a promise.
  const mutating: AdmissionPlugin = {
    name: 'MutatingAdmissionWebhook',
    mutate(attributes) {
      const matched = mutatingDispatcher.matching(attributes);
      if (matched.length) return callMutating(matched, attributes);
    },
  };
  const validating: AdmissionPlugin = {
    name: 'ValidatingAdmissionWebhook',
    validate(attributes) {
      const matched = validatingDispatcher.matching(attributes);
      if (matched.length) return callValidating(matched, attributes);
    },
  };

  return { mutating, validating };
}
