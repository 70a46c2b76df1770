// Field errors with Kubernetes' wording (k8s.io/apimachinery/pkg/util/validation/field), so a 422
// reads exactly as kube-apiserver's: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
import type { StatusCause } from '../status.ts';

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export const fieldError = {
  required: (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' }),
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${formatValue(value)}${detail ? `: ${detail}` : ''}`,
  }),
  notSupported: (field: string, value: unknown, supported: string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${formatValue(value)}${supported.length ? `: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : ''}`,
  }),
  forbidden: (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` }),
  duplicate: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` }),
  tooLong: (field: string, max: number): StatusCause => ({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` }),
  tooMany: (field: string, actual: number, max: number): StatusCause => ({ reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` }),
  notFound: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueNotFound', field, message: `Not found: ${formatValue(value)}` }),
  immutable: (field: string, value: unknown): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: field is immutable` }),
};

// The identifier rules of k8s.io/apimachinery/pkg/util/validation, with their messages.
const dns1123LabelPattern = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainPattern = `${dns1123LabelPattern}(\\.${dns1123LabelPattern})*`;
const dns1123Label = new RegExp(`^${dns1123LabelPattern}$`);
const dns1123Subdomain = new RegExp(`^${dns1123SubdomainPattern}$`);
const qualifiedNamePattern = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameRegexp = new RegExp(`^${qualifiedNamePattern}$`);
const labelValuePattern = `(${qualifiedNamePattern})?`;
const labelValueRegexp = new RegExp(`^${labelValuePattern}$`);
const cIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Messages for a value that is not an RFC 1123 label (e.g. namespace, service names); empty when valid. */
export function dns1123LabelErrors(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!dns1123Label.test(value))
    problems.push(
      `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${dns1123LabelPattern}')`,
    );
  return problems;
}

/** Messages for a value that is not an RFC 1123 subdomain (most object names); empty when valid. */
export function dns1123SubdomainErrors(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push('must be no more than 253 characters');
  if (!dns1123Subdomain.test(value))
    problems.push(
      `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123SubdomainPattern}')`,
    );
  return problems;
}

/** Messages for a name that is not a valid path segment (RBAC and a few others accept almost anything). */
export function pathSegmentNameErrors(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  const bad = ['/', '%'].find((c) => value.includes(c));
  return bad ? [`may not contain '${bad}'`] : [];
}

/** Label and annotation keys: an optional DNS-subdomain prefix and a qualified name. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const problems: string[] = [];
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (!prefix) problems.push('prefix part must be non-empty');
    else for (const message of dns1123SubdomainErrors(prefix)) problems.push(`prefix part ${message}`);
  } else if (parts.length > 2) {
    return [
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNamePattern}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (!name) problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  if (name && !qualifiedNameRegexp.test(name))
    problems.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNamePattern}')`,
    );
  return problems;
}

export function labelValueErrors(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!labelValueRegexp.test(value))
    problems.push(
      `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${labelValuePattern}')`,
    );
  return problems;
}

export function isCIdentifier(value: string): boolean {
  return cIdentifier.test(value);
}
