// ValidatingAdmissionPolicy: CEL validations (evaluated with @bufbuild/cel) that bindings apply to
// the requests their policy's matchConstraints and their own matchResources select, with params,
// matchConditions, variables, messageExpression, auditAnnotations and the Deny/Warn/Audit actions,
// as kube-apiserver runs them. Kubernetes' CEL extension libraries are not available (an expression
// that uses one fails to evaluate and follows the failurePolicy), and variables are evaluated eagerly:
// one that fails makes every validation of its policy fail.
import { isCelError, type CelInput } from '@bufbuild/cel';
import type { ApiCore } from '../../core.ts';
import { groupVersion, type ServedVersion } from '../../registry/registry.ts';
import { labelSelectorFromObject, type LabelSelector } from '../../registry/selectors.ts';
import type { KubeObject } from '../../registry/types.ts';
import { errors, qualifiedResource, StatusError } from '../../status.ts';
import { CompiledObjects } from '../compiled-objects.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../types.ts';
import { compileRule, parsedSelectors } from '../webhooks/configurations.ts';
import { compileConditions, compileExpression, evaluateConditions, type CompiledCondition } from '../cel-expressions.ts';
import { exemptFromAdmission, matchCriteria, type MatchCriteria } from '../webhooks/matching.ts';
import { admissionReview } from '../webhooks/review.ts';

type Json = Record<string, any>;
type Compiled = ReturnType<typeof compileExpression>;

interface CompiledValidation {
  expression: string;
  compiled: Compiled;
  message?: string;
  messageExpression?: Compiled;
  reason: string;
}

interface CompiledPolicy {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  match?: MatchCriteria;
  paramKind?: { apiVersion: string; kind: string };
  matchConditions: CompiledCondition[];
  variables: { name: string; compiled: Compiled }[];
  validations: CompiledValidation[];
  auditAnnotations: { key: string; compiled: Compiled }[];
}

interface CompiledBinding {
  name: string;
  policyName: string;
  actions: string[];
  match?: MatchCriteria;
  paramRef?: { name?: string; namespace?: string; selector?: LabelSelector; selectorError?: string; notFound: string };
}

/** Every resource and subresource: a binding without resourceRules narrows nothing by resource. */
const everyResource = [compileRule({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }), compileRule({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] })];

function compileMatch(resources: Json | undefined, forBinding: boolean): MatchCriteria | undefined {
  if (!resources) return undefined;
  const rules = ((resources.resourceRules ?? []) as Json[]).map(compileRule);
  return {
    rules: forBinding && !rules.length ? everyResource : rules,
    excludeRules: ((resources.excludeResourceRules ?? []) as Json[]).map(compileRule),
    matchPolicy: resources.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
    ...parsedSelectors(resources.namespaceSelector, resources.objectSelector),
  };
}

function compilePolicy(policy: KubeObject): CompiledPolicy[] {
  const spec = (policy.spec ?? {}) as Json;
  return [
    {
      name: policy.metadata.name!,
      failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      match: compileMatch(spec.matchConstraints, false),
      paramKind: spec.paramKind,
      matchConditions: compileConditions(spec.matchConditions ?? []),
      variables: ((spec.variables ?? []) as Json[]).map((v) => ({ name: String(v.name), compiled: compileExpression(String(v.expression ?? '')) })),
      validations: ((spec.validations ?? []) as Json[]).map((v) => ({
        expression: String(v.expression ?? ''),
        compiled: compileExpression(String(v.expression ?? '')),
        message: v.message || undefined,
        messageExpression: v.messageExpression ? compileExpression(String(v.messageExpression)) : undefined,
        reason: v.reason || 'Invalid',
      })),
      auditAnnotations: ((spec.auditAnnotations ?? []) as Json[]).map((a) => ({ key: String(a.key), compiled: compileExpression(String(a.valueExpression ?? '')) })),
    },
  ];
}

