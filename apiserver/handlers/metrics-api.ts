// metrics.k8s.io/v1beta1 (what metrics-server serves, and `kubectl top` reads): PodMetrics and NodeMetrics are
// not stored; every read asks the nodes for their current usage (CRI container stats and the node's own).
import type { ApiCore } from '../core.ts';
import type { NodeConnector } from '../nodes/node-endpoint.ts';
import type { PodMetricsSource, PodUsage } from '../../controllers/horizontal-pod-autoscaler.ts';
import { milliValue, quantityValue } from '../quantity.ts';
import { parseLabelSelector, type LabelSelector } from '../registry/selectors.ts';
import { matchesSelectors } from '../registry/store.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors } from '../status.ts';
import { sendJson } from './output.ts';
import { queryBoolean, queryString, type ResourceHandlers, type ResourceRequest } from './resources.ts';

type Json = Record<string, any>;

const apiVersion = 'metrics.k8s.io/v1beta1';

async function fromEveryNode<T>(core: ApiCore, connector: NodeConnector, read: (endpoint: NonNullable<Awaited<ReturnType<NodeConnector['endpoint']>>>, node: KubeObject) => Promise<T>): Promise<T[]> {
  const nodes = core.storeFor('', 'nodes');
  const { items } = await nodes.list(undefined, {});
  const results = await Promise.all(
    items.map(async (node) => {
      const endpoint = await connector.endpoint(node.metadata.name!).catch(() => undefined);
      if (!endpoint) return undefined;
      return read(endpoint, node).catch((error: Error) => {
        core.log.debug({ err: error, node: node.metadata.name }, 'metrics unavailable from node');
        return undefined;
      });
    }),
  );
  return results.filter((r): r is Awaited<T> => r !== undefined) as T[];
}

/** The PodMetrics of the pods the API still has (with their labels, which `kubectl top -l` selects on). */
async function podMetricsItems(core: ApiCore, connector: NodeConnector, selector: LabelSelector, namespace?: string, name?: string): Promise<Json[]> {
  const perNode = await fromEveryNode(core, connector, (endpoint) => endpoint.podMetrics());
  // One consistent list of the selected pods, rather than a read per metrics item (the HPA asks every 15 s).
  const { items: pods } = await core.storeFor('', 'pods').list(namespace, { labelSelector: selector });
  const byKey = new Map(pods.map((pod) => [`${pod.metadata.namespace}/${pod.metadata.name}`, pod]));
  const items: Json[] = [];
  for (const item of perNode.flat()) {
    if (name && item.metadata?.name !== name) continue;
    const pod = byKey.get(`${item.metadata?.namespace}/${item.metadata?.name}`);
    if (!pod) continue;
    items.push({ ...item, metadata: { ...item.metadata, ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}) } });
  }
  return items;
}

/** The pods' usage as the HorizontalPodAutoscaler controller reads it: what metrics.k8s.io serves, summed per pod. */
export function podMetricsSource(core: ApiCore, connector: NodeConnector): PodMetricsSource {
  return {
    async podMetrics(namespace, selector) {
      const usage = new Map<string, PodUsage>();
      for (const item of await podMetricsItems(core, connector, selector, namespace)) {
        let cpu = 0;
        let memory = 0;
        for (const container of (item.containers ?? []) as Json[]) {
          cpu += milliValue(container.usage?.cpu ?? 0);
          memory += quantityValue(container.usage?.memory ?? 0);
        }
        usage.set(item.metadata.name as string, { cpu, memory, timestamp: new Date(item.timestamp as string) });
      }
      return usage;
    },
  };
}

export function registerMetricsApi(core: ApiCore, handlers: ResourceHandlers, connector: NodeConnector): void {
  const refuseWatch = (context: ResourceRequest) => {
    if (queryBoolean(context.query, 'watch') || context.info.legacyWatch) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
  };

  handlers.addHandler('metrics.k8s.io', 'pods', '', 'GET', async (context) => {
    refuseWatch(context);
    const { info, query, reply } = context;
    const items = await podMetricsItems(core, connector, parseLabelSelector(queryString(query, 'labelSelector')), info.namespace, info.name);
    if (info.name) {
      if (!items[0]) throw errors.notFound('pods', 'metrics.k8s.io', info.name);
      return sendJson(reply, 200, { kind: 'PodMetrics', apiVersion, ...items[0] });
    }
    items.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    return sendJson(reply, 200, { kind: 'PodMetricsList', apiVersion, metadata: {}, items });
  });

  handlers.addHandler('metrics.k8s.io', 'nodes', '', 'GET', async (context) => {
    refuseWatch(context);
    const { info, query, reply } = context;
    const nodes = core.storeFor('', 'nodes');
    const selector = parseLabelSelector(queryString(query, 'labelSelector'));
    const items = (
      await fromEveryNode(core, connector, async (endpoint, node) => {
        if (info.name && node.metadata.name !== info.name) return undefined;
        if (!matchesSelectors(node, nodes.description, selector)) return undefined;
        const usage = await endpoint.nodeMetrics();
        if (!usage) return undefined;
        return { metadata: { name: node.metadata.name, creationTimestamp: usage.timestamp, ...(node.metadata.labels ? { labels: node.metadata.labels } : {}) }, ...usage };
      })
    ).filter((item): item is NonNullable<typeof item> => !!item);
    if (info.name) {
      if (!items[0]) throw errors.notFound('nodes', 'metrics.k8s.io', info.name);
      return sendJson(reply, 200, { kind: 'NodeMetrics', apiVersion, ...items[0] });
    }
    items.sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
    return sendJson(reply, 200, { kind: 'NodeMetricsList', apiVersion, metadata: {}, items });
  });
}
