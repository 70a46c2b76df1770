// v1 ComponentStatus (`kubectl get componentstatuses`), as kube-apiserver serves it: not stored; every read
// asks the components for their health (here: the in-process scheduler and controllers, and the datastore in
// the place of etcd-0), with the deprecation warning Kubernetes gives since 1.19.
import type { KubeObject } from '../registry/types.ts';
import { errors } from '../status.ts';
import { negotiateOutput } from './content.ts';
import { renderList, renderObject } from './output.ts';
import { addWarnings, queryBoolean, type ResourceHandlers } from './resources.ts';

/** A component's health: true, or why not. */
export type ComponentHealth = () => true | string;

function componentStatus(name: string, health: true | string): KubeObject {
  const condition = health === true ? { type: 'Healthy', status: 'True', message: 'ok' } : { type: 'Healthy', status: 'False', error: health };
  return { apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name }, conditions: [condition] };
}

export function registerComponentStatuses(handlers: ResourceHandlers, components: Record<string, ComponentHealth>): void {
  handlers.addHandler('', 'componentstatuses', '', 'GET', async ({ info, query, served, request, reply }) => {
    if (queryBoolean(query, 'watch') || info.legacyWatch) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    addWarnings(reply, ['v1 ComponentStatus is deprecated in v1.19+']);
    const shape = negotiateOutput(request.headers.accept);
    if (info.name) {
      const health = components[info.name];
      if (!health) throw errors.notFound('componentstatuses', '', info.name);
      return renderObject(reply, served, componentStatus(info.name, health()), shape, 200, query);
    }
    const items = Object.entries(components).map(([name, health]) => componentStatus(name, health()));
    return renderList(reply, served, { items, resourceVersion: '' }, shape, query);
  });
}
