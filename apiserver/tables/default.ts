// The table of kinds without a printer (Roles, ClusterRoles, LimitRanges, CRDs, …), as
// k8s.io/apiserver's default convertor builds it: Name and Created At.

import { timestampMillis } from './duration.ts';
import { column, nameColumn, objectName } from './printer.ts';
import type { TableConvertor } from './types.ts';

/** RFC 3339 in UTC to the second; Go's zero time when there is no timestamp. */
function createdAt(timestamp: unknown): string {
  const millis = timestampMillis(timestamp);
  if (millis === undefined) return '0001-01-01T00:00:00Z';
  return new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const defaultTableConvertor: TableConvertor = {
  columnDefinitions: [nameColumn, column('Created At', 'date', 'When the object was created.')],
  cells: (object: any) => [objectName(object), createdAt(object?.metadata?.creationTimestamp)],
  nullRowsWhenEmpty: true,
};
