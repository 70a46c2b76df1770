// POST deployments/<name>/rollback with a DeploymentRollback (extensions/v1beta1 and apps/v1beta1,
// which kubectl rollout undo used until 1.8). Kubernetes stored the request as spec.rollbackTo and
// let the deployment controller act on it; k2 acts at once, as that controller did: the template
// of the ReplicaSet of the requested revision (0: the one before the current) becomes the
// Deployment's, and the request's updatedAnnotations are set. A revision that no ReplicaSet has
// changes nothing, as in Kubernetes (whose controller only recorded an event).
import type { ApiCore } from '../../core.ts';
import { decodeObjectBody } from '../../handlers/content.ts';
import { sendJson } from '../../handlers/output.ts';
import type { ResourceHandlers } from '../../handlers/resources.ts';
import { errors } from '../../status.ts';
import type { KubeObject } from '../../registry/types.ts';

type Json = Record<string, any>;

const revisionAnnotation = 'deployment.kubernetes.io/revision';

/** The template of the ReplicaSet of `revision` (0: the newest but one) among those the Deployment owns. */
export function rollbackTemplate(deployment: KubeObject, replicaSets: KubeObject[], revision: number): Json | undefined {
  const owned = replicaSets
    .filter((rs) => rs.metadata.ownerReferences?.some((ref) => ref.controller && ref.uid === deployment.metadata.uid))
    .map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[revisionAnnotation] ?? NaN) }))
    .filter((entry) => Number.isInteger(entry.revision))
    .sort((a, b) => b.revision - a.revision);
  const target = revision === 0 ? owned[1] : owned.find((entry) => entry.revision === revision);
  if (!target) return undefined;
  const template = structuredClone((target.rs.spec as Json | undefined)?.template ?? {}) as Json;
  if (template.metadata?.labels) {
    delete template.metadata.labels['pod-template-hash'];
    if (!Object.keys(template.metadata.labels).length) delete template.metadata.labels;
  }
  return template;
}

export function registerDeploymentRollback(core: ApiCore, handlers: ResourceHandlers): void {
  handlers.addHandler('apps', 'deployments', 'rollback', 'POST', async ({ info, store, request, reply, user, served }) => {
    const rollback = decodeObjectBody(request.headers['content-type'], request.body as Buffer | undefined) as Json;
    if (typeof rollback !== 'object' || rollback === null) throw errors.badRequest('DeploymentRollback must be a JSON object');
    if (rollback.name !== undefined && rollback.name !== info.name) {
      throw errors.badRequest(`name in URL does not match name in DeploymentRollback object`);
    }
    const revision = Number(rollback.rollbackTo?.revision ?? 0);
    if (!Number.isInteger(revision) || revision < 0) {
      throw errors.invalid('DeploymentRollback', served.group, info.name!, [{ reason: 'FieldValueInvalid', field: 'rollbackTo.revision', message: `Invalid value: ${revision}: must be greater than or equal to 0` }]);
    }
    const replicaSets = (await core.storeFor('apps', 'replicasets').list(info.namespace)).items;
    await store.guaranteedUpdate(
      info.namespace,
      info.name!,
      (current) => {
        const template = rollbackTemplate(current, replicaSets, revision);
        if (template) (current.spec as Json).template = template;
        const annotations = rollback.updatedAnnotations as Record<string, string> | undefined;
        if (annotations && Object.keys(annotations).length) current.metadata.annotations = { ...current.metadata.annotations, ...annotations };
        delete current.metadata.resourceVersion;
        return current;
      },
      { user, fieldManager: 'kubectl-rollout', userAgent: request.headers['user-agent'] },
    );
    return sendJson(reply, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: `rollback request for deployment "${info.name}" succeeded`, code: 200 });
  });
}
