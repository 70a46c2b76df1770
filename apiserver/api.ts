// Assembles the Kubernetes API on an HTTP server: the built-in kinds, their generic handlers,
// discovery, and the custom handlers (reviews, binding, eviction).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Datastore } from '../datastore/types.ts';
import { namespaceLifecycle } from './admission/namespace-lifecycle.ts';
import { limitRanger } from './admission/limit-ranger.ts';
import { resourceQuotaAdmission } from './admission/resource-quota.ts';
import { serviceAccountAdmission } from './admission/service-account.ts';
import { defaultServiceNetwork, serviceAllocation } from './admission/service-allocation.ts';
import { webhookAdmission } from './admission/webhooks/plugin.ts';
import { validatingAdmissionPolicies } from './admission/policies/validating-admission-policy.ts';
import { CrdRegistrar } from './apiextensions/crd-registrar.ts';
import { ApiCore, type ApiCoreOptions } from './core.ts';
import { migrateStoredShapes, type StoredShapesOptions } from './registry/stored-shapes.ts';
import { installManagedFields } from './managed-fields.ts';
import { setProtobufDecoder } from './handlers/content.ts';
import { OpenApiPublisher } from './openapi/publisher.ts';
import { registerOpenApiRoutes } from './openapi/routes.ts';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from './protobuf/kubernetes-protobuf.ts';
import { apiResourceInfos, kindSchemaOf } from './schemas.ts';
import { errors } from './status.ts';
import { registerBindingHandlers } from './handlers/binding.ts';
import { registerEvictionHandler } from './handlers/eviction.ts';
import { registerReviewHandlers } from './handlers/reviews.ts';
import { ResourceHandlers } from './handlers/resources.ts';
import { maxRequestBodyBytes } from './http-server.ts';
import { checkRequestBody } from './body-limits.ts';
import type { WriteHooks } from './registry/store.ts';
import { builtinKinds } from './kinds/index.ts';
import { defaultStorageClassAdmission } from '../controllers/default-storage-class.ts';
import { defaultTolerationSecondsAdmission } from '../controllers/default-toleration-seconds.ts';
import { storageObjectInUseProtectionAdmission } from '../controllers/volume-protection.ts';
import { priorityAdmission } from '../scheduler/priority-admission.ts';
import { registerDeploymentRollback } from './kinds/apps/deployment-rollback.ts';

export interface Api {
  core: ApiCore;
  handlers: ResourceHandlers;
}

export interface StartApiCoreOptions extends ApiCoreOptions {
  serviceCidr?: string;
  /** Takes the snapshot a stored-shape migration needs first (the datastore module's takeSnapshot). */
  snapshot?: StoredShapesOptions['snapshot'];
  /** Write hooks (e.g. encryption at rest) that apply from the first read. */
  hooks?: WriteHooks;
}

/** Creates the API core over a datastore, migrates stored shapes if k2 changed them, and loads the watch cache. */
export async function startApiCore(datastore: Datastore, log: Logger, options: StartApiCoreOptions = {}): Promise<ApiCore> {
  const core = new ApiCore(datastore, log, options);
  Object.assign(core.hooks, options.hooks ?? {});
  for (const kind of builtinKinds) core.registry.add(kind);
  await migrateStoredShapes(datastore, builtinKinds, { log: log.child({ module: 'stored-shapes' }), snapshot: options.snapshot, hooks: options.hooks });
  core.admission.add(namespaceLifecycle(core));
  core.admission.add(serviceAllocation(core, { ...defaultServiceNetwork, serviceCidr: options.serviceCidr ?? defaultServiceNetwork.serviceCidr }));
  core.admission.add(serviceAccountAdmission(core));
  core.admission.add(limitRanger(core));
  core.admission.add(priorityAdmission(core));
  core.admission.add(defaultTolerationSecondsAdmission());
  core.admission.add(defaultStorageClassAdmission(core));
  core.admission.add(storageObjectInUseProtectionAdmission());
  // Webhooks and policies after the built-in mutations and before quota, as kube-apiserver orders its plugins.
  const webhooks = webhookAdmission(core);
  core.admission.add(webhooks.mutating);
  core.admission.add(validatingAdmissionPolicies(core));
  core.admission.add(webhooks.validating);
  core.admission.add(resourceQuotaAdmission(core));
  installManagedFields(core);
  await core.start();
  new CrdRegistrar(core, log.child({ module: 'crd-registrar' })).start();
  return core;
}

const requestContentTypes = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/apply-patch+yaml',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
];

/** Serves the API of `core` on `app`. */
export function installApi(app: FastifyInstance, core: ApiCore): Api {
  // Bodies are decoded by the handlers (JSON, YAML, protobuf, patch types), so take them raw.
  app.removeAllContentTypeParsers();
  const takeRaw = (request: FastifyRequest, body: Buffer | string, done: (error: Error | null, body?: unknown) => void) => {
    try {
      checkRequestBody(request.headers['content-type'], body as Buffer);
      done(null, body);
    } catch (error) {
      done(error as Error, undefined);
    }
  };
  // The types clients send are named, so fastify finds their parser in its cache; the catch-all is
  // looked up anew on every request.
  app.addContentTypeParser(requestContentTypes, { parseAs: 'buffer', bodyLimit: maxRequestBodyBytes }, takeRaw);
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxRequestBodyBytes }, takeRaw);
  core.kindSchema = kindSchemaOf;
  setProtobufDecoder((body) => {
    try {
      const decoded = decodeKubernetesProtobuf(body);
      return { ...decoded.object, apiVersion: decoded.apiVersion, kind: decoded.kind };
    } catch (error) {
      if (error instanceof ProtobufDecodeError) throw errors.badRequest(`failed to decode protobuf body: ${error.message}`);
      throw error;
    }
  });
  const openapi = new OpenApiPublisher();
  const publish = () => openapi.setResources(() => apiResourceInfos(core.registry));
  publish();
  core.registry.onChange(publish);
  registerOpenApiRoutes(app, openapi);
  const handlers = new ResourceHandlers(core);
  registerReviewHandlers(core, handlers);
  registerBindingHandlers(core, handlers);
  registerEvictionHandler(core, handlers);
  registerDeploymentRollback(core, handlers);
  handlers.register(app);
  return { core, handlers };
}
