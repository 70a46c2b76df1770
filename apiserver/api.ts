// Assembles the Kubernetes API on an HTTP server: the built-in kinds, their generic handlers,
// discovery, and the custom handlers (reviews, binding).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Datastore } from '../datastore/types.ts';
import { namespaceLifecycle } from './admission/namespace-lifecycle.ts';
import { limitRanger } from './admission/limit-ranger.ts';
import { resourceQuotaAdmission } from './admission/resource-quota.ts';
import { serviceAccountAdmission } from './admission/service-account.ts';
import { serviceAllocation } from './admission/service-allocation.ts';
import { ApiCore } from './core.ts';
import { setProtobufDecoder } from './handlers/content.ts';
import { OpenApiPublisher } from './openapi/publisher.ts';
import { registerOpenApiRoutes } from './openapi/routes.ts';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from './protobuf/kubernetes-protobuf.ts';
import { apiResourceInfos, builtinKindSchema } from './schemas.ts';
import { errors } from './status.ts';
import { registerBindingHandlers } from './handlers/binding.ts';
import { registerReviewHandlers } from './handlers/reviews.ts';
import { ResourceHandlers } from './handlers/resources.ts';
import { maxRequestBodyBytes } from './http-server.ts';
import { checkRequestBody } from './body-limits.ts';
import type { WriteHooks } from './registry/store.ts';
import { builtinKinds } from './kinds/index.ts';

export interface Api {
  core: ApiCore;
  handlers: ResourceHandlers;
}

/** Creates the API core over a datastore and loads the watch cache; `hooks` (e.g. encryption at rest) apply from the first read. */
export async function startApiCore(datastore: Datastore, log: Logger, hooks: WriteHooks = {}): Promise<ApiCore> {
  const core = new ApiCore(datastore, log);
  Object.assign(core.hooks, hooks);
  for (const kind of builtinKinds) core.registry.add(kind);
  core.admission.add(namespaceLifecycle(core));
  core.admission.add(serviceAllocation(core));
  core.admission.add(serviceAccountAdmission(core));
  core.admission.add(limitRanger(core));
  core.admission.add(resourceQuotaAdmission(core));
  await core.start();
  return core;
}

/** Serves the API of `core` on `app`. */
export function installApi(app: FastifyInstance, core: ApiCore): Api {
  // Bodies are decoded by the handlers (JSON, YAML, protobuf, patch types), so take them raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxRequestBodyBytes }, (request, body, done) => {
    try {
      checkRequestBody(request.headers['content-type'], body as Buffer);
      done(null, body);
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  core.kindSchema = (served) => served.versionDescription.schema ? { schema: served.versionDescription.schema } : builtinKindSchema(served);
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
  const publish = () => openapi.setResources(apiResourceInfos(core.registry));
  publish();
  core.registry.onChange(publish);
  registerOpenApiRoutes(app, openapi);
  const handlers = new ResourceHandlers(core);
  registerReviewHandlers(core, handlers);
  registerBindingHandlers(core, handlers);
  handlers.register(app);
  return { core, handlers };
}
