// Building blocks of the built-in printers: column definitions and the cells most kinds share.
// Column names, types, formats and priorities are Kubernetes 1.33's; descriptions are k2's own words.

import { ageSince } from './duration.ts';
import type { TableColumnDefinition, TableConvertor } from './types.ts';

export function column(name: string, type: string, description: string, options: { format?: string; priority?: number } = {}): TableColumnDefinition {
  return { name, type, format: options.format ?? '', description, priority: options.priority ?? 0 };
}

export const nameColumn = column('Name', 'string', 'Name of the object, unique among objects of its kind (and namespace).', { format: 'name' });
export const ageColumn = column('Age', 'string', 'Time since the object was created.');

/** The Containers and Images columns of workload kinds (wide output only, unless `priority` says otherwise). */
export function containerColumns(priority = 1): TableColumnDefinition[] {
  return [
    column('Containers', 'string', 'Names of the containers in the pod template.', { priority }),
    column('Images', 'string', 'Images of the containers in the pod template.', { priority }),
  ];
}

/** Names and images of a pod spec's regular containers (init containers excluded), each joined with `,`. */
export function containerCells(podSpec: any): [string, string] {
  const containers: any[] = podSpec?.containers ?? [];
  return [containers.map((c) => c?.name ?? '').join(','), containers.map((c) => c?.image ?? '').join(',')];
}

export function objectName(object: any): string {
  return object?.metadata?.name ?? '';
}

export function objectAge(object: any, now: number): string {
  return ageSince(object?.metadata?.creationTimestamp, now);
}

/** An integer field as a JSON integer cell (Go prints the zero value of a missing int). */
export function integer(value: unknown): number {
  return typeof value === 'number' ? Math.trunc(value) : 0;
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A printer-based convertor: fixed columns and one function from object to cells. */
export function printer(columnDefinitions: TableColumnDefinition[], cells: (object: any, now: number) => unknown[], extra: Partial<TableConvertor> = {}): TableConvertor {
  return { columnDefinitions, cells, ...extra };
}
