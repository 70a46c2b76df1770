// The webhooks of every Mutating/ValidatingWebhookConfiguration, read from the watch cache (never
// the datastore) and recompiled only after a configuration changed, so a change applies as soon as
// the cache has it and a request costs no lookup when none changed.
import type { ApiCore } from '../../core.ts';
import { labelSelectorFromObject, type LabelSelector, type LabelSelectorObject } from '../../registry/selectors.ts';
import type { KubeObject } from '../../registry/types.ts';
import { compileConditions, type CompiledCondition } from './match-conditions.ts';

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
export interface Webhook {
  /** Unique across configurations: `<configuration>/<index>` (reinvocation tracks webhooks by it). */
  uid: string;
  configuration: string;
  name: string;
  type: WebhookType;
  clientConfig: ClientConfig;
  rules: WebhookRule[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Exact' | 'Equivalent';
  /** undefined: selects everything ({}). */
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
  matchConditions: CompiledCondition[];
  /** A selector that could not be parsed (the webhook then fails per its failurePolicy). */
  selectorError?: string;
}

type Json = Record<string, any>;

function selector(value: LabelSelectorObject | undefined): LabelSelector | undefined {
  const parsed = labelSelectorFromObject(value ?? {});
  return parsed && !parsed.empty ? parsed : undefined;
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
      rules: ((hook.rules ?? []) as Json[]).map((rule) => ({
        operations: rule.operations ?? [],
        apiGroups: rule.apiGroups ?? [],
        apiVersions: rule.apiVersions ?? [],
        resources: rule.resources ?? [],
        scope: rule.scope ?? '*',
      })),
      failurePolicy: hook.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      matchPolicy: hook.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
      sideEffects: hook.sideEffects ?? 'Unknown',
      timeoutSeconds: hook.timeoutSeconds ?? 10,
      admissionReviewVersions: hook.admissionReviewVersions ?? ['v1beta1'],
      reinvocationPolicy: hook.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
      matchConditions: compileConditions(hook.matchConditions ?? []),
    };
    try {
      webhook.namespaceSelector = selector(hook.namespaceSelector);
      webhook.objectSelector = selector(hook.objectSelector);
    } catch (error) {
      webhook.selectorError = (error as Error).message;
    }
    return webhook;
  });
}

/** The webhooks of one configuration kind, in Kubernetes' order (configurations by name, then as listed). */
export class WebhookSource {
  private webhooks: Webhook[] = [];
  private stale = true;
  private unsubscribe?: () => void;

  constructor(
    private readonly core: ApiCore,
    private readonly type: WebhookType,
  ) {}

  private get prefix(): string {
    const plural = this.type === 'mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
    return this.core.storeFor('admissionregistration.k8s.io', plural).prefix();
  }

  current(): Webhook[] {
    if (!this.unsubscribe) {
      // Subscribed on first use: the cache is loaded by then (plugins are created before it starts).
      this.unsubscribe = this.core.cache.subscribe(this.prefix, this.core.cache.revision, () => (this.stale = true));
    }
    if (this.stale) {
      this.stale = false;
      this.webhooks = [...this.core.cache.list(this.prefix)].flatMap((entry) => compile(entry.object, this.type));
    }
    return this.webhooks;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
