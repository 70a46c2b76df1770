// Which webhooks a request goes to, as kube-apiserver decides it: rules (operations, groups,
// versions, resources and subresources, scope), matchPolicy Equivalent (the request as another
// apiVersion of the same kind a rule names), then the namespace and object selectors.
import type { ApiCore } from '../../core.ts';
import { servedVersionOf, type ServedVersion } from '../../registry/registry.ts';
import type { KubeObject } from '../../registry/types.ts';
import { errors } from '../../status.ts';
import type { LabelSelector } from '../../registry/selectors.ts';
import type { AdmissionAttributes } from '../types.ts';
import type { Webhook, WebhookRule } from './configurations.ts';

/** What decides whether a webhook or an admission policy (binding) applies to a request. */
export interface MatchCriteria {
  rules: (WebhookRule & { resourceNames?: string[] })[];
  /** Admission policies: requests these rules match are left out. */
  excludeRules?: (WebhookRule & { resourceNames?: string[] })[];
  matchPolicy: 'Exact' | 'Equivalent';
  /** undefined: selects everything ({}). */
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  /** A selector that could not be parsed (an internal error when the rules match). */
  selectorError?: string;
}

/** The resource a matched webhook is called for: the request's own version or an equivalent one. */
export interface WebhookInvocation {
  webhook: Webhook;
  /** The version the webhook sees the object in (its `kind` and `resource`). */
  served: ServedVersion;
}

/** The parts of a request rules look at. */
interface RuleTarget {
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  name: string;
  /** Namespaced requests (Namespace objects count as cluster-scoped). */
  namespaced: boolean;
  isNamespace: boolean;
}

/** Writes to the admission configuration kinds never go to webhooks or policies (a broken one could never be removed). */
const exemptResources = new Set([
  'validatingwebhookconfigurations',
  'mutatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
]);

export function exemptFromAdmission(attributes: AdmissionAttributes): boolean {
  return attributes.description.group === 'admissionregistration.k8s.io' && exemptResources.has(attributes.description.plural);
}

function listMatches(values: string[], value: string): boolean {
  return values.some((v) => v === '*' || v === value);
}

/** `pods` matches only the main resource, `pods/status` one subresource, `*` every main resource, `*\/*` everything. */
function resourceMatches(resources: string[], resource: string, subresource: string): boolean {
  return resources.some((entry) => {
    const slash = entry.indexOf('/');
    const [res, sub] = slash < 0 ? [entry, ''] : [entry.slice(0, slash), entry.slice(slash + 1)];
    return (res === '*' || res === resource) && (sub === '*' || sub === subresource);
  });
}

function scopeMatches(scope: string, target: RuleTarget): boolean {
  if (scope === 'Namespaced') return target.namespaced && !target.isNamespace;
  if (scope === 'Cluster') return !target.namespaced || target.isNamespace;
  return true;
}

export function ruleMatches(rule: WebhookRule & { resourceNames?: string[] }, target: RuleTarget): boolean {
  return (
    (!rule.resourceNames?.length || rule.resourceNames.includes(target.name)) &&
    listMatches(rule.operations, target.operation) &&
    listMatches(rule.apiGroups, target.group) &&
    listMatches(rule.apiVersions, target.version) &&
    resourceMatches(rule.resources, target.resource, target.subresource) &&
    scopeMatches(rule.scope, target)
  );
}

function isNamespaceResource(attributes: AdmissionAttributes): boolean {
  return attributes.description.group === '' && attributes.description.plural === 'namespaces';
}

function targetFor(attributes: AdmissionAttributes, served: ServedVersion): RuleTarget {
  return {
    operation: attributes.operation,
    group: served.group,
    version: served.version,
    resource: served.plural,
    subresource: attributes.subresource ?? attributes.request?.subresource ?? '',
    name: attributes.name ?? attributes.object?.metadata?.name ?? attributes.oldObject?.metadata?.name ?? '',
    namespaced: attributes.description.namespaced,
    isNamespace: isNamespaceResource(attributes),
  };
}

