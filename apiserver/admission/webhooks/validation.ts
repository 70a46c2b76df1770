// Validation of Mutating/ValidatingWebhookConfigurations with kube-apiserver's field errors. k2 is
// versionless: one stored form for v1 and v1beta1, so sideEffects Unknown and Some (v1beta1's) are
// accepted whatever version wrote them, where kube-apiserver refuses them through v1. matchConditions
// must parse (k2 does not type-check them against the schemas as kube-apiserver does).
import { dns1123SubdomainErrors, fieldError, labelValueErrors, qualifiedNameErrors } from '../../registry/field-errors.ts';
import type { KubeObject } from '../../registry/types.ts';
import type { StatusCause } from '../../status.ts';
import { compileExpression } from '../cel-expressions.ts';

type Json = Record<string, any>;

const reviewVersions = ['v1', 'v1beta1'];
const operations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const scopes = ['*', 'Cluster', 'Namespaced'];
const sideEffectClasses = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const selectorOperators = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function notSupported(causes: StatusCause[], field: string, value: unknown, supported: string[]): void {
  if (value !== undefined && value !== null && !supported.includes(value as string)) causes.push(fieldError.notSupported(field, value, supported));
}

/** webhooks[i].name: a DNS subdomain of at least three segments (`name.example.com`). */
function fullyQualifiedNameErrors(field: string, name: unknown): StatusCause[] {
  if (typeof name !== 'string' || !name) return [fieldError.required(field)];
  const problems = dns1123SubdomainErrors(name);
  if (problems.length) return [fieldError.invalid(field, name, problems.join(','))];
  if (name.split('.').length < 3) return [fieldError.invalid(field, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

function labelSelectorErrors(field: string, selector: Json | undefined): StatusCause[] {
  if (!selector) return [];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries((selector.matchLabels ?? {}) as Record<string, unknown>)) {
    for (const problem of qualifiedNameErrors(key)) causes.push(fieldError.invalid(`${field}.matchLabels`, key, problem));
    for (const problem of labelValueErrors(String(value))) causes.push(fieldError.invalid(`${field}.matchLabels`, value, problem));
  }
  ((selector.matchExpressions ?? []) as Json[]).forEach((requirement, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    const values = (requirement.values ?? []) as string[];
    if (requirement.operator === 'In' || requirement.operator === 'NotIn') {
      if (!values.length) causes.push(fieldError.required(`${at}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (requirement.operator === 'Exists' || requirement.operator === 'DoesNotExist') {
      if (values.length) causes.push(fieldError.forbidden(`${at}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      causes.push(fieldError.invalid(`${at}.operator`, requirement.operator, 'not a valid selector operator'));
    }
    for (const problem of qualifiedNameErrors(String(requirement.key ?? ''))) causes.push(fieldError.invalid(`${at}.key`, requirement.key, problem));
    if (!selectorOperators.includes(requirement.operator)) return;
    values.forEach((value, j) => {
      for (const problem of labelValueErrors(value)) causes.push(fieldError.invalid(`${at}.values[${j}]`, value, problem));
    });
  });
  return causes;
}

function wildcardWithOthers(values: string[]): boolean {
  return values.length > 1 && values.includes('*');
}

function resourcesErrors(field: string, resources: string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!resources.length) causes.push(fieldError.required(field));
  const wildcardSubresourceOf = new Set<string>();
  const wildcardResourceFor = new Set<string>();
  let hasResourceWithoutSubresource = false;
  resources.forEach((entry, i) => {
    if (!entry) {
      causes.push(fieldError.required(`${field}[${i}]`));
      return;
    }
    const slash = entry.indexOf('/');
    if (slash < 0) {
      hasResourceWithoutSubresource = entry !== '*';
      return;
    }
    const [resource, subresource] = [entry.slice(0, slash), entry.slice(slash + 1)];
    if (wildcardSubresourceOf.has(resource)) causes.push(fieldError.invalid(`${field}[${i}]`, entry, `if '${resource}/*' is present, must not specify ${entry}`));
    if (wildcardResourceFor.has(subresource)) causes.push(fieldError.invalid(`${field}[${i}]`, entry, `if '*/${subresource}' is present, must not specify ${entry}`));
    if (subresource === '*') wildcardSubresourceOf.add(resource);
    if (resource === '*') wildcardResourceFor.add(subresource);
  });
  if (resources.length > 1 && resources.includes('*/*')) causes.push(fieldError.invalid(field, resources, "if '*/*' is present, must not specify other resources"));
  if (resources.includes('*') && hasResourceWithoutSubresource) {
    causes.push(fieldError.invalid(field, resources, "if '*' is present, must not specify other resources without subresources"));
  }
  return causes;
}

function ruleErrors(field: string, rule: Json): StatusCause[] {
  const causes: StatusCause[] = [];
  const ops = (rule.operations ?? []) as string[];
  if (!ops.length) causes.push(fieldError.required(`${field}.operations`));
  if (wildcardWithOthers(ops)) causes.push(fieldError.invalid(`${field}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((op, i) => notSupported(causes, `${field}.operations[${i}]`, op, operations));
  const groups = (rule.apiGroups ?? []) as string[];
  if (!groups.length) causes.push(fieldError.required(`${field}.apiGroups`));
  if (wildcardWithOthers(groups)) causes.push(fieldError.invalid(`${field}.apiGroups`, groups, "if '*' is present, must not specify other API groups"));
  const versions = (rule.apiVersions ?? []) as string[];
  if (!versions.length) causes.push(fieldError.required(`${field}.apiVersions`));
  if (wildcardWithOthers(versions)) causes.push(fieldError.invalid(`${field}.apiVersions`, versions, "if '*' is present, must not specify other API versions"));
  versions.forEach((version, i) => {
    if (!version) causes.push(fieldError.required(`${field}.apiVersions[${i}]`));
  });
  causes.push(...resourcesErrors(`${field}.resources`, (rule.resources ?? []) as string[]));
  notSupported(causes, `${field}.scope`, rule.scope, scopes);
  return causes;
}

function urlErrors(field: string, text: string): StatusCause[] {
  const form = '; desired format: https://host[/path]';
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    return [fieldError.required(field, `url must be a valid URL: ${(error as Error).message}${form}`)];
  }
  const causes: StatusCause[] = [];
  if (url.protocol !== 'https:') causes.push(fieldError.invalid(field, url.protocol.replace(/:$/, ''), `'https' is the only allowed URL scheme${form}`));
  if (!url.host) causes.push(fieldError.invalid(field, url.host, `host must be specified${form}`));
  if (url.username || url.password) causes.push(fieldError.invalid(field, url.password ? `${url.username}:${url.password}` : url.username, 'user information is not permitted in the URL'));
  if (url.hash) causes.push(fieldError.invalid(field, url.hash.slice(1), 'fragments are not permitted in the URL'));
  if (url.search) causes.push(fieldError.invalid(field, url.search.slice(1), 'query parameters are not permitted in the URL'));
  return causes;
}

function serviceErrors(field: string, service: Json): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!service.name) causes.push(fieldError.required(`${field}.name`, 'service name is required'));
  if (!service.namespace) causes.push(fieldError.required(`${field}.namespace`, 'service namespace is required'));
  const port = service.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) causes.push(fieldError.invalid(`${field}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  const path = service.path as string | undefined;
  if (path === undefined || path === '' || path === '/') return causes;
  if (path === '//') return [...causes, fieldError.invalid(`${field}.path`, path, 'segment[0] may not be empty')];
  if (!path.startsWith('/')) causes.push(fieldError.invalid(`${field}.path`, path, "must start with a '/'"));
  const steps = path.slice(1).replace(/\/$/, '').split('/');
  steps.forEach((step, i) => {
    if (!step) causes.push(fieldError.invalid(`${field}.path`, path, `segment[${i}] may not be empty`));
    else for (const problem of dns1123SubdomainErrors(step)) causes.push(fieldError.invalid(`${field}.path`, path, `segment[${i}]: ${problem}`));
  });
  return causes;
}

const maxMatchConditions = 64;

function matchConditionErrors(field: string, conditions: Json[] | undefined): StatusCause[] {
  if (!conditions?.length) return [];
  const causes: StatusCause[] = [];
  if (conditions.length > maxMatchConditions) causes.push(fieldError.tooMany(field, conditions.length, maxMatchConditions));
  const names = new Set<string>();
  conditions.forEach((condition, i) => {
    const at = `${field}[${i}]`;
    if (!condition.name) causes.push(fieldError.required(`${at}.name`));
    else {
      for (const problem of qualifiedNameErrors(String(condition.name))) causes.push(fieldError.invalid(`${at}.name`, condition.name, problem));
      if (names.has(condition.name)) causes.push(fieldError.duplicate(`${at}.name`, condition.name));
      names.add(condition.name);
    }
    if (!condition.expression) causes.push(fieldError.required(`${at}.expression`));
    else {
      const { error } = compileExpression(String(condition.expression));
      if (error) causes.push(fieldError.invalid(`${at}.expression`, condition.expression, error));
    }
  });
  return causes;
}

function reviewVersionErrors(field: string, versions: string[] | undefined): StatusCause[] {
  if (!versions?.length) return [fieldError.required(field, `must specify one of ${reviewVersions.join(', ')}`)];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  versions.forEach((version, i) => {
    if (seen.has(version)) causes.push(fieldError.invalid(`${field}[${i}]`, version, 'duplicate version'));
    seen.add(version);
  });
  if (!versions.some((v) => reviewVersions.includes(v))) causes.push(fieldError.invalid(field, versions, `must include at least one of ${reviewVersions.join(', ')}`));
  return causes;
}

function webhookErrors(field: string, webhook: Json, mutating: boolean): StatusCause[] {
  const causes = fullyQualifiedNameErrors(`${field}.name`, webhook.name);
  ((webhook.rules ?? []) as Json[]).forEach((rule, i) => causes.push(...ruleErrors(`${field}.rules[${i}]`, rule)));
  notSupported(causes, `${field}.failurePolicy`, webhook.failurePolicy, ['Fail', 'Ignore']);
  notSupported(causes, `${field}.matchPolicy`, webhook.matchPolicy, ['Equivalent', 'Exact']);
  if (webhook.sideEffects === undefined || webhook.sideEffects === null) {
    causes.push(fieldError.required(`${field}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
  } else notSupported(causes, `${field}.sideEffects`, webhook.sideEffects, sideEffectClasses);
  const timeout = webhook.timeoutSeconds;
  if (timeout !== undefined && timeout !== null && (timeout > 30 || timeout < 1)) {
    causes.push(fieldError.invalid(`${field}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'));
  }
  causes.push(...labelSelectorErrors(`${field}.namespaceSelector`, webhook.namespaceSelector));
  causes.push(...labelSelectorErrors(`${field}.objectSelector`, webhook.objectSelector));
  if (mutating) notSupported(causes, `${field}.reinvocationPolicy`, webhook.reinvocationPolicy, ['IfNeeded', 'Never']);
  const config = (webhook.clientConfig ?? {}) as Json;
  if (Boolean(config.url) === Boolean(config.service)) causes.push(fieldError.required(`${field}.clientConfig`, 'exactly one of url or service is required'));
  else if (config.url) causes.push(...urlErrors(`${field}.clientConfig.url`, String(config.url)));
  else causes.push(...serviceErrors(`${field}.clientConfig.service`, config.service));
  causes.push(...matchConditionErrors(`${field}.matchConditions`, webhook.matchConditions));
  causes.push(...reviewVersionErrors(`${field}.admissionReviewVersions`, webhook.admissionReviewVersions));
  return causes;
}

/** Field errors of a webhook configuration (stored form). */
export function validateWebhookConfiguration(configuration: KubeObject, mutating: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  ((configuration.webhooks ?? []) as Json[]).forEach((webhook, i) => {
    causes.push(...webhookErrors(`webhooks[${i}]`, webhook, mutating));
    if (webhook.name) {
      if (names.has(webhook.name)) causes.push(fieldError.duplicate(`webhooks[${i}].name`, webhook.name));
      names.add(webhook.name);
    }
  });
  return causes;
}
