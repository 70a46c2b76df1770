// ApplySet bookkeeping (the Kubernetes ApplySet specification, KEP-3659, as `kubectl apply --prune --applyset`
// implements it): the parent is an `Artifact` of k2's own cluster-scoped CRD; it carries the set's id, the
// tooling, the group-kinds and namespaces the members live in; every member carries the part-of label.
import { createHash } from 'node:crypto';
import { k2Version } from '../../apiserver/version.ts';
import type { KubeObject } from './kube-client.ts';

export const applySetIdLabel = 'applyset.kubernetes.io/id';
export const applySetPartOfLabel = 'applyset.kubernetes.io/part-of';
export const applySetParentTypeLabel = 'applyset.kubernetes.io/is-parent-type';
export const applySetToolingAnnotation = 'applyset.kubernetes.io/tooling';
export const applySetGroupKindsAnnotation = 'applyset.kubernetes.io/contains-group-kinds';
export const applySetNamespacesAnnotation = 'applyset.kubernetes.io/additional-namespaces';

export const artifactGroup = 'k2.io';
export const artifactVersion = 'v1';
export const artifactKind = 'Artifact';
export const artifactPlural = 'artifacts';
export const artifactCrdName = `${artifactPlural}.${artifactGroup}`;
export const artifactApiVersion = `${artifactGroup}/${artifactVersion}`;

/** The tooling value: `k2/<semver>`; kubectl refuses to touch sets another tool manages, and so do we. */
export const applySetTooling = `k2/v${k2Version}`;

/**
 * The spec's id of a parent: `applyset-` + unpadded URL-safe base64 of sha256(`<name>.<namespace>.<kind>.<group>`)
 * + `-v1` (namespace empty for a cluster-scoped parent).
 */
export function applySetId(name: string, namespace: string, kind: string, group: string): string {
  const digest = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url');
  return `applyset-${digest}-v1`;
}

export function artifactApplySetId(name: string): string {
  return applySetId(name, '', artifactKind, artifactGroup);
}

/** Sorted, comma-separated, as kubectl writes these annotations. */
export function joinSorted(values: Iterable<string>): string {
  return [...new Set(values)].sort().join(',');
}

export function splitList(value: unknown): string[] {
  return typeof value === 'string' && value ? value.split(',').filter(Boolean) : [];
}

/** `Kind.group` → group and kind (the kind is up to the first dot: kinds have no dots). */
export function parseGroupKind(groupKind: string): { group: string; kind: string } {
  const dot = groupKind.indexOf('.');
  return dot < 0 ? { group: '', kind: groupKind } : { group: groupKind.slice(dot + 1), kind: groupKind.slice(0, dot) };
}

/**
 * k2's ApplySet parent type. Cluster-scoped, so one artifact may span namespaces; its status subresource
 * lets the engine report progress without touching the spec; printer columns make `kubectl get artifacts`
 * tell which artifact a cluster runs.
 */
export function artifactCrd(): KubeObject {
  const referenceSchema = { type: 'object', properties: { reference: { type: 'string' }, digest: { type: 'string' } } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: artifactCrdName, labels: { [applySetParentTypeLabel]: 'true' } },
    spec: {
      group: artifactGroup,
      scope: 'Cluster',
      names: { plural: artifactPlural, singular: 'artifact', kind: artifactKind, listKind: 'ArtifactList', categories: ['k2'] },
      versions: [
        {
          name: artifactVersion,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Reference', type: 'string', jsonPath: '.spec.reference' },
            { name: 'Digest', type: 'string', jsonPath: '.status.shortDigest', description: 'The first 12 hex digits of the deployed digest' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Objects', type: 'integer', jsonPath: '.status.objects' },
            { name: 'Pruned', type: 'integer', jsonPath: '.status.pruned', priority: 1 },
            { name: 'Deployed', type: 'date', jsonPath: '.status.lastDeployed', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'An artifact deployed to this cluster by `k2 deploy`: the parent of its objects (an ApplySet).',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    reference: { type: 'string', description: 'The reference the artifact was deployed from' },
                    digest: { type: 'string', description: 'The artifact digest (sha256:…)' },
                    parents: { type: 'array', description: 'The FROM chain, nearest first', items: referenceSchema },
                    settings: { type: 'object', additionalProperties: { type: 'string' }, description: 'Cluster settings the artifact carries' },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    phase: { type: 'string', enum: ['Deploying', 'Deployed', 'Failed'] },
                    shortDigest: { type: 'string' },
                    objects: { type: 'integer', description: 'Objects of the artifact the last deploy applied' },
                    pruned: { type: 'integer', description: 'Objects the last deploy pruned' },
                    message: { type: 'string' },
                    lastDeployed: { type: 'string', format: 'date-time' },
                    conditions: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['type'],
                      items: {
                        type: 'object',
                        required: ['type', 'status'],
                        properties: {
                          type: { type: 'string' },
                          status: { type: 'string' },
                          reason: { type: 'string' },
                          message: { type: 'string' },
                          lastTransitionTime: { type: 'string', format: 'date-time' },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

export interface ParentRecord {
  name: string;
  reference: string;
  digest: string;
  parents: { reference: string; digest: string }[];
  settings: Record<string, string>;
  groupKinds: Iterable<string>;
  /** Namespaces the members live in (a cluster-scoped parent lists all of them). */
  namespaces: Iterable<string>;
}

/** The parent object as the engine applies it (metadata and spec; status goes through /status). */
export function artifactParent(record: ParentRecord): KubeObject {
  return {
    apiVersion: artifactApiVersion,
    kind: artifactKind,
    metadata: {
      name: record.name,
      labels: { [applySetIdLabel]: artifactApplySetId(record.name) },
      annotations: {
        [applySetToolingAnnotation]: applySetTooling,
        [applySetGroupKindsAnnotation]: joinSorted(record.groupKinds),
        [applySetNamespacesAnnotation]: joinSorted(record.namespaces),
      },
    },
    spec: { reference: record.reference, digest: record.digest, parents: record.parents, settings: record.settings },
  };
}

/** `sha256:0123456789ab…` → `0123456789ab`, as `docker images` shows image ids. */
export function shortDigest(digest: string): string {
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return hex.slice(0, 12);
}
