// The server-side Table contract (meta.k8s.io/v1): columns and the cells of one row per object.
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableConvertor {
  columnDefinitions: TableColumnDefinition[];
  /** Cells of one row for an object in its stored form. */
  cells(object: any, now: number): unknown[];
}
