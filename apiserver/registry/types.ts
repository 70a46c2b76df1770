// What the generic REST store needs to know about a kind: one small description per kind, like
// Kubernetes' generic registry with its strategies. Handlers work on the stored form (the newest
// stable shape); versions convert to and from it at the edge.
import type { UserInfo } from '../authn.ts';
import type { StatusCause } from '../status.ts';
import type { OpenApiSchema } from '../openapi/schema.ts';
import type { TableConvertor } from '../tables/types.ts';
import type { StoredShape } from './stored-shapes.ts';

/** Any Kubernetes object as parsed JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export type { ManagedFieldsEntry } from '../apply/managed-fields.ts';
import type { ManagedFieldsEntry } from '../apply/managed-fields.ts';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
  [field: string]: unknown;
}

/** One apiVersion a kind is served in. The first version of a description is its stored form. */
export interface VersionDescription {
  /** Defaults to the description's group (a kind may be served by several groups, e.g. extensions and apps). */
  group?: string;
  version: string;
  /** Schema definition name for OpenAPI, validation and patch metadata. */
  definitionName?: string;
  /** An inline schema instead (CustomResourceDefinitions). */
  schema?: OpenApiSchema;
  /** Objects are not pruned to the inline schema (CRDs written through v1beta1 with spec.preserveUnknownFields). */
  preserveUnknownFields?: boolean;
  /** false: stored in but not served (a CRD's storage version may be unserved). */
  served?: boolean;
  /** Defaults this version applied to objects written through it (old versions had their own). */
  defaults?(object: KubeObject): void;
  /** Converts an object in this version to the stored form (in place or returning a new one). */
  toStored?(object: KubeObject): KubeObject;
  /** Converts a stored-form object to this version (must not mutate its argument). */
  fromStored?(object: KubeObject): KubeObject;
  /** The kind's name in this version, where it differs (apps/v1alpha1 called StatefulSets PetSets). */
  kind?: string;
  /** The resource's plural in this version, where it differs (`petsets`); singular follows the kind. */
  plural?: string;
  /** Short names in this version; default: the description's in its own group, none in another group. */
  shortNames?: string[];
  /** Categories in this version; default: the description's in its own group, none in another group (so `kubectl get all` lists each object once). */
  categories?: string[];
  /** Verbs in this version; default: the description's. */
  verbs?: string[];
  /** The Scale kind this version's scale subresource speaks; default autoscaling/v1. */
  scale?: { group: string; version: string };
  /** Subresources only this version serves (deployments/rollback in extensions/v1beta1). */
  subresources?: Record<string, SubresourceDescription>;
}

/** A custom subresource: the kind its requests and responses carry, and its verbs. */
export interface SubresourceDescription {
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
  /**
   * A subresource that reads the whole object and writes one part of it (pods/ephemeralcontainers): sets that
   * part of `current` (a private copy) from `written` and returns it. Served by the generic get, update, patch
   * and apply, which then run defaulting, admission and validation with this subresource in their context.
   */
  writesPart?: (written: KubeObject, current: KubeObject) => KubeObject;
}

export interface ScaleDescription {
  specReplicasPath: string[];
  statusReplicasPath: string[];
  /** Path of the label selector (string form, or a LabelSelector object that is rendered as a string). */
  labelSelectorPath?: string[];
}

export type NameValidation = 'subdomain' | 'label' | 'path';

export interface RequestUser {
  user: UserInfo;
}

/** Per-write context strategies see. */
export interface WriteContext extends RequestUser {
  /** The subresource written, if any ('status', 'scale', …). */
  subresource?: string;
  dryRun: boolean;
}

export interface ResourceDescription {
  /** The group objects are stored under ('' for core). */
  group: string;
  kind: string;
  plural: string;
  singular: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  /** Served versions; the first is the stored form and the preferred version of its group. */
  versions: VersionDescription[];
  /** The stored form's shape number and how older shapes become it (apiserver/registry/stored-shapes.ts); absent: shape 1. */
  storedShape?: StoredShape;
  /** Verbs other than the standard eight are not served; omit a verb here to refuse it (405). */
  verbs?: string[];
  /** Not stored: a POST is answered by a handler (reviews, bindings, token requests). */
  virtual?: boolean;
  /** The status subresource: updates of the main resource keep the old status, /status changes only status. */
  status?: boolean;
  scale?: ScaleDescription;
  /** Extra subresources served by custom handlers (binding, eviction, log, exec, token, …). */
  subresources?: Record<string, SubresourceDescription>;
  nameValidation?: NameValidation;
  /** Whether metadata.generation counts spec changes (workloads, CRDs with status). */
  generation?: boolean;
  /** Kubernetes' default for PUT without resourceVersion (most kinds allow it). */
  allowUnconditionalUpdate?: boolean;
  /** PUT of a missing object creates it (Endpoints, Leases, …). */
  allowCreateOnUpdate?: boolean;
  /** DELETE answers with the deleted object instead of a Success Status. */
  returnDeletedObject?: boolean;
  /** Events are written with a TTL. */
  ttlSeconds?: number;
  /** Field selectors beyond metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (object: KubeObject) => string | undefined>;
  table?: TableConvertor;
  /** Defaults in the stored form, applied after conversion on every write. */
  defaults?(object: KubeObject): void;
  /** Field errors (with Kubernetes' wording) for a create (old undefined) or update. */
  validate?(object: KubeObject, old: KubeObject | undefined, context: WriteContext): StatusCause[];
  /** Clears or fills fields on create (e.g. status), after defaults and before validation. */
  prepareForCreate?(object: KubeObject, context: WriteContext): void | Promise<void>;
  /** Keeps or resets fields on update (e.g. immutable ones), after defaults and before validation. */
  prepareForUpdate?(object: KubeObject, old: KubeObject, context: WriteContext): void | Promise<void>;
  /**
   * Called on delete with a private copy: may change it (Namespaces turn Terminating) and returns
   * whether the object must stay (beyond metadata.finalizers, which always keep it) — and, on later
   * updates, whether it still must.
   */
  keepOnDelete?(object: KubeObject): boolean;
  /** Releases what a deleted object held (allocated ClusterIPs, NodePorts…). */
  afterDelete?(object: KubeObject): void | Promise<void>;
}
