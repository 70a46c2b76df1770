import { fieldError } from '../../registry/field-errors.ts';
import type { StatusCause } from '../../status.ts';
import { defineKind } from '../define.ts';
import { validateDataKeys } from './data-keys.ts';

const maxTotalBytes = 1024 * 1024;

export const configMaps = defineKind({
  group: '',
  kind: 'ConfigMap',
  plural: 'configmaps',
  shortNames: ['cm'],
  namespaced: true,
  versions: ['v1'],
  validate(cm, old) {
    const data = (cm.data ?? {}) as Record<string, string>;
    const binaryData = (cm.binaryData ?? {}) as Record<string, string>;
    const causes: StatusCause[] = [...validateDataKeys(data, 'data'), ...validateDataKeys(binaryData, 'binaryData')];
    let total = 0;
    for (const [key, value] of Object.entries(data)) {
      if (key in binaryData) causes.push(fieldError.invalid('data', key, 'duplicate of key present in binaryData'));
      total += typeof value === 'string' ? Buffer.byteLength(value) : 0;
    }
    for (const value of Object.values(binaryData)) total += typeof value === 'string' ? Math.floor((value.length * 3) / 4) : 0;
    if (total > maxTotalBytes) causes.push(fieldError.tooLong('', maxTotalBytes));
    if (old?.immutable === true) {
      if (JSON.stringify(old.data ?? {}) !== JSON.stringify(cm.data ?? {}) || JSON.stringify(old.binaryData ?? {}) !== JSON.stringify(cm.binaryData ?? {})) {
        causes.push(fieldError.forbidden('data', 'field is immutable when `immutable` is set'));
      }
      if (cm.immutable !== true) causes.push(fieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
    }
    return causes;
  },
});
