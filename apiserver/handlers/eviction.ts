// POST pods/<name>/eviction (policy/v1 Eviction): deletes the pod with the eviction's
// DeleteOptions unless that would violate its PodDisruptionBudget — then 429 TooManyRequests, as
// kube-apiserver's eviction REST does. An allowed eviction spends one disruption in the budget's
// status (recorded in status.disruptedPods) before the pod is deleted.
import type { ApiCore } from '../core.ts';
import { timestamp } from '../registry/object-meta.ts';
import { labelSelectorFromObject } from '../registry/selectors.ts';
import type { DeleteOptions } from '../registry/store.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors, StatusError } from '../status.ts';
import { decodeObjectBody } from './content.ts';
import { sendJson } from './output.ts';
import { dryRunOf, type ResourceHandlers, type ResourceRequest } from './resources.ts';

type Json = Record<string, any>;

/** Kubernetes refuses evictions once this many are unconfirmed by the disruption controller. */
const maxDisruptedPods = 2000;

const violation = 'Cannot evict pod as it would violate the pod\'s disruption budget.';

function tooManyRequests(message: string): StatusError {
  return new StatusError(429, 'TooManyRequests', violation, { causes: [{ reason: 'DisruptionBudget', message }] });
}

function isReady(pod: KubeObject): boolean {
  return (((pod.status as Json | undefined)?.conditions ?? []) as Json[]).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function registerEvictionHandler(core: ApiCore, handlers: ResourceHandlers): void {
  handlers.addHandler('', 'pods', 'eviction', 'POST', async (context: ResourceRequest) => {
    const body = decodeObjectBody(context.request.headers['content-type'], context.request.body as Buffer | undefined) as Json;
    if (typeof body !== 'object' || body === null) throw errors.badRequest('Eviction must be a JSON object');
    const name = context.info.name!;
    const namespace = context.info.namespace!;
    if (body.metadata?.name && body.metadata.name !== name) throw errors.badRequest(`name in URL does not match name in Eviction object`);
    const options: Json = body.deleteOptions ?? {};
    const dryRun = dryRunOf(context.query) || (Array.isArray(options.dryRun) && options.dryRun.length > 0);
    const pods = core.storeFor('', 'pods');
    const deleteOptions: DeleteOptions = { user: context.user, dryRun };
    if (typeof options.gracePeriodSeconds === 'number') deleteOptions.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.preconditions) deleteOptions.preconditions = options.preconditions;
    if (options.propagationPolicy) deleteOptions.propagationPolicy = options.propagationPolicy;
    const evicted = () => sendJson(context.reply, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });

    for (let attempt = 0; ; attempt++) {
      const pod = await pods.get(namespace, name);
      const phase = (pod.status as Json | undefined)?.phase;
      // Finished, never started, or already going: no budget to protect.
      if (pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending') {
        await pods.delete(namespace, name, deleteOptions);
        return evicted();
      }
      const budgets = core.storeFor('policy', 'poddisruptionbudgets');
      const matching = (await budgets.list(namespace)).items.filter((pdb) => {
        const selector = (pdb.spec as Json | undefined)?.selector;
        return selector && labelSelectorFromObject(selector)?.matches(pod.metadata.labels);
      });
      if (matching.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      if (!matching.length) {
        await pods.delete(namespace, name, deleteOptions);
        return evicted();
      }
      const pdb = matching[0]!;
      const spec = (pdb.spec ?? {}) as Json;
      const status = (pdb.status ?? {}) as Json;
      if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
      if (!isReady(pod)) {
        const policy = spec.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
        if (policy === 'AlwaysAllow' || ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0)) {
          await pods.delete(namespace, name, deleteOptions);
          return evicted();
        }
      }
      const allowed = status.disruptionsAllowed ?? 0;
      if (allowed < 0) throw errors.forbidden('pdb disruptions allowed is negative');
      if (Object.keys(status.disruptedPods ?? {}).length > maxDisruptedPods) throw errors.forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
      if (allowed === 0) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
      if (!dryRun) {
        try {
          await budgets.update(namespace, pdb.metadata.name!, {
            ...pdb,
            status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [name]: timestamp() } },
          }, { user: context.user, subresource: 'status' });
        } catch (error) {
          // Another eviction spent a disruption meanwhile: decide again on the new budget.
          if (error instanceof StatusError && error.reason === 'Conflict' && attempt < 5) continue;
          throw error;
        }
      }
      await pods.delete(namespace, name, deleteOptions);
      return evicted();
    }
  });
}
