// ServiceAccount admission for Pods: the `default` account unless one is named, the account must
// exist, and (unless automounting is off) the API credentials volume every container mounts:
// a projected service-account token, the cluster CA and the namespace, as Kubernetes sets them up.
import type { ApiCore } from '../core.ts';
import { generatedName } from '../registry/object-meta.ts';
import { errors } from '../status.ts';
import type { KubeObject } from '../registry/types.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './types.ts';

type Json = Record<string, any>;

export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

export function serviceAccountAdmission(core: ApiCore): AdmissionPlugin {
  return {
    name: 'ServiceAccount',
    mutate(attributes) {
      const { description, operation, object } = attributes;
      if (description.group !== '' || description.plural !== 'pods' || operation !== 'CREATE' || !object || attributes.subresource) return;
      return mountServiceAccount(attributes, object);
    },
  };

  async function mountServiceAccount({ namespace }: AdmissionAttributes, object: KubeObject): Promise<void> {
    const spec: Json = ((object.spec as Json | undefined) ??= {});
    // Static (mirror) pods keep no service account.
    if (object.metadata.annotations?.['kubernetes.io/config.mirror']) return;
    spec.serviceAccountName ||= spec.serviceAccount || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    const account = await core.storeFor('', 'serviceaccounts').find(namespace, spec.serviceAccountName);
    if (!account) {
      throw errors.forbidden(
        `pods "${object.metadata.name ?? object.metadata.generateName ?? ''}" is forbidden: error looking up service account ${namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
        { name: object.metadata.name, kind: 'pods' },
      );
    }
    const automount = spec.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true;
    if (!automount) return;
    const containers: Json[] = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
    if (containers.some((c) => (c.volumeMounts ?? []).some((m: Json) => m.mountPath === serviceAccountMountPath))) return;
    const volumeName = generatedName('kube-api-access-');
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: volumeName,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          ],
        },
      },
    ];
    for (const container of containers) {
      container.volumeMounts = [...(container.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: serviceAccountMountPath }];
    }
  }
}
