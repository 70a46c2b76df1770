// The webhooks of every Mutating/ValidatingWebhookConfiguration, as admission evaluates them.
import type { ApiCore } from '../../core.ts';
import { CompiledObjects } from '../compiled-objects.ts';
import { labelSelectorFromObject, type LabelSelector, type LabelSelectorObject } from '../../registry/selectors.ts';
import type { KubeObject } from '../../registry/types.ts';
import { compileConditions, type CompiledCondition } from '../cel-expressions.ts';
import type { MatchCriteria } from './matching.ts';

export type WebhookType = 'mutating' | 'validating';

export interface WebhookRule {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  scope: string;
}

export interface ServiceReference {
  namespace: string;
  name: string;
  path?: string;
  port: number;
}

export interface ClientConfig {
  url?: string;
  service?: ServiceReference;
  /** PEM text of the CAs that sign the webhook's serving certificate; absent: the system's roots. */
  caBundle?: string;
}

/** One webhook of a configuration, with its selectors parsed. */
export interface Webhook extends MatchCriteria {
  /** Unique across configurations: `<configuration>/<index>` (reinvocation tracks webhooks by it). */
  uid: string;
  configuration: string;
  name: string;
  type: WebhookType;
  clientConfig: ClientConfig;
  failurePolicy: 'Fail' | 'Ignore';
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
  matchConditions: CompiledCondition[];
}

type Json = Record<string, any>;

function selector(value: LabelSelectorObject | undefined): LabelSelector | undefined {
  const parsed = labelSelectorFromObject(value ?? {});
  return parsed && !parsed.empty ? parsed : undefined;
}

/** The parsed namespace and object selectors of a webhook or policy (or why they cannot be parsed). */
export function parsedSelectors(namespaceSelector: LabelSelectorObject | undefined, objectSelector: LabelSelectorObject | undefined): Pick<MatchCriteria, 'namespaceSelector' | 'objectSelector' | 'selectorError'> {
  try {
    return { namespaceSelector: selector(namespaceSelector), objectSelector: selector(objectSelector) };
  } catch (error) {
    return { selectorError: (error as Error).message };
  }
}

/** A rule as written, with the defaults kube-apiserver stores. */
export function compileRule(rule: Json): WebhookRule & { resourceNames?: string[] } {
  return {
    operations: rule.operations ?? [],
    apiGroups: rule.apiGroups ?? [],
    apiVersions: rule.apiVersions ?? [],
    resources: rule.resources ?? [],
    scope: rule.scope ?? '*',
    ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}),
  };
}

function compile(configuration: KubeObject, type: WebhookType): Webhook[] {
  const name = configuration.metadata.name!;
  return ((configuration.webhooks ?? []) as Json[]).map((hook, index) => {
    const caBundle = hook.clientConfig?.caBundle ? Buffer.from(String(hook.clientConfig.caBundle), 'base64').toString('utf8') : undefined;
    const webhook: Webhook = {
      uid: `${name}/${index}`,
      configuration: name,
      name: String(hook.name ?? ''),
      type,
      clientConfig: { url: hook.clientConfig?.url, service: hook.clientConfig?.service, caBundle },
      rules: ((hook.rules ?? []) as Json[]).map(compileRule),
      failurePolicy: hook.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      matchPolicy: hook.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
      sideEffects: hook.sideEffects ?? 'Unknown',
      timeoutSeconds: hook.timeoutSeconds ?? 10,
      admissionReviewVersions: hook.admissionReviewVersions ?? ['v1beta1'],
      reinvocationPolicy: hook.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
      matchConditions: compileConditions(hook.matchConditions ?? []),
      ...parsedSelectors(hook.namespaceSelector, hook.objectSelector),
    };
    return webhook;
  });
}

/** The webhooks of one configuration kind, in Kubernetes' order (configurations by name, then as listed). */
export function webhookSource(core: ApiCore, type: WebhookType): CompiledObjects<Webhook> {
  const plural = type === 'mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
  return new CompiledObjects(core, 'admissionregistration.k8s.io', plural, (configuration) => compile(configuration, type));
}
