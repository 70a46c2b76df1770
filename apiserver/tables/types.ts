// The shapes of server-side Tables (`meta.k8s.io/v1` Table): what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints cell by cell, verbatim.

export interface TableColumnDefinition {
  name: string;
  /** OpenAPI type: `string`, `integer`, `number`, `boolean` or `date`. Not always the JSON type of the cells. */
  type: string;
  /** `name` marks the column kubectl prefixes with `kind/` and fills from the object name. */
  format: string;
  description: string;
  /** 0 = shown by default; anything else only with `kubectl get -o wide`. */
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableConvertor {
  columnDefinitions: TableColumnDefinition[];
  /** Cells of one row for an object in its stored form (the newest stable version of its kind, e.g. apps/v1, autoscaling/v2, batch/v1). */
  cells(object: any, now: number): unknown[];
  /** Row conditions (only Pods have them: `Completed` for finished pods). */
  rowConditions?(object: any): TableRowCondition[] | undefined;
  /** Reorders a list before its rows are built (FlowSchemas are listed by matching precedence). */
  orderObjects?(objects: readonly any[]): readonly any[];
  /** Sends column definitions on every watch event, not only the first (kube-aggregator's APIService table). */
  alwaysIncludeColumns?: boolean;
  /** An empty list renders as `rows: null` rather than `rows: []` (k8s.io/apiserver's default convertor). */
  nullRowsWhenEmpty?: boolean;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** PartialObjectMetadata (default), the full object (`includeObject=Object`) or null (`None`). */
  object: unknown;
}

export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: TableListMeta;
  /** null on the watch events after the first one, where kubectl reuses the columns it already has. */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[] | null;
}

/** apiextensions.k8s.io/v1 `additionalPrinterColumns[]` of a served CRD version. */
export interface CustomResourceColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}