function compileBinding(binding: KubeObject): CompiledBinding[] {
  const spec = (binding.spec ?? {}) as Json;
  const ref = spec.paramRef as Json | undefined;
  let selector: LabelSelector | undefined;
  let selectorError: string | undefined;
  try {
    selector = ref?.selector ? labelSelectorFromObject(ref.selector) : undefined;
  } catch (error) {
    selectorError = `failed to configure binding: paramRef.selector: ${(error as Error).message}`;
  }
  return [
    {
      name: binding.metadata.name!,
      policyName: String(spec.policyName ?? ''),
      actions: spec.validationActions ?? ['Deny'],
      match: compileMatch(spec.matchResources, true),
      paramRef: ref && { name: ref.name, namespace: ref.namespace, selector, selectorError, notFound: ref.parameterNotFoundAction ?? 'Deny' },
    },
  ];
}

/** An evaluation result: a value, or why there is none. */
type Outcome = { value: unknown } | { error: string };

function evaluate(compiled: Compiled, expression: string, bindings: Json): Outcome {
  if (!compiled.evaluate) return { error: `expression '${expression}' ${compiled.error}` };
  const result = compiled.evaluate(bindings as Record<string, CelInput>);
  if (isCelError(result)) return { error: `expression '${expression}' resulted in error: ${result.message}` };
  return { value: result };
}

interface Decision {
  deny: boolean;
  message: string;
  reason: string;
  /** Evaluation failed (failurePolicy decided the outcome). */
  failed: boolean;
  validationIndex?: number;
}

const reasonCodes: Record<string, number> = { Invalid: 422, Forbidden: 403, RequestEntityTooLarge: 413 };

