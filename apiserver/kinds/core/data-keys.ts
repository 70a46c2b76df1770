// Keys of ConfigMap and Secret data: what may become a file name or environment variable.
import { fieldError } from '../../registry/field-errors.ts';
import type { StatusCause } from '../../status.ts';

const configMapKey = /^[-._a-zA-Z0-9]+$/;

export function validateDataKeys(data: Record<string, unknown>, field: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const key of Object.keys(data)) {
    if (key.length > 253) causes.push(fieldError.invalid(field, key, 'must be no more than 253 characters'));
    if (!configMapKey.test(key)) causes.push(fieldError.invalid(field, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    if (key === '.' || key === '..') causes.push(fieldError.invalid(field, key, `must not be '${key}'`));
    else if (key.startsWith('..')) causes.push(fieldError.invalid(field, key, "must not start with '..'"));
  }
  return causes;
}
