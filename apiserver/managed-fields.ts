// managedFields on every write: who set which field (apiserver/apply's field manager), recorded for
// creates, updates and non-apply patches, as kube-apiserver does. Server-side apply computes its
// own entries in the PATCH handler.
import { mainResourceResetFields, managerOrUserAgent, statusSubresourceResetFields, updatedManagedFields } from './apply/field-manager.ts';
import type { JsonObject } from './apply/go-format.ts';
import type { ApiCore } from './core.ts';
import { settleAsJson } from './registry/object-json.ts';
import { groupVersion, servedVersionOf, type ServedVersion } from './registry/registry.ts';
import type { WriteOptions } from './registry/store.ts';
import type { KubeObject, ResourceDescription } from './registry/types.ts';

export interface FieldManagerContext {
  apiVersion: string;
  kind: string;
  subresource: string;
  schema: ReturnType<ApiCore['kindSchema']>;
  resetFields: typeof mainResourceResetFields | undefined;
}

/** Subresources whose writes name themselves in managedFields entries, as kube-apiserver records them. */
const subresourcesInManagedFields = new Set(['status', 'scale', 'ephemeralcontainers', 'resize']);

/** The field manager's view of a write to `served` (a subresource changes what is reset). */
export function fieldManagerContext(core: ApiCore, served: ServedVersion, subresource: string | undefined): FieldManagerContext {
  const onStatus = subresource === 'status';
  return {
    apiVersion: groupVersion(served.group, served.version),
    kind: served.kind,
    subresource: subresource !== undefined && subresourcesInManagedFields.has(subresource) ? subresource : '',
    schema: core.kindSchema(served),
    resetFields: served.description.status ? (onStatus ? statusSubresourceResetFields : mainResourceResetFields) : undefined,
  };
}

export function installManagedFields(core: ApiCore): void {
  core.hooks.beforeAdmission = (description: ResourceDescription, object: KubeObject, old: KubeObject | undefined, options: WriteOptions) => {
    if (options.managedFieldsDone || options.subresource === 'binding') return;
    // In-process writers (controllers) may leave properties undefined: the fields are those of the JSON stored.
    settleAsJson(object, old);
    const manager = managerOrUserAgent(options.fieldManager, options.userAgent) || 'unknown';
    const context = fieldManagerContext(core, servedVersionOf(description), options.subresource);
    const managedFields = updatedManagedFields(old as JsonObject | undefined, object as JsonObject, manager, undefined, context);
    if (managedFields?.length) object.metadata.managedFields = managedFields;
    else delete object.metadata.managedFields;
  };
}
