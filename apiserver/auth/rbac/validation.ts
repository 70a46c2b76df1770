// Field validation of Roles, ClusterRoles and their bindings (pkg/apis/rbac/validation), with
// Kubernetes' messages, and the defaulting of binding subjects.
import { dns1123SubdomainErrors, fieldError, pathSegmentNameErrors } from '../../registry/field-errors.ts';
import { labelSelectorFromObject, type LabelSelectorObject } from '../../registry/selectors.ts';
import type { KubeObject } from '../../registry/types.ts';
import { StatusError, type StatusCause } from '../../status.ts';
import { rbacGroup } from './bootstrap-policy.ts';

type Json = Record<string, unknown>;

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function validateRules(rules: unknown, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (rules !== undefined && rules !== null && !Array.isArray(rules)) return [fieldError.invalid('rules', rules, 'must be a list of policy rules')];
  asArray(rules).forEach((value, i) => {
    const path = `rules[${i}]`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      causes.push(fieldError.invalid(path, value, 'must be a policy rule object'));
      return;
    }
    const rule = value as Json;
    for (const field of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
      const list = rule[field];
      if (list !== undefined && list !== null && !(Array.isArray(list) && list.every((s) => typeof s === 'string'))) causes.push(fieldError.invalid(`${path}.${field}`, list, 'must be a list of strings'));
    }
    const has = (field: string) => asArray(rule[field]).length > 0;
    if (!has('verbs')) causes.push(fieldError.required(`${path}.verbs`, 'verbs must contain at least one value'));
    if (has('nonResourceURLs')) {
      if (namespaced) causes.push(fieldError.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (has('apiGroups') || has('resources') || has('resourceNames')) {
        causes.push(fieldError.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!has('apiGroups')) causes.push(fieldError.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!has('resources')) causes.push(fieldError.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  });
  return causes;
}

export function validateRole(role: KubeObject, namespaced: boolean): StatusCause[] {
  const causes = validateRules(role.rules, namespaced);
  if (!namespaced && role.aggregationRule !== undefined && role.aggregationRule !== null) {
    const selectors = (role.aggregationRule as Json).clusterRoleSelectors;
    if (!asArray(selectors).length) causes.push(fieldError.required('aggregationRule.clusterRoleSelectors', ''));
    asArray(selectors).forEach((selector, i) => {
      try {
        labelSelectorFromObject(selector as LabelSelectorObject);
      } catch (error) {
        causes.push(fieldError.invalid(`aggregationRule.clusterRoleSelectors[${i}]`, selector, error instanceof StatusError ? error.message : 'invalid label selector'));
      }
    });
  }
  return causes;
}

/** Go's %#v of a RoleRef, as field.Invalid prints it. */
function goRoleRef(roleRef: Json | undefined): string {
  const q = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  return `rbac.RoleRef{APIGroup:${q(roleRef?.apiGroup)}, Kind:${q(roleRef?.kind)}, Name:${q(roleRef?.name)}}`;
}

function validateSubject(subject: unknown, namespaced: boolean, path: string): StatusCause[] {
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) return [fieldError.invalid(path, subject, 'must be a subject object')];
  const s = subject as Json;
  const causes: StatusCause[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  if (!name) causes.push(fieldError.required(`${path}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const message of dns1123SubdomainErrors(name)) causes.push(fieldError.invalid(`${path}.name`, name, message));
      if (s.apiGroup) causes.push(fieldError.notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) causes.push(fieldError.required(`${path}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup) causes.push(fieldError.notSupported(`${path}.apiGroup`, s.apiGroup ?? '', [rbacGroup]));
      break;
    default:
      causes.push(fieldError.notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return causes;
}

export function validateBinding(binding: KubeObject, old: KubeObject | undefined, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const roleRef = (typeof binding.roleRef === 'object' && binding.roleRef !== null ? binding.roleRef : {}) as Json;
  if (roleRef.apiGroup !== rbacGroup) causes.push(fieldError.notSupported('roleRef.apiGroup', roleRef.apiGroup ?? '', [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(roleRef.kind as string)) causes.push(fieldError.notSupported('roleRef.kind', roleRef.kind ?? '', kinds));
  if (typeof roleRef.name !== 'string' || !roleRef.name) causes.push(fieldError.required('roleRef.name', ''));
  else for (const message of pathSegmentNameErrors(roleRef.name)) causes.push(fieldError.invalid('roleRef.name', roleRef.name, message));
  if (binding.subjects !== undefined && binding.subjects !== null && !Array.isArray(binding.subjects)) causes.push(fieldError.invalid('subjects', binding.subjects, 'must be a list of subjects'));
  asArray(binding.subjects).forEach((subject, i) => causes.push(...validateSubject(subject, namespaced, `subjects[${i}]`)));
  if (old) {
    const oldRef = (old.roleRef ?? {}) as Json;
    if (oldRef.apiGroup !== roleRef.apiGroup || oldRef.kind !== roleRef.kind || oldRef.name !== roleRef.name) {
      causes.push({ reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: ${goRoleRef(roleRef)}: cannot change roleRef` });
    }
  }
  return causes;
}

