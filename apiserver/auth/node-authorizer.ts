// The Node authorizer and NodeRestriction admission (kube-apiserver's idea for kubelets): a node
// agent (`system:node:<name>` in `system:nodes`) may read a Secret, ConfigMap, PVC or PV only when a
// pod bound to its node uses it, may ask tokens only for the service accounts of its pods, and may
// write only its own Node, Lease and CSINode, and only pods bound to itself; beyond that it has the
// rules of the system:node role.
import type { UserInfo } from '../authn.ts';
import type { AdmissionPlugin } from '../admission/types.ts';
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer } from '../authz.ts';
import type { ApiCore } from '../core.ts';
import type { KubeObject } from '../registry/types.ts';
import { errors, qualifiedResource, type StatusError } from '../status.ts';
import { nodeRules } from './rbac/bootstrap-policy.ts';
import { ruleAllows } from './rbac/rules.ts';
import type { BoundObjects } from './service-account-tokens.ts';

export const nodesGroup = 'system:nodes';
const nodeUserPrefix = 'system:node:';

type Json = Record<string, any>;

/** The node a user is the agent of, if any. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.username.startsWith(nodeUserPrefix) || !user.groups.includes(nodesGroup)) return undefined;
  const name = user.username.slice(nodeUserPrefix.length);
  return name || undefined;
}

type Reference = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

function containersOf(spec: Json): Json[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].filter((c) => c && typeof c === 'object');
}

/** The names a pod uses of one kind of object (what the Node authorizer's graph records). */
export function podReferences(pod: KubeObject, kind: Reference): Set<string> {
  const spec = (pod.spec ?? {}) as Json;
  const names = new Set<string>();
  const add = (name: unknown) => typeof name === 'string' && name && names.add(name);
  const volumes: Json[] = Array.isArray(spec.volumes) ? spec.volumes.filter((v: unknown) => v && typeof v === 'object') : [];
  switch (kind) {
    case 'serviceaccounts':
      add(spec.serviceAccountName);
      break;
    case 'persistentvolumeclaims':
      for (const volume of volumes) {
        add(volume.persistentVolumeClaim?.claimName);
        if (volume.ephemeral) add(`${pod.metadata.name}-${volume.name}`);
      }
      break;
    case 'secrets':
      for (const ref of Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : []) add(ref?.name);
      for (const volume of volumes) {
        add(volume.secret?.secretName);
        add(volume.azureFile?.secretName);
        for (const plugin of ['cephfs', 'rbd', 'flexVolume', 'iscsi', 'scaleIO', 'storageos', 'cinder']) add(volume[plugin]?.secretRef?.name);
        add(volume.csi?.nodePublishSecretRef?.name);
        for (const source of Array.isArray(volume.projected?.sources) ? volume.projected.sources : []) add(source?.secret?.name);
      }
      for (const container of containersOf(spec)) {
        for (const env of Array.isArray(container.env) ? container.env : []) add(env?.valueFrom?.secretKeyRef?.name);
        for (const from of Array.isArray(container.envFrom) ? container.envFrom : []) add(from?.secretRef?.name);
      }
      break;
    case 'configmaps':
      for (const volume of volumes) {
        add(volume.configMap?.name);
        for (const source of Array.isArray(volume.projected?.sources) ? volume.projected.sources : []) add(source?.configMap?.name);
      }
      for (const container of containersOf(spec)) {
        for (const env of Array.isArray(container.env) ? container.env : []) add(env?.valueFrom?.configMapKeyRef?.name);
        for (const from of Array.isArray(container.envFrom) ? container.envFrom : []) add(from?.configMapRef?.name);
      }
      break;
  }
  return names;
}

