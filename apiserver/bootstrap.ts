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

export async function bootstrapCluster(core: ApiCore, options: { serviceCidr: string; apiserverPort: number; clusterDns?: string }): Promise<void> {
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
  // The cluster DNS address belongs to the `kube-dns` Service (as with k3s), so no other Service is given it; k2's
  // nodes answer on that address themselves.
  if (options.clusterDns && !(await services.find('kube-system', 'kube-dns'))) {
    await ensure(() =>
      services.create(
        'kube-system',
        {
          apiVersion: 'v1',
          kind: 'Service',
          // The cluster-service labels make `kubectl cluster-info` list it, as it lists kubeadm's and k3s's DNS.
          metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' } },
          spec: {
            type: 'ClusterIP',
            clusterIP: options.clusterDns,
            ports: [
              { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
              { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
            ],
            sessionAffinity: 'None',
          },
        },
        { user: apiserverUser },
      ),
    );
  }
}
