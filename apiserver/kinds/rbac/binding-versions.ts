// RoleBindings and ClusterRoleBindings in every RBAC version: v1beta1 (1.6–1.21) is v1 with its
// defaults; v1alpha1
// (1.3–1.21) named a subject's group by apiVersion. Kubernetes also read a v1alpha1 `User "*"` as
// every authenticated user; k2 does the same, so that subject reads back as that Group.
import { cloneObject } from '../../registry/object-meta.ts';
import type { KubeObject, VersionDescription } from '../../registry/types.ts';

type Json = Record<string, any>;

const rbacGroup = 'rbac.authorization.k8s.io';

/** The defaults v1 and v1beta1 apply: roleRef's group, and each subject's apiGroup by its kind. */
export function defaultBinding(binding: KubeObject): void {
  const roleRef = binding.roleRef as Json | undefined;
  if (roleRef) roleRef.apiGroup ||= rbacGroup;
  for (const subject of (binding.subjects ?? []) as Json[]) {
    // Kubernetes never writes an empty apiGroup (omitempty): a ServiceAccount's is absent.
    if (subject.apiGroup === '') delete subject.apiGroup;
    if (subject.apiGroup === undefined && (subject.kind === 'User' || subject.kind === 'Group')) subject.apiGroup = rbacGroup;
  }
}

function v1alpha1Defaults(binding: KubeObject): void {
  const roleRef = binding.roleRef as Json | undefined;
  if (roleRef) roleRef.apiGroup ||= rbacGroup;
  for (const subject of (binding.subjects ?? []) as Json[]) {
    if (subject.apiVersion) continue;
    if (subject.kind === 'ServiceAccount') subject.apiVersion = 'v1';
    else if (subject.kind === 'User' || subject.kind === 'Group') subject.apiVersion = `${rbacGroup}/v1alpha1`;
  }
}

function subjectToV1(subject: Json): Json {
  const { apiVersion, ...rest } = subject;
  if (rest.kind === 'User' && rest.name === '*') return { ...rest, kind: 'Group', name: 'system:authenticated', apiGroup: rbacGroup };
  if (rest.kind === 'ServiceAccount') return rest;
  if (rest.kind === 'User' || rest.kind === 'Group') return { ...rest, apiGroup: rbacGroup };
  const group = typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return group ? { ...rest, apiGroup: group } : rest;
}

function subjectFromV1(subject: Json): Json {
  const { apiGroup, ...rest } = subject;
  if (rest.kind === 'ServiceAccount' && !apiGroup) return { ...rest, apiVersion: 'v1' };
  if ((rest.kind === 'User' || rest.kind === 'Group') && apiGroup === rbacGroup) return { ...rest, apiVersion: `${rbacGroup}/v1alpha1` };
  return apiGroup ? { ...rest, apiVersion: `${apiGroup}/` } : rest;
}

export const bindingVersions: VersionDescription[] = [
  { version: 'v1beta1' },
  {
    version: 'v1alpha1',
    defaults: v1alpha1Defaults,
    toStored(binding) {
      if (Array.isArray(binding.subjects)) binding.subjects = (binding.subjects as Json[]).map(subjectToV1);
      return binding;
    },
    fromStored(stored) {
      if (!Array.isArray(stored.subjects)) return stored;
      const binding = cloneObject(stored);
      binding.subjects = (binding.subjects as Json[]).map(subjectFromV1);
      return binding;
    },
  },
];