/** The versions a request is equivalent to, preferred (stored) first; the request's own is checked before. */
function equivalentVersions(attributes: AdmissionAttributes): ServedVersion[] {
  const { description } = attributes;
  return description.versions.flatMap((version, index) => (version.served === false ? [] : [servedVersionOf(description, index)]));
}

/** The request's own version: the one the client wrote through, else the stored form. */
export function requestVersion(attributes: AdmissionAttributes): ServedVersion {
  return attributes.request?.served ?? servedVersionOf(attributes.description, 0);
}

/** The version `rules` accept the request in, or undefined when no rule matches. */
function matchRules(rules: MatchCriteria['rules'], matchPolicy: MatchCriteria['matchPolicy'], attributes: AdmissionAttributes): ServedVersion | undefined {
  const own = requestVersion(attributes);
  const ownTarget = targetFor(attributes, own);
  if (rules.some((rule) => ruleMatches(rule, ownTarget))) return own;
  if (matchPolicy !== 'Equivalent') return undefined;
  // Earlier rules first, then the equivalent versions in preference order.
  for (const rule of rules) {
    for (const served of equivalentVersions(attributes)) {
      if (served.group === own.group && served.version === own.version) continue;
      if (ruleMatches(rule, targetFor(attributes, served))) return served;
    }
  }
  return undefined;
}

function labelsMatch(selector: LabelSelector, object: KubeObject | undefined): boolean {
  return Boolean(object) && selector.matches(object!.metadata?.labels);
}

/** objectSelector: the new or the old object's labels match. */
function objectSelectorMatches(criteria: MatchCriteria, attributes: AdmissionAttributes): boolean {
  if (!criteria.objectSelector) return true;
  return labelsMatch(criteria.objectSelector, attributes.object) || labelsMatch(criteria.objectSelector, attributes.oldObject);
}

/**
 * namespaceSelector: on the labels of the request's namespace (from the watch cache); a Namespace
 * being created or updated is judged by its own new labels; other cluster-scoped objects always match.
 */
function namespaceSelectorMatches(core: ApiCore, criteria: MatchCriteria, attributes: AdmissionAttributes): boolean {
  const selector = criteria.namespaceSelector;
  if (!selector) return true;
  const isNamespace = isNamespaceResource(attributes);
  if (!attributes.description.namespaced && !isNamespace) return true;
  if (isNamespace && !attributes.subresource && (attributes.operation === 'CREATE' || attributes.operation === 'UPDATE')) {
    return selector.matches(attributes.object?.metadata?.labels);
  }
  const name = isNamespace ? attributes.name : attributes.namespace;
  if (!name) return true;
  const namespace = core.cache.get(core.storeFor('', 'namespaces').key(undefined, name))?.object;
  // Kubernetes fails such a request when the namespace cannot be read; NamespaceLifecycle refuses it anyway.
  if (!namespace) throw errors.notFound('namespaces', '', name);
  return selector.matches(namespace.metadata.labels);
}

/** The version the criteria accept the request in (what their evaluator sees), or undefined when they do not apply. */
export function matchCriteria(core: ApiCore, criteria: MatchCriteria, attributes: AdmissionAttributes): ServedVersion | undefined {
  const served = matchRules(criteria.rules, criteria.matchPolicy, attributes);
  if (!served) return undefined;
  if (criteria.excludeRules?.length && matchRules(criteria.excludeRules, criteria.matchPolicy, attributes)) return undefined;
  if (criteria.selectorError) throw errors.internal(criteria.selectorError);
  if (!namespaceSelectorMatches(core, criteria, attributes)) return undefined;
  if (!objectSelectorMatches(criteria, attributes)) return undefined;
  return served;
}

/** The invocation of `webhook` for this request, or undefined when it does not apply. */
export function matchWebhook(core: ApiCore, webhook: Webhook, attributes: AdmissionAttributes): WebhookInvocation | undefined {
  const served = matchCriteria(core, webhook, attributes);
  return served && { webhook, served };
}