/** The ValidatingAdmissionPolicy admission plugin of a core. */
export function validatingAdmissionPolicies(core: ApiCore): AdmissionPlugin {
  const group = 'admissionregistration.k8s.io';
  const policies = new CompiledObjects(core, group, 'validatingadmissionpolicies', compilePolicy);
  const bindings = new CompiledObjects(core, group, 'validatingadmissionpolicybindings', compileBinding);

  /** The params a binding supplies: [null] without paramKind, [] when none are found. */
  const paramsOf = (policy: CompiledPolicy, binding: CompiledBinding, attributes: AdmissionAttributes): (KubeObject | null)[] | string => {
    if (!policy.paramKind) return [null];
    const ref = binding.paramRef;
    if (!ref) return `failed to configure binding: no paramRef for a policy with paramKind`;
    if (ref.selectorError) return ref.selectorError;
    const [paramGroup, version] = policy.paramKind.apiVersion.includes('/') ? policy.paramKind.apiVersion.split('/') : ['', policy.paramKind.apiVersion];
    const served = core.registry.lookupKind(paramGroup!, version!, policy.paramKind.kind);
    if (!served) return `failed to configure policy: paramKind ${policy.paramKind.apiVersion}, Kind=${policy.paramKind.kind} is not served`;
    const store = core.store(served.description);
    const namespace = served.description.namespaced ? ref.namespace || attributes.namespace : undefined;
    if (served.description.namespaced && !namespace) return `cannot use namespaced paramRef in policy binding that matches cluster-scoped resources`;
    let found: KubeObject[];
    if (ref.name) {
      const entry = core.cache.get(store.key(namespace, ref.name));
      found = entry ? [entry.object] : [];
    } else {
      found = [...core.cache.list(store.prefix(namespace))].map((entry) => entry.object).filter((object) => !ref.selector || ref.selector.matches(object.metadata.labels));
    }
    return found.map((object) => ({ ...object, apiVersion: groupVersion(served.group, served.version), kind: served.kind }));
  };

  const evaluatePolicy = (policy: CompiledPolicy, served: ServedVersion, params: KubeObject | null, attributes: AdmissionAttributes): Decision[] | undefined => {
    const { request } = admissionReview(attributes, served, 'v1').body;
    const namespaceObject = attributes.namespace ? (core.cache.get(core.storeFor('', 'namespaces').key(undefined, attributes.namespace))?.object ?? null) : null;
    const bindingsBase: Json = { object: request.object, oldObject: request.oldObject, request, params, namespaceObject };
    const failure = (message: string): Decision[] => [{ deny: policy.failurePolicy === 'Fail', message, reason: 'Invalid', failed: true }];
    if (policy.matchConditions.length) {
      const conditions = evaluateConditions(policy.matchConditions, bindingsBase);
      if (conditions.error !== undefined) return failure(conditions.error);
      if (!conditions.matches) return undefined;
    }
    const variables: Json = {};
    const scope = { ...bindingsBase, variables };
    for (const variable of policy.variables) {
      const outcome = evaluate(variable.compiled, `variables.${variable.name}`, scope);
      if ('error' in outcome) return failure(outcome.error);
      variables[variable.name] = outcome.value;
    }
    const decisions: Decision[] = [];
    policy.validations.forEach((validation, index) => {
      const outcome = evaluate(validation.compiled, validation.expression, scope);
      if ('error' in outcome) {
        decisions.push({ ...failure(outcome.error)[0]!, validationIndex: index });
        return;
      }
      if (outcome.value === true) return;
      if (outcome.value !== false) {
        decisions.push({ ...failure(`expression '${validation.expression}' must evaluate to bool`)[0]!, validationIndex: index });
        return;
      }
      let message = validation.message ?? `failed expression: ${validation.expression.trim()}`;
      if (validation.messageExpression) {
        const custom = evaluate(validation.messageExpression, 'messageExpression', scope);
        if ('value' in custom && typeof custom.value === 'string' && custom.value.trim()) message = custom.value;
      }
      decisions.push({ deny: true, message, reason: validation.reason, failed: false, validationIndex: index });
    });
    for (const annotation of policy.auditAnnotations) {
      const outcome = evaluate(annotation.compiled, annotation.key, scope);
      if ('value' in outcome && typeof outcome.value === 'string') attributes.request?.annotate?.(`${policy.name}/${annotation.key}`, outcome.value);
    }
    return decisions;
  };

  return {
    name: 'ValidatingAdmissionPolicy',
    validate(attributes) {
      if (exemptFromAdmission(attributes)) return;
      const active = bindings.current();
      if (!active.length) return;
      const byName = new Map(policies.current().map((policy) => [policy.name, policy]));
      const failures: Json[] = [];
      let denied: { policy: CompiledPolicy; binding: CompiledBinding; decision: Decision } | undefined;
      for (const binding of active) {
        const policy = byName.get(binding.policyName);
        if (!policy?.match) continue;
        const served = matchCriteria(core, policy.match, attributes);
        if (!served) continue;
        if (binding.match && !matchCriteria(core, binding.match, attributes)) continue;
        const params = paramsOf(policy, binding, attributes);
        let decisions: Decision[] = [];
        if (typeof params === 'string') decisions = [{ deny: policy.failurePolicy === 'Fail', message: params, reason: 'Invalid', failed: true }];
        else if (!params.length && binding.paramRef?.notFound !== 'Allow') {
          decisions = [{ deny: true, message: 'no params found for policy binding with `Deny` parameterNotFoundAction', reason: 'Invalid', failed: false }];
        } else for (const param of params) decisions.push(...(evaluatePolicy(policy, served, param, attributes) ?? []));
        for (const decision of decisions) {
          if (!decision.deny) {
            if (decision.failed) core.log.warn({ policy: policy.name, binding: binding.name, err: decision.message }, 'admission policy failed to evaluate, failing open');
            continue;
          }
          for (const action of binding.actions) {
            if (action === 'Deny') denied ??= { policy, binding, decision };
            else if (action === 'Warn') attributes.request?.warn?.(`Validation failed for ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.name}': ${decision.message}`);
            else if (action === 'Audit') {
              failures.push({ message: decision.message, policy: policy.name, binding: binding.name, expressionIndex: decision.validationIndex ?? 0, validationActions: binding.actions });
            }
          }
        }
      }
      if (failures.length) attributes.request?.annotate?.('validation.policy.admission.k8s.io/validation_failure', JSON.stringify(failures));
      if (denied) throw denial(attributes, denied.policy, denied.binding, denied.decision);
    },
  };
}

/** `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy '…' with binding '…' denied request: …`, code by reason. */
function denial(attributes: AdmissionAttributes, policy: CompiledPolicy, binding: CompiledBinding, decision: Decision): StatusError {
  const { plural, group } = attributes.description;
  const name = attributes.name ?? attributes.object?.metadata?.name;
  const message = `ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.name}' denied request: ${decision.message}`;
  const resource = qualifiedResource(plural, group);
  const full = name ? `${resource} "${name}" is forbidden: ${message}` : `${resource} is forbidden: ${message}`;
  const forbidden = errors.forbidden(full, { name, group, kind: plural, causes: [{ message }] });
  return new StatusError(reasonCodes[decision.reason] ?? 403, decision.reason, forbidden.message, forbidden.details);
}
