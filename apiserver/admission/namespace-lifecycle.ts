// NamespaceLifecycle: nothing is created in a namespace that does not exist or is terminating, and
// the namespaces Kubernetes itself needs cannot be deleted.
import type { ApiCore } from '../core.ts';
import { errors, StatusError } from '../status.ts';
import type { AdmissionPlugin } from './types.ts';

const immortalNamespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export function namespaceLifecycle(core: ApiCore): AdmissionPlugin {
  const namespaces = () => core.storeFor('', 'namespaces');
  return {
    name: 'NamespaceLifecycle',
    async validate(attributes) {
      const { description, operation, namespace } = attributes;
      if (description.group === '' && description.plural === 'namespaces') {
        if (operation === 'DELETE' && attributes.name && immortalNamespaces.has(attributes.name)) {
          throw errors.forbidden(`namespaces "${attributes.name}" is forbidden: this namespace may not be deleted`, { name: attributes.name, kind: 'namespaces' });
        }
        return;
      }
      if (!description.namespaced || !namespace || operation !== 'CREATE') return;
      const ns = await namespaces().find(undefined, namespace);
      if (!ns) throw new StatusError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
      if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating') {
        // Events about the namespace's own teardown are still accepted, as Kubernetes does.
        if (description.plural === 'events' && description.group === '') return;
        throw errors.forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`, {
          name: attributes.name,
          group: description.group,
          kind: description.plural,
          causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
        });
      }
    },
  };
}
