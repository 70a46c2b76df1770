// Binding a pod to a node: POST pods/<name>/binding (and the older POST bindings), which sets
// spec.nodeName once, as the scheduler does. The scheduler binds in process through bindPod.
import type { UserInfo } from '../authn.ts';
import type { ApiCore } from '../core.ts';
import { timestamp } from '../registry/object-meta.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors } from '../status.ts';
import { decodeObjectBody } from './content.ts';
import { dryRunOf, type ResourceHandlers, type ResourceRequest } from './resources.ts';
import { sendJson } from './output.ts';

type Json = Record<string, any>;

export interface PodBinding {
  node: string;
  /** Only bind this incarnation of the pod. */
  uid?: string;
  annotations?: Record<string, string>;
}

/** Sets spec.nodeName (once) and PodScheduled=True, as kube-apiserver's binding REST does. */
export async function bindPod(core: ApiCore, user: UserInfo, namespace: string | undefined, name: string, binding: PodBinding, options: { dryRun?: boolean; authorize?: boolean } = {}): Promise<KubeObject> {
  if (options.authorize) {
    const decision = await core.authorizer.authorize({ user, verb: 'create', namespace, apiGroup: '', resource: 'pods', subresource: 'binding', name, resourceRequest: true });
    if (!decision.allowed) {
      throw errors.forbidden(`pods "${name}" is forbidden: User "${user.username}" cannot create resource "pods/binding" in API group "" in the namespace "${namespace}"`, { name, kind: 'pods' });
    }
  }
  // The pod is the stored one (mutateCopies): what the binding changes is copied, the rest is shared with it.
  return core.storeFor('', 'pods').guaranteedUpdate(
    namespace,
    name,
    (pod) => {
      const spec = (pod.spec ?? {}) as Json;
      if (pod.metadata.deletionTimestamp) throw errors.conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
      if (spec.nodeName) throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      if (binding.uid && binding.uid !== pod.metadata.uid) throw errors.conflict('pods', '', name, 'Precondition failed: UID in precondition');
      const metadata = { ...pod.metadata };
      if (binding.annotations && Object.keys(binding.annotations).length) metadata.annotations = { ...metadata.annotations, ...binding.annotations };
      const status = (pod.status ?? {}) as Json;
      const conditions: Json[] = [...((status.conditions as Json[] | undefined) ?? [])];
      const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() };
      const at = conditions.findIndex((c) => c.type === 'PodScheduled');
      if (at >= 0) conditions[at] = scheduled;
      else conditions.push(scheduled);
      return { ...pod, metadata, spec: { ...spec, nodeName: binding.node }, status: { ...status, conditions } };
    },
    { user, dryRun: options.dryRun, subresource: 'binding', mutateCopies: true },
  );
}

export function registerBindingHandlers(core: ApiCore, handlers: ResourceHandlers): void {
  const bind = async (context: ResourceRequest) => {
    const binding = decodeObjectBody(context.request.headers['content-type'], context.request.body as Buffer | undefined) as Json;
    const name = context.info.name ?? binding?.metadata?.name;
    const node = binding?.target?.name;
    if (!name) throw errors.badRequest('the name of the pod to bind is required');
    if (binding?.target?.kind && binding.target.kind !== 'Node') throw errors.badRequest(`target kind must be Node, not ${binding.target.kind}`);
    if (!node) throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]);
    await bindPod(core, context.user, context.info.namespace, name, { node, uid: binding.metadata?.uid, annotations: binding.metadata?.annotations }, { dryRun: dryRunOf(context.query) });
    return sendJson(context.reply, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  };
  handlers.addHandler('', 'pods', 'binding', 'POST', bind);
  handlers.addHandler('', 'bindings', '', 'POST', bind);
}
