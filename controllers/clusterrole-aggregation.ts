// Fills the rules of every ClusterRole with an aggregationRule from the ClusterRoles its selectors
// match (kube-controller-manager's clusterrole-aggregation controller): this is how `admin`, `edit`
// and `view` get their rules, and how a CRD's role joins them with an aggregate-to-* label.
import type { ApiClient } from '../apiserver/client.ts';
import { canonicalJson, deepEqual } from '../apiserver/registry/object-meta.ts';
import { labelSelectorFromObject, type LabelSelectorObject } from '../apiserver/registry/selectors.ts';
import type { KubeObject } from '../apiserver/registry/types.ts';
import { StatusError } from '../apiserver/status.ts';
import { Controller } from './controller.ts';
import type { InformerFactory } from './informer.ts';

const rbacGroup = 'rbac.authorization.k8s.io';

function selectorsOf(role: KubeObject): LabelSelectorObject[] | undefined {
  const selectors = (role.aggregationRule as { clusterRoleSelectors?: unknown } | undefined)?.clusterRoleSelectors;
  return Array.isArray(selectors) ? (selectors as LabelSelectorObject[]) : undefined;
}

export class ClusterRoleAggregationController extends Controller {
  readonly name = 'clusterrole-aggregation-controller';

  constructor(
    private readonly informers: InformerFactory,
    private readonly client: ApiClient,
  ) {
    super();
  }

  private get roles() {
    return this.informers.informer(rbacGroup, 'clusterroles');
  }

  setup(): void {
    // Any change may add or remove rules of any aggregated role: look at all of them.
    const enqueueAggregated = () => {
      for (const role of this.roles.list()) if (selectorsOf(role)) this.queue.add(role.metadata.name!);
    };
    this.roles.addHandlers({ add: enqueueAggregated, update: enqueueAggregated, delete: enqueueAggregated });
  }

  /** The union of the matching roles' rules, roles in name order, each rule once. */
  private aggregatedRules(role: KubeObject, selectors: LabelSelectorObject[]): unknown[] {
    const matchers = selectors.map((selector) => labelSelectorFromObject(selector));
    const rules: unknown[] = [];
    const seen = new Set<string>();
    const sources = this.roles
      .list()
      .filter((other) => other.metadata.name !== role.metadata.name && matchers.some((m) => m?.matches(other.metadata.labels)))
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const source of sources) {
      for (const rule of (source.rules as unknown[] | undefined) ?? []) {
        const text = canonicalJson(rule); // one pass: comparing each rule with every kept one was quadratic
        if (!seen.has(text)) rules.push(rule);
        seen.add(text);
      }
    }
    return rules;
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get(undefined, name);
    const selectors = role && selectorsOf(role);
    if (!role || !selectors) return;
    let rules: unknown[];
    try {
      rules = this.aggregatedRules(role, selectors);
    } catch {
      return; // an invalid selector aggregates nothing (validation refuses them on write)
    }
    if (deepEqual(role.rules ?? [], rules)) return;
    try {
      await this.client.resource(rbacGroup, 'clusterroles').modify(undefined, name, (current) => ({ ...current, rules }));
    } catch (error) {
      if (!(error instanceof StatusError && error.code === 404)) throw error;
    }
  }
}
