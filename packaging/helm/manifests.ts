// Rendered templates into manifests and hooks, in Helm's install order (pkg/releaseutil).
import { type GoMap, isGoMap } from '../gotemplate/values.ts';
import { decodeYaml } from './goyaml.ts';

export interface Manifest {
  /** Template path that produced it, e.g. "mychart/templates/deployment.yaml". */
  path: string;
  /** The YAML document text. */
  content: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  annotations: Record<string, string>;
}

export interface Hook extends Manifest {
  events: string[];
  weight: number;
  deletePolicies: string[];
}

/** Kinds in the order Helm installs them; other kinds follow, sorted by name. */
export const installOrder: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const hookEvents = new Set(['pre-install', 'post-install', 'pre-delete', 'post-delete', 'pre-upgrade', 'post-upgrade', 'pre-rollback', 'post-rollback', 'test']);

/** releaseutil.SplitManifests: the non-empty YAML documents of a rendered file. */
export function splitManifests(text: string): string[] {
  return text
    .trim()
    .split(/(?:^|\s*\n)---\s*/)
    .filter((d) => d !== '')
    .map((d) => d.trim());
}

function kindRank(kind: string): number {
  const i = installOrder.indexOf(kind);
  return i < 0 ? installOrder.length : i;
}

/** Stable sort by install order; unknown kinds after known ones, by kind name. */
export function sortByKind<T extends { kind: string }>(items: T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const ra = kindRank(a.item.kind);
      const rb = kindRank(b.item.kind);
      if (ra !== rb) return ra - rb;
      if (ra === installOrder.length && a.item.kind !== b.item.kind) return a.item.kind < b.item.kind ? -1 : 1;
      return a.index - b.index;
    })
    .map(({ item }) => item);
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isGoMap(value)) for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

function head(path: string, content: string): Manifest {
  let doc: unknown;
  try {
    doc = decodeYaml(content);
  } catch (e) {
    throw new Error(`YAML parse error on ${path}: ${(e as Error).message}`);
  }
  if (doc !== null && !isGoMap(doc)) {
    throw new Error(`YAML parse error on ${path}: error unmarshaling JSON: json: cannot unmarshal array into Go value of type releaseutil.SimpleHead`);
  }
  const d = (doc ?? {}) as GoMap;
  const metadata = isGoMap(d.metadata) ? d.metadata : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    path,
    content,
    apiVersion: str(d.apiVersion),
    kind: str(d.kind),
    name: str(metadata.name),
    namespace: str(metadata.namespace),
    annotations: stringMap(metadata.annotations),
  };
}

/** releaseutil.SortManifests: splits rendered files into manifests and hooks, each in install order. */
export function sortManifests(files: Map<string, string>): { manifests: Manifest[]; hooks: Hook[] } {
  const manifests: Manifest[] = [];
  const hooks: Hook[] = [];
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path)!;
    if (path.slice(path.lastIndexOf('/') + 1).startsWith('_')) continue;
    if (content.trim() === '') continue;
    for (const doc of splitManifests(content)) {
      const m = head(path, doc);
      const hookTypes = m.annotations['helm.sh/hook'];
      if (hookTypes === undefined) {
        manifests.push(m);
        continue;
      }
      const events = hookTypes.split(',').map((t) => t.trim().toLowerCase());
      // Unknown hook types make Helm skip the document entirely.
      if (events.some((e) => !hookEvents.has(e === 'test-success' ? 'test' : e))) continue;
      const weight = Number.parseInt(m.annotations['helm.sh/hook-weight'] ?? '', 10);
      hooks.push({
        ...m,
        events: events.map((e) => (e === 'test-success' ? 'test' : e)),
        weight: /^[+-]?\d+$/.test(m.annotations['helm.sh/hook-weight'] ?? '') ? weight : 0,
        deletePolicies: (m.annotations['helm.sh/hook-delete-policy'] ?? '')
          .split(',')
          .map((p) => p.trim().toLowerCase())
          .filter((p) => p !== ''),
      });
    }
  }
  return { manifests: sortByKind(manifests), hooks: sortByKind(hooks) };
}

/** Hooks for one event in the order Helm runs them: by weight, then name, then install order of kinds. */
export function hooksFor<T extends Pick<Hook, 'events' | 'weight' | 'name' | 'kind'>>(hooks: T[], event: string): T[] {
  return sortByKind(hooks.filter((h) => h.events.includes(event)))
    .map((h, index) => ({ h, index }))
    .sort((a, b) => a.h.weight - b.h.weight || (a.h.name < b.h.name ? -1 : a.h.name > b.h.name ? 1 : 0) || a.index - b.index)
    .map(({ h }) => h);
}
