// Binding a pod to a node: POST pods/<name>/binding (and the older POST bindings), which sets
// spec.nodeName once, as the scheduler does.
import type { ApiCore } from '../core.ts';
import { errors } from '../status.ts';
import { decodeObjectBody } from './content.ts';
import { dryRunOf, type ResourceHandlers, type ResourceRequest } from './resources.ts';
import { sendJson } from './output.ts';

type Json = Record<string, any>;

export function registerBindingHandlers(core: ApiCore, handlers: ResourceHandlers): void {
  const bind = async (context: ResourceRequest) => {
    const binding = decodeObjectBody(context.request.headers['content-type'], context.request.body as Buffer | undefined) as Json;
    const name = context.info.name ?? binding?.metadata?.name;
    const namespace = context.info.namespace;
    const node = binding?.target?.name;
    if (!name) throw errors.badRequest('the name of the pod to bind is required');
    if (binding?.target?.kind && binding.target.kind !== 'Node') throw errors.badRequest(`target kind must be Node, not ${binding.target.kind}`);
    if (!node) throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    const pods = core.storeFor('', 'pods');
    await pods.guaranteedUpdate(
      namespace,
      name,
      (pod) => {
        const spec = (pod.spec ??= {}) as Json;
        if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
        if (spec.nodeName) throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
        if (binding.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) throw errors.conflict('pods', '', name, 'Precondition failed: UID in precondition');
        spec.nodeName = node;
        for (const [key, value] of Object.entries((binding.metadata?.annotations ?? {}) as Record<string, string>)) {
          pod.metadata.annotations = { ...pod.metadata.annotations, [key]: value };
        }
        const status = (pod.status ??= {}) as Json;
        const conditions: Json[] = (status.conditions ??= []);
        const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().slice(0, 19) + 'Z' };
        const at = conditions.findIndex((c) => c.type === 'PodScheduled');
        if (at >= 0) conditions[at] = scheduled;
        else conditions.push(scheduled);
        return pod;
      },
      { user: context.user, dryRun: dryRunOf(context.query), subresource: 'binding' },
    );
    return sendJson(context.reply, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  };
  handlers.addHandler('', 'pods', 'binding', 'POST', bind);
  handlers.addHandler('', 'bindings', '', 'POST', bind);
}
