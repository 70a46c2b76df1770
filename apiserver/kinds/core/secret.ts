import { fieldError } from '../../registry/field-errors.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind } from '../define.ts';
import { validateDataKeys } from './data-keys.ts';

const maxTotalBytes = 1024 * 1024;
const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const secrets = defineKind({
  group: '',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
  versions: ['v1'],
  fieldSelectors: { type: (secret) => secret.type as string | undefined },
  defaults(secret) {
    if (!secret.type) secret.type = 'Opaque';
    // stringData is write-only: it is merged into data (base64) and never stored.
    const stringData = secret.stringData as Record<string, string> | undefined;
    if (stringData && typeof stringData === 'object') {
      const data = ((secret.data as Record<string, string> | undefined) ??= {});
      for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value)).toString('base64');
      delete secret.stringData;
    }
  },
  validate(secret, old) {
    const data = (secret.data ?? {}) as Record<string, unknown>;
    const causes: StatusCause[] = validateDataKeys(data, 'data');
    let total = 0;
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string' || !base64.test(value) || value.length % 4 !== 0) causes.push(fieldError.invalid(`data[${key}]`, '<secret contents redacted>', 'must be base64-encoded'));
      else total += Math.floor((value.length * 3) / 4);
    }
    if (total > maxTotalBytes) causes.push(fieldError.tooLong('data', maxTotalBytes));
    if (secret.type === 'kubernetes.io/service-account-token') {
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) causes.push(fieldError.required("metadata.annotations[kubernetes.io/service-account.name]", ''));
    }
    if (secret.type === 'kubernetes.io/dockerconfigjson' && !data['.dockerconfigjson']) causes.push(fieldError.required('data[.dockerconfigjson]', ''));
    if (secret.type === 'kubernetes.io/tls') {
      if (!('tls.crt' in data)) causes.push(fieldError.required('data[tls.crt]', ''));
      if (!('tls.key' in data)) causes.push(fieldError.required('data[tls.key]', ''));
    }
    if (old) {
      if (old.type !== secret.type) causes.push(fieldError.immutable('type', secret.type));
      if (old.immutable === true && JSON.stringify(old.data ?? {}) !== JSON.stringify(secret.data ?? {})) causes.push(fieldError.forbidden('data', 'field is immutable when `immutable` is set'));
    }
    return causes;
  },
});
