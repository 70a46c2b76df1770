// Server-side Table rendering until the per-kind column library lands: k8s.io/apiserver's default
// Table (Name, Created At) or a description's own convertor.
import type { KubeObject } from '../registry/types.ts';
import type { TableConvertor } from '../tables/types.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export const defaultTableConvertor: TableConvertor = {
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', format: '', description: 'When the object was created.', priority: 0 },
  ],
  cells: (object: KubeObject) => [object.metadata.name, object.metadata.creationTimestamp],
};

export function renderTable(
  convertor: TableConvertor,
  objects: KubeObject[],
  options: { includeObject?: IncludeObject; apiVersion?: string; resourceVersion?: string; continue?: string; remainingItemCount?: number; now?: number },
): Record<string, unknown> {
  const now = options.now ?? Date.now();
  const metadata: Record<string, unknown> = {};
  if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
  if (options.continue) metadata.continue = options.continue;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  const include = options.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: options.apiVersion ?? 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: convertor.columnDefinitions,
    rows: objects.map((object) => ({
      cells: convertor.cells(object, now),
      object: include === 'None' ? undefined : include === 'Object' ? object : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
    })),
  };
}
