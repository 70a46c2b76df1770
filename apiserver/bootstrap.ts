// What every cluster has from its first start: the system namespaces and the `kubernetes` Service
// (as kube-apiserver's bootstrap controller creates them). Existing objects are left alone.
import type { UserInfo } from './authn.ts';
import type { ApiCore } from './core.ts';
import { cidrAddress } from './admission/service-allocation.ts';
import { StatusError } from './status.ts';

export const apiserverUser: UserInfo = { username: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof StatusError && error.code === 409)) throw error;
  }
}

export async function bootstrapCluster(core: ApiCore, options: { serviceCidr: string; apiserverPort: number }): Promise<void> {
  const namespaces = core.storeFor('', 'namespaces');
  for (const name of systemNamespaces) {
    if (await namespaces.find(undefined, name)) continue;
    await ensure(() => namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { user: apiserverUser }));
  }
  const services = core.storeFor('', 'services');
  if (!(await services.find('default', 'kubernetes'))) {
    await ensure(() =>
      services.create(
        'default',
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
          spec: {
            type: 'ClusterIP',
            clusterIP: cidrAddress(options.serviceCidr, 1),
            ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: options.apiserverPort }],
            sessionAffinity: 'None',
          },
        },
        { user: apiserverUser },
      ),
    );
  }
}