const noOpinion = (reason: string): AuthorizationDecision => ({ allowed: false, reason });
const allow: AuthorizationDecision = { allowed: true, reason: '' };

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly core: ApiCore) {}

  private podsOn(node: string, namespace?: string): KubeObject[] {
    const prefix = namespace ? `/registry/pods/${namespace}/` : '/registry/pods/';
    const pods: KubeObject[] = [];
    for (const { object } of this.core.cache.list(prefix)) if ((object.spec as Json | undefined)?.nodeName === node) pods.push(object);
    return pods;
  }

  /** Whether a pod bound to `node` uses the named object. */
  private related(node: string, kind: Reference | 'persistentvolumes', namespace: string | undefined, name: string): boolean {
    if (kind === 'persistentvolumes') {
      for (const pod of this.podsOn(node)) {
        for (const claim of podReferences(pod, 'persistentvolumeclaims')) {
          const pvc = this.core.cache.get(`/registry/persistentvolumeclaims/${pod.metadata.namespace}/${claim}`)?.object;
          if ((pvc?.spec as Json | undefined)?.volumeName === name) return true;
        }
      }
      return false;
    }
    return this.podsOn(node, namespace).some((pod) => podReferences(pod, kind).has(name));
  }

  private readRelated(node: string, kind: Reference | 'persistentvolumes', attributes: AuthorizationAttributes): AuthorizationDecision {
    const verbs = kind === 'persistentvolumes' || kind === 'persistentvolumeclaims' ? ['get'] : ['get', 'list', 'watch'];
    if (!verbs.includes(attributes.verb)) return noOpinion(verbs.length === 1 ? 'can only get individual resources of this type' : 'can only read resources of this type');
    if (attributes.subresource) return noOpinion('cannot read subresource');
    if (kind !== 'persistentvolumes' && !attributes.namespace) return noOpinion('can only read namespaced object of this type');
    if (!attributes.name) return noOpinion('No Object name found');
    if (!this.related(node, kind, attributes.namespace, attributes.name)) return noOpinion(`no relationship found between node '${node}' and this object`);
    return allow;
  }

  authorize(attributes: AuthorizationAttributes): AuthorizationDecision {
    const node = nodeIdentity(attributes.user);
    if (!node) return noOpinion('');
    if (attributes.resourceRequest) {
      const group = attributes.apiGroup ?? '';
      const resource = attributes.resource ?? '';
      if (group === '' && (resource === 'secrets' || resource === 'configmaps' || resource === 'persistentvolumeclaims' || resource === 'persistentvolumes')) {
        if (resource === 'persistentvolumeclaims' && attributes.subresource === 'status') {
          if (!['get', 'update', 'patch'].includes(attributes.verb) || !attributes.name) return noOpinion('can only get, update or patch individual claims');
          return this.related(node, 'persistentvolumeclaims', attributes.namespace, attributes.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
        }
        return this.readRelated(node, resource, attributes);
      }
      if (group === '' && resource === 'serviceaccounts' && attributes.subresource === 'token') {
        if (attributes.verb !== 'create') return noOpinion('can only create tokens for individual service accounts');
        if (!attributes.name) return noOpinion('No Object name found');
        return this.related(node, 'serviceaccounts', attributes.namespace, attributes.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
      }
      if (group === 'coordination.k8s.io' && resource === 'leases') {
        const ok = ['get', 'create', 'update', 'patch', 'delete'].includes(attributes.verb) && attributes.namespace === 'kube-node-lease' && (attributes.name === node || (attributes.verb === 'create' && !attributes.name));
        return ok ? allow : noOpinion(`can only access node lease with the same name as the requesting node`);
      }
      if (group === 'storage.k8s.io' && resource === 'csinodes') {
        const ok = ['get', 'create', 'update', 'patch', 'delete'].includes(attributes.verb) && (attributes.name === node || (attributes.verb === 'create' && !attributes.name));
        return ok ? allow : noOpinion(`can only access CSINode with the same name as the requesting node`);
      }
    }
    return nodeRules.some((rule) => ruleAllows(attributes, rule)) ? allow : noOpinion('');
  }

  rulesFor(user: UserInfo): { resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[] }[]; nonResourceRules: []; incomplete: boolean } {
    if (!nodeIdentity(user)) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    // Reads of secrets and the like depend on the pods bound to the node: the list cannot be complete.
    return { resourceRules: nodeRules.map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources })), nonResourceRules: [], incomplete: true };
  }
}

function forbidden(plural: string, group: string, name: string | undefined, message: string): StatusError {
  const what = qualifiedResource(plural, group);
  return errors.forbidden(name ? `${what} "${name}" is forbidden: ${message}` : `${what} is forbidden: ${message}`, { name, group, kind: plural });
}

/** NodeRestriction for TokenRequest: a node may only ask tokens bound to pods on itself. */
export function checkNodeTokenRequest(user: UserInfo, serviceAccount: string, bound: BoundObjects): void {
  const node = nodeIdentity(user);
  if (!node) return;
  if (!bound.pod) throw forbidden('serviceaccounts', '', serviceAccount, bound.secret || bound.node ? `node requested token bound to a ${bound.secret ? 'Secret' : 'Node'}` : 'node requested token not bound to a pod');
  if ((bound.pod.spec as Json | undefined)?.nodeName !== node) throw forbidden('serviceaccounts', '', serviceAccount, 'node requested token bound to a pod scheduled on a different node');
}

/** NodeRestriction admission: a node writes only its own Node, Lease and CSINode, and pods bound to itself. */
export function nodeRestrictionAdmission(core: ApiCore): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    validate({ operation, description, object, oldObject, user, subresource, name, namespace }) {
      const node = nodeIdentity(user);
      if (!node) return;
      const { group, plural } = description;
      const target = object ?? oldObject;
      if (group === '' && plural === 'pods') {
        const podNode = (target?.spec as Json | undefined)?.nodeName;
        const oldNode = (oldObject?.spec as Json | undefined)?.nodeName;
        if (operation === 'CREATE' && !subresource) {
          if (!object?.metadata.annotations?.['kubernetes.io/config.mirror']) throw forbidden(plural, group, name, `pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`);
          if (podNode !== node) throw forbidden(plural, group, name, `node "${node}" can only create pods with spec.nodeName set to itself`);
        } else if (operation === 'DELETE') {
          if (oldNode !== node) throw forbidden(plural, group, name, `node "${node}" can only delete pods with spec.nodeName set to itself`);
        } else if (operation === 'UPDATE' && subresource === 'status') {
          if (oldNode !== node) throw forbidden(plural, group, name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
        } else if (subresource === 'eviction') {
          const pod = core.cache.get(`/registry/pods/${namespace}/${name}`)?.object;
          if ((pod?.spec as Json | undefined)?.nodeName !== node) throw forbidden(plural, group, name, `node ${node} can only evict pods with spec.nodeName set to itself`);
        } else if (operation === 'UPDATE') {
          throw forbidden(plural, group, name, `node "${node}" can only update pod status`);
        }
        return;
      }
      if (group === '' && plural === 'nodes') {
        if ((operation === 'CREATE' || operation === 'UPDATE' || operation === 'DELETE') && (target?.metadata.name ?? name) !== node) {
          throw forbidden(plural, group, name ?? target?.metadata.name, `node "${node}" is not allowed to modify node "${name ?? target?.metadata.name}"`);
        }
        return;
      }
      if (group === 'coordination.k8s.io' && plural === 'leases' && namespace === 'kube-node-lease') {
        if ((target?.metadata.name ?? name) !== node) throw forbidden(plural, group, name, 'can only access node lease with the same name as the requesting node');
      }
    },
  };
}
